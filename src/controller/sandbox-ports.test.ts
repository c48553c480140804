// Root integration tests of ports changed on a running sandbox, at the controller, with a driver that
// publishes ports but cannot change some of them (no PortChanges): the controller programs its whole list
// again, and puts the old one back when that fails; bindings given at creation can be removed too; more
// added bindings than one store transaction takes are kept across a restart and go with the sandbox.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ExternalConnectivity, ExternalConnectivityRequest } from "../driver-api/index.js";
import { conflict } from "../errors/index.js";
import { Controller } from "../libnetwork.js";
import { MemoryStore } from "../store/index.js";
import { rootOnly, tryRun, uniqueName } from "../testing/kernel.js";
import { TestVethDriver } from "../testing/veth-driver.js";
import { formatIp } from "../types/index.js";
import type { NetworkController } from "./controller.js";
import { TEST_RESOLV_CONF } from "./harness.test.js";

/** The test veth driver, publishing ports by programming its whole list each time; it can be told to refuse once. */
class WholeListDriver extends TestVethDriver implements ExternalConnectivity {
  readonly programs: string[] = [];
  refuseNext = false;

  async programExternalConnectivity(_networkId: string, _endpointId: string, req: ExternalConnectivityRequest): Promise<void> {
    const list = req.portBindings.map((b) => `${b.hostIp === undefined ? "" : `${formatIp(b.hostIp)}:`}${b.hostPort}:${b.port}`).join(",");
    if (this.refuseNext) {
      this.refuseNext = false;
      this.programs.push(`refused ${list}`);
      throw conflict("ERR_PORT_ALLOCATED", "Bind for 0.0.0.0:8082 failed: port is already allocated");
    }
    this.programs.push(`program ${list}`);
  }

  async revokeExternalConnectivity(): Promise<void> {
    this.programs.push("revoke");
  }
}

describe("ports of a running sandbox, at the controller (root)", rootOnly, () => {
  const dir = mkdtempSync(join(tmpdir(), "dnet-ctl-ports-"));
  const store = new MemoryStore();
  let driver: WholeListDriver | undefined;
  let c: NetworkController;
  const open = (): Promise<NetworkController> => {
    writeFileSync(join(dir, "resolv.conf"), TEST_RESOLV_CONF);
    return Controller.create({
      store, netnsDir: join(dir, "netns"), etcNetnsDir: join(dir, "etc"), hostResolvConf: join(dir, "resolv.conf"),
      firewall: "none", embeddedDns: false, drivers: ({ handles }) => [driver = new WholeListDriver(handles, { name: "wholelist" })],
    });
  };
  const d = (): WholeListDriver => driver as WholeListDriver;
  const p = uniqueName("cp");

  before(async () => { c = await open(); });
  after(async () => {
    for (const sb of c.sandboxes()) await sb.delete().catch(() => undefined);
    for (const n of c.networks()) if (!n.info().predefined) await n.delete().catch(() => undefined);
    await c.close();
    tryRun("umount", ["-l", join(dir, "netns")]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a driver without PortChanges gets its whole list again; a refused one gets the old list back and nothing is recorded", async () => {
    const net = await c.createNetwork({ name: `${p}-n`, driver: "wholelist", ipam: { config: [{ subnet: "10.238.1.0/24" }] } });
    const sb = await c.createSandbox({ containerId: `${p}-a`, portBindings: [{ port: 80, hostPort: 8080 }] });
    await (await net.createEndpoint({ name: "ea" })).join(sb);
    assert.deepEqual(d().programs.splice(0), ["program 8080:80"]);
    const added = await sb.addPorts([{ port: 81, hostPort: 8081 }]);
    assert.deepEqual(added.bindings, [{ proto: "tcp", port: 81, hostPort: 8081, hostPortEnd: 8081 }]);
    assert.deepEqual(d().programs.splice(0), ["revoke", "program 8080:80,8081:81"]);
    d().refuseNext = true;
    await assert.rejects(sb.addPorts([{ port: 82, hostPort: 8082 }]), { code: "ERR_PORT_ALLOCATED", message: /^driver failed programming external connectivity on endpoint ea/ });
    assert.deepEqual(d().programs.splice(0), ["revoke", "refused 8080:80,8081:81,8082:82", "program 8080:80,8081:81"]);
    assert.deepEqual(sb.portBindings().map((b) => b.hostPort), [8080, 8081], "nothing recorded");
    await assert.rejects(sb.addPorts([{ port: 81, hostPort: 8081 }]), { code: "ERR_PORT_BINDING_EXISTS" });
    assert.deepEqual(d().programs, [], "a binding the sandbox has is refused before the driver is asked");
    assert.deepEqual(await sb.removePorts({ port: 81 }), [{ proto: "tcp", port: 81, hostPort: 8081, hostPortEnd: 8081 }]);
    assert.deepEqual(d().programs.splice(0), ["revoke", "program 8080:80"]);
    assert.deepEqual(await sb.removePorts({ port: 80, hostPort: 8080 }), [{ proto: "tcp", port: 80, hostPort: 8080, hostPortEnd: 8080 }], "one given at creation");
    assert.deepEqual(d().programs.splice(0), ["revoke", "program "]);
    assert.deepEqual(sb.portBindings(), []);
    await assert.rejects(sb.removePorts({ port: 80 }), { kind: "not-found", code: "ERR_PORT_BINDING_NOT_FOUND", message: /publishes no 80\/tcp/ });
  });

  it("more added bindings than one store transaction takes: kept across a restart, gone with the sandbox", async () => {
    const sb = await c.createSandbox({ containerId: `${p}-b` });
    const many = Array.from({ length: 300 }, (_, i) => ({ port: 20000 + i, hostPort: 20000 + i }));
    assert.deepEqual((await sb.addPorts(many)).published, [], "on no network: recorded, published when it joins one");
    await c.close();
    c = await open();
    const again = c.sandbox(`${p}-b`);
    assert.equal(again.portBindings().length, 300);
    await again.delete();
    assert.deepEqual((await store.list("port/")).length, 0, "every record went with it");
  });
});
