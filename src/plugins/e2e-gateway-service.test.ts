// A remote (plugin) network driver and Docker's default gateway service, on a daemon in its own netns: a
// Join that answers no Gateway with DisableGatewayService false gets the sandbox a docker_gwbridge leg
// (eth1, the default route); with DisableGatewayService true it does not. Read with iproute2.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FakePlugin, QUIET_PLUGIN, type FakeScript } from "../testing/fake-plugin.js";
import { rootOnly } from "../testing/kernel.js";
import { TestDaemon, sh } from "../testing/test-daemon.js";

const OK = { json: {} };

/** A plugin whose joins make a veth in the daemon's netns and hand one end over, with no gateway. */
function noGatewayPlugin(hostNetns: string, disableGatewayService: boolean): FakeScript {
  return {
    ...QUIET_PLUGIN,
    "NetworkDriver.CreateNetwork": OK, "NetworkDriver.DeleteNetwork": OK, "NetworkDriver.CreateEndpoint": { json: { Interface: {} } },
    "NetworkDriver.DeleteEndpoint": OK, "NetworkDriver.Leave": OK,
    "NetworkDriver.Join": () => {
      const tag = randomBytes(4).toString("hex");
      sh("ip", ["-n", hostNetns, "link", "add", `gpa${tag}`, "type", "veth", "peer", "name", `gpb${tag}`]);
      return { json: { InterfaceName: { SrcName: `gpb${tag}`, DstPrefix: "eth" }, Gateway: "", DisableGatewayService: disableGatewayService } };
    },
  };
}

function defaultRoute(key: string): { gateway?: string; dev: string } | undefined {
  const [r] = JSON.parse(sh("nsenter", [`--net=${key}`, "ip", "-j", "-4", "route", "show", "default"])) as Array<{ gateway?: string; dev: string }>;
  return r === undefined ? undefined : { ...(r.gateway === undefined ? {} : { gateway: r.gateway }), dev: r.dev };
}

describe("a plugin network without a gateway and the gateway service (root)", rootOnly, () => {
  const tag = randomBytes(3).toString("hex");
  const pdir = mkdtempSync("/tmp/dnet-gwplug-");
  const d = new TestDaemon(["--plugins-dir", pdir, "--bridge", "none"]);
  const fakes: FakePlugin[] = [];

  before(async () => {
    for (const disable of [false, true]) fakes.push(await FakePlugin.start(join(pdir, `gwp${Number(disable)}-${tag}.sock`), noGatewayPlugin(d.hostNetns, disable)));
    await d.start();
  });
  after(async () => {
    await d.cleanup();
    for (const f of fakes) await f.stop();
    rmSync(pdir, { recursive: true, force: true });
  });

  it("DisableGatewayService false: the sandbox gets eth1 on docker_gwbridge and its default route there", { timeout: 60_000 }, async () => {
    const net = `gwp0-${tag}`;
    await d.client.createNetwork({ Name: net, Driver: net, IPAM: { Config: [{ Subnet: "10.236.40.0/24" }] } });
    const sb = await d.client.createSandbox({ Name: `gps0-${tag}`, Networks: [{ Network: net }] });
    const info = await d.client.inspectSandbox(sb.Name);
    assert.deepEqual(info.Endpoints.map((e) => `${e.NetworkName}:${e.IfName}`), [`${net}:eth0`, "docker_gwbridge:eth1"]);
    const gw = (await d.client.inspectNetwork("docker_gwbridge")).IPAM.Config?.[0]?.Gateway;
    assert.deepEqual(defaultRoute(info.Key), { gateway: gw, dev: "eth1" });
    assert.match(d.inNetns(info.Key, "ip", ["-4", "-o", "addr", "show", "dev", "eth0"]), /10\.236\.40\.2\/24/);
    await d.client.removeSandbox(sb.Name, true);
    assert.ok(!(await d.client.listEndpoints()).some((e) => e.NetworkName === "docker_gwbridge"), "the leg went with its sandbox");
    await d.client.removeNetwork(net);
  });

  it("DisableGatewayService true: no gateway leg, no default route", { timeout: 60_000 }, async () => {
    const net = `gwp1-${tag}`;
    await d.client.createNetwork({ Name: net, Driver: net, IPAM: { Config: [{ Subnet: "10.236.41.0/24" }] } });
    const sb = await d.client.createSandbox({ Name: `gps1-${tag}`, Networks: [{ Network: net }] });
    const info = await d.client.inspectSandbox(sb.Name);
    assert.deepEqual(info.Endpoints.map((e) => `${e.NetworkName}:${e.IfName}`), [`${net}:eth0`]);
    assert.equal(defaultRoute(info.Key), undefined);
    await d.client.removeSandbox(sb.Name, true);
    await d.client.removeNetwork(net);
  });
});
