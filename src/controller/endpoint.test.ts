// Root integration tests of endpoints (§1.3, §1.4, §1.6): IDs and names, lookup, addresses, delete refused
// while joined unless forced, one sandbox per endpoint, leave checks, DriverInfo with the port map and MAC.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import type { Network, Sandbox } from "./objects.js";
import {
  HEX64, expectError, ipv4In, linkNamesIn, linksIn, openHarness, uniqueName, type Harness,
} from "./harness.test.js";

describe("endpoints (root)", rootOnly, () => {
  let h: Harness;
  let net: Network;
  let net2: Network;
  before(async () => {
    h = await openHarness();
    net = await h.controller.createNetwork({ name: uniqueName("epnet"), driver: "testveth", ipam: { config: [{ subnet: "10.233.1.0/24" }] } });
    net2 = await h.controller.createNetwork({ name: uniqueName("epnet"), driver: "testveth", ipam: { config: [{ subnet: "10.233.2.0/24" }] } });
  });
  after(async () => { await h?.close(); });

  const sandbox = (): Promise<Sandbox> => h.controller.createSandbox({ containerId: uniqueName("ctr") });

  it("gets a 64-hex ID and the first free address after the gateway; listed and found by name, ID and prefix", async () => {
    const ep = await net.createEndpoint({ name: "web" });
    try {
      assert.match(ep.id, HEX64);
      assert.equal(ep.name, "web");
      assert.equal(ep.network, net.name);
      assert.equal(ep.Network(), net.name);
      const info = ep.info();
      assert.equal(info.networkId, net.id);
      assert.equal(info.address, "10.233.1.2/24");
      assert.equal(info.addressIPv6, undefined, "no IPv6 on a v4-only network");
      assert.equal(info.sandboxId, undefined);
      assert.deepEqual(net.endpoints().map((e) => e.id), [ep.id]);
      assert.ok(h.controller.endpoints().some((e) => e.id === ep.id));
      assert.equal(net.endpoint("web").id, ep.id);
      assert.equal(net.endpoint(ep.id).id, ep.id);
      assert.equal(net.endpoint(ep.id.slice(0, 10)).id, ep.id);
      await expectError(() => net.endpoint("nope"), { kind: "not-found", code: "ERR_ENDPOINT_NOT_FOUND", message: "endpoint nope not found" });
      await expectError(() => net2.endpoint("web"), { kind: "not-found", code: "ERR_ENDPOINT_NOT_FOUND" });
    } finally {
      await ep.delete();
    }
  });

  it("names are unique within a network, not across networks", async () => {
    const a = await net.createEndpoint({ name: "dup" });
    const b = await net2.createEndpoint({ name: "dup" });
    try {
      await expectError(() => net.createEndpoint({ name: "dup" }), {
        kind: "conflict", code: "ERR_ENDPOINT_EXISTS", message: `endpoint with name dup already exists in network ${net.name}`,
      });
      assert.equal(net.endpoints().length, 1);
      // The refused endpoint took no address: the next one gets the address right after a's.
      const c = await net.CreateEndpoint("dup2");
      assert.equal(c.info().address, "10.233.1.3/24");
      await c.Delete();
    } finally {
      await a.delete();
      await b.delete();
    }
  });

  it("a static address is honoured, refused while taken, and free again once its endpoint is deleted", async () => {
    const a = await net.createEndpoint({ name: "fixed", ip: "10.233.1.77" });
    assert.equal(a.info().address, "10.233.1.77/24");
    await expectError(() => net.createEndpoint({ name: "clash", ip: "10.233.1.77" }), {
      kind: "conflict", code: "ERR_IPAM_IP_ALREADY_ALLOCATED", message: "Address already in use",
    });
    await a.delete();
    const b = await net.createEndpoint({ name: "clash", ip: "10.233.1.77" });
    assert.equal(b.info().address, "10.233.1.77/24");
    await b.delete();
  });

  it("delete of a joined endpoint is refused unless forced; forced, it leaves first and frees its address", async () => {
    const sb = await sandbox();
    const ep = await net.createEndpoint({ name: "joined", ip: "10.233.1.88" });
    try {
      await ep.join(sb);
      assert.deepEqual(linkNamesIn(sb.key), ["eth0", "lo"]);
      await expectError(() => ep.delete(), {
        kind: "forbidden", code: "ERR_ENDPOINT_ACTIVE", message: `endpoint with name joined id ${ep.id} has active containers`,
      });
      await expectError(() => ep.Delete(false), { kind: "forbidden", code: "ERR_ENDPOINT_ACTIVE" });
      assert.equal(ep.info().sandboxId, sb.id, "still joined");
      assert.deepEqual(ipv4In(sb.key, "eth0"), ["10.233.1.88/24"], "still plumbed");
      await ep.delete(true);
      assert.deepEqual(linkNamesIn(sb.key), ["lo"], "the interface left the sandbox");
      assert.deepEqual(sb.info().endpoints, []);
      assert.ok(!net.endpoints().some((e) => e.id === ep.id));
      const again = await net.createEndpoint({ name: "joined", ip: "10.233.1.88" });
      await again.delete();
    } finally {
      await sb.delete();
    }
  });

  it("an endpoint joins at most one sandbox; leave checks the sandbox", async () => {
    const [sb1, sb2] = [await sandbox(), await sandbox()];
    const ep = await net.createEndpoint({ name: "single" });
    try {
      await expectError(() => ep.leave(sb1), {
        kind: "forbidden", code: "ERR_ENDPOINT_NOT_JOINED", message: "cannot leave endpoint with no attached sandbox",
      });
      await ep.join(sb1);
      const refused = { kind: "forbidden", code: "ERR_ENDPOINT_JOINED", message: "another container is attached to the same network endpoint" };
      await expectError(() => ep.join(sb2), refused);
      await expectError(() => ep.join(sb1), refused);
      assert.deepEqual(linkNamesIn(sb2.key), ["lo"], "nothing reached the other sandbox");
      await expectError(() => ep.leave(sb2), {
        kind: "forbidden", code: "ERR_ENDPOINT_WRONG_SANDBOX",
        message: `unexpected sandbox ID in leave request. Expected ${sb1.id}. Got ${sb2.id}`,
      });
      // By container ID (the README-era API): the wrong container is refused the same way.
      await expectError(() => ep.leave(sb2.containerId), { kind: "forbidden", code: "ERR_ENDPOINT_WRONG_SANDBOX" });
      await expectError(() => ep.leave("no-such-container"), { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND" });
      assert.equal(ep.info().sandboxId, sb1.id);
      assert.deepEqual(linkNamesIn(sb1.key), ["eth0", "lo"]);
      await ep.leave(sb1.containerId);
      assert.deepEqual(linkNamesIn(sb1.key), ["lo"]);
    } finally {
      await ep.delete(true);
      await sb1.delete();
      await sb2.delete();
    }
  });

  it("two concurrent joins of one endpoint: exactly one wins", async () => {
    const [sb1, sb2] = [await sandbox(), await sandbox()];
    const ep = await net.createEndpoint({ name: "race" });
    try {
      const results = await Promise.allSettled([ep.join(sb1), ep.join(sb2)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
      const joined = ep.info().sandboxId;
      const loser = joined === sb1.id ? sb2 : sb1;
      assert.deepEqual(linkNamesIn(loser.key), ["lo"]);
      assert.deepEqual(loser.info().endpoints, []);
    } finally {
      await ep.delete(true);
      await sb1.delete();
      await sb2.delete();
    }
  });

  it("DriverInfo carries the port map and the MAC under Docker's keys; the MAC is the interface's", async () => {
    const sb = await sandbox();
    const mac = "02:42:0a:e9:01:63";
    const ep = await net.createEndpoint({
      name: "ports", macAddress: mac.toUpperCase(),
      portBindings: [{ port: 80, hostPort: 8080 }, { proto: "udp", port: 53, hostIp: "127.0.0.1", hostPort: 5353, hostPortEnd: 5360 }],
    });
    try {
      await ep.join(sb);
      const info = ep.driverInfo();
      assert.deepEqual(info["com.docker.network.portmap"], [
        { Proto: "tcp", IP: "10.233.1.2", Port: 80, HostIP: "", HostPort: 8080, HostPortEnd: 8080 },
        { Proto: "udp", IP: "10.233.1.2", Port: 53, HostIP: "127.0.0.1", HostPort: 5353, HostPortEnd: 5360 },
      ]);
      assert.equal(info["com.docker.network.endpoint.macaddress"], mac);
      assert.deepEqual(ep.DriverInfo(), info);
      assert.equal(linksIn(sb.key).find((l) => l.ifname === "eth0")?.address, mac, "the kernel interface has that MAC");
      const plain = await net.createEndpoint({ name: "noports" });
      assert.deepEqual(plain.driverInfo()["com.docker.network.portmap"], []);
      await plain.delete();
    } finally {
      await ep.delete(true);
      await sb.delete();
    }
  });
});
