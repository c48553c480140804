// Root integration tests of join/leave against the kernel (§1.1, §1.6): the interface in the sandbox, eth
// numbering (lowest free number, Docker 28), IPs kept across leave and released on delete, and the default gateway choice.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rootOnly, tryRun } from "../testing/kernel.js";
import type { Network, Sandbox } from "./objects.js";
import {
  defaultRoute, hostTestLinks, ipv4In, linkNamesIn, linksIn, nsJson, openHarness, uniqueName, type Harness,
} from "./harness.test.js";

describe("join and leave (root)", rootOnly, () => {
  let h: Harness;
  const nets: Record<string, Network> = {};
  let prefix = "";
  before(async () => {
    h = await openHarness();
    prefix = uniqueName("j");
    // Names chosen so that name order (Docker's last tie-break) differs from creation order.
    const specs: Array<[string, string, boolean]> = [["b", "10.234.2.0/24", false], ["a", "10.234.1.0/24", false], ["c", "10.234.3.0/24", false], ["aa-int", "10.234.4.0/24", true]];
    for (const [key, subnet, internal] of specs) {
      nets[key] = await h.controller.createNetwork({ name: `${prefix}-${key}`, driver: "testveth", internal, ipam: { config: [{ subnet }] } });
    }
  });
  after(async () => { await h?.close(); });

  const net = (key: string): Network => nets[key] as Network;
  const sandbox = (): Promise<Sandbox> => h.controller.createSandbox({ containerId: uniqueName("ctr") });

  it("join plumbs eth0 with the endpoint's address, up, and a default route via the network's gateway", async () => {
    const sb = await sandbox();
    const ep = await net("a").createEndpoint({ name: "e0" });
    try {
      await ep.join(sb);
      const info = ep.info();
      assert.equal(info.sandboxId, sb.id);
      assert.equal(info.ifname, "eth0");
      assert.equal(info.gateway, "10.234.1.1");
      assert.deepEqual(sb.info().endpoints, [{ endpointId: ep.id, networkId: net("a").id, ifname: "eth0" }]);
      const eth0 = linksIn(sb.key).find((l) => l.ifname === "eth0");
      assert.ok(eth0?.flags.includes("UP"), JSON.stringify(eth0));
      assert.ok(linksIn(sb.key).find((l) => l.ifname === "lo")?.flags.includes("UP"), "lo is up");
      assert.deepEqual(ipv4In(sb.key, "eth0"), ["10.234.1.2/24"]);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.234.1.1", dev: "eth0" });
      assert.ok(hostTestLinks().includes(`tv${ep.id.slice(0, 10)}`), "the host side exists");
      await ep.leave(sb);
      assert.deepEqual(linkNamesIn(sb.key), ["lo"]);
      assert.equal(defaultRoute(sb.key), undefined);
      assert.ok(!hostTestLinks().includes(`tv${ep.id.slice(0, 10)}`), "the driver removed the host side");
      assert.equal(ep.info().sandboxId, undefined);
      assert.equal(ep.info().ifname, undefined);
      assert.deepEqual(sb.info().endpoints, []);
    } finally {
      await ep.delete(true);
      await sb.delete();
    }
  });

  it("in-sandbox names are eth0, eth1 … in join order; a join takes the lowest free number (Docker 28: a reconnect gets eth0 back)", async () => {
    const sb = await sandbox();
    const [ea, eb, ec] = [await net("a").createEndpoint({ name: "n1" }), await net("b").createEndpoint({ name: "n1" }), await net("c").createEndpoint({ name: "n1" })];
    try {
      await eb.join(sb);
      await ea.join(sb);
      assert.equal(eb.info().ifname, "eth0");
      assert.equal(ea.info().ifname, "eth1");
      assert.deepEqual(ipv4In(sb.key, "eth0"), ["10.234.2.2/24"]);
      assert.deepEqual(ipv4In(sb.key, "eth1"), ["10.234.1.2/24"]);
      await eb.leave(sb);
      await ec.join(sb);
      assert.equal(ec.info().ifname, "eth0", "eth0 is free again: the next join takes it");
      await ea.leave(sb);
      await eb.join(sb);
      assert.equal(eb.info().ifname, "eth1", "the lowest number no interface has");
      assert.deepEqual(linkNamesIn(sb.key), ["eth0", "eth1", "lo"]);
      assert.deepEqual(ipv4In(sb.key, "eth1"), ["10.234.2.2/24"]);
      assert.deepEqual(ipv4In(sb.key, "eth0"), ["10.234.3.2/24"]);
      // A fresh sandbox starts again at eth0.
      const other = await sandbox();
      await ea.join(other);
      assert.equal(ea.info().ifname, "eth0");
      await other.delete();
    } finally {
      for (const e of [ea, eb, ec]) await e.delete(true).catch(() => {});
      await sb.delete();
    }
  });

  it("com.docker.network.container_iface_prefix gives that network's interfaces their own counter", async () => {
    const n = await h.controller.createNetwork({
      name: `${prefix}-pfx`, driver: "testveth", ipam: { config: [{ subnet: "10.234.9.0/24" }] },
      options: { "com.docker.network.container_iface_prefix": "ens" },
    });
    const sb = await sandbox();
    const [e1, e2] = [await n.createEndpoint({ name: "p" }), await net("a").createEndpoint({ name: "p" })];
    try {
      await e1.join(sb);
      await e2.join(sb);
      assert.deepEqual(linkNamesIn(sb.key), ["ens0", "eth0", "lo"]);
    } finally {
      await sb.delete(); // Docker's Sandbox.Delete: its endpoints leave and are deleted
      await n.delete();
    }
    assert.equal(n.endpoints().length, 0);
  });

  it("the IP stays with the endpoint across leave and is released only when the endpoint is deleted", async () => {
    const sb = await sandbox();
    const ep = await net("c").createEndpoint({ name: "keep" });
    const address = ep.info().address;
    assert.equal(address, "10.234.3.2/24");
    try {
      await ep.join(sb);
      assert.deepEqual(ipv4In(sb.key, "eth0"), [address]);
      await ep.leave(sb);
      assert.deepEqual(ipv4In(sb.key), ["127.0.0.1/8"], "the address left the kernel with the interface");
      assert.equal(ep.info().address, address, "but it is still the endpoint's");
      const probe = await net("c").createEndpoint({ name: "probe" });
      assert.equal(probe.info().address, "10.234.3.3/24", "a new endpoint does not get it");
      await probe.delete();
      await ep.join(sb);
      assert.deepEqual(ipv4In(sb.key, "eth0"), [address], "re-joined with the same address (and its interface name back)");
      await ep.leave(sb);
      await ep.delete();
      const reuse = await net("c").createEndpoint({ name: "reuse", ip: "10.234.3.2" });
      assert.equal(reuse.info().address, address, "free after delete");
      await reuse.delete();
    } finally {
      await ep.delete(true).catch(() => {});
      await sb.delete();
    }
  });

  it("the default gateway follows Docker's order: network name ascending, internal networks last", async () => {
    const sb = await sandbox();
    const gw = (): string | undefined => {
      assert.equal(nsJson<unknown[]>(sb.key, ["-4", "route", "show", "default"]).length, 1, "exactly one default route");
      return defaultRoute(sb.key)?.gateway;
    };
    const eps = {
      a: await net("a").createEndpoint({ name: "g" }), b: await net("b").createEndpoint({ name: "g" }),
      c: await net("c").createEndpoint({ name: "g" }), int: await net("aa-int").createEndpoint({ name: "g" }),
    };
    try {
      await eps.b.join(sb);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.234.2.1", dev: "eth0" });
      await eps.c.join(sb);
      assert.equal(gw(), "10.234.2.1", "c sorts after b: no change");
      await eps.a.join(sb);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.234.1.1", dev: "eth2" }, "a sorts first: the route moves");
      await eps.int.join(sb);
      assert.equal(gw(), "10.234.1.1", "an internal network never takes the default route from a non-internal one");
      await eps.a.leave(sb);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.234.2.1", dev: "eth0" }, "back to b");
      await eps.b.leave(sb);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.234.3.1", dev: "eth1" });
      await eps.c.leave(sb);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.234.4.1", dev: "eth3" }, "only the internal one is left");
    } finally {
      for (const e of Object.values(eps)) await e.delete(true).catch(() => {});
      await sb.delete();
    }
  });

  it("deleting a sandbox makes its endpoints leave and deletes them, releasing their IPs", async () => {
    const sb = await sandbox();
    const ep = await net("b").createEndpoint({ name: "gone", ip: "10.234.2.99" });
    await ep.join(sb);
    const key = sb.key;
    await sb.delete();
    assert.ok(!net("b").endpoints().some((e) => e.id === ep.id));
    assert.ok(!hostTestLinks().includes(`tv${ep.id.slice(0, 10)}`));
    assert.throws(() => linkNamesIn(key), "the netns is gone");
    const reuse = await net("b").createEndpoint({ name: "gone", ip: "10.234.2.99" });
    await reuse.delete();
  });
});

describe("join of an interface a driver made on the host side (root)", rootOnly, () => {
  let h: Harness;
  before(async () => { h = await openHarness({ placement: "host" }); });
  after(async () => { await h?.close(); });

  it("the controller moves it into the sandbox under its final name and configures it; leave takes it away", async () => {
    const n = await h.controller.createNetwork({ name: uniqueName("jh"), driver: "testveth", ipam: { config: [{ subnet: "10.234.9.0/24" }] } });
    const sb = await h.controller.createSandbox({ containerId: uniqueName("ctr") });
    const ep = await n.createEndpoint({ name: "moved" });
    try {
      await ep.join(sb);
      assert.equal(tryRun("ip", ["link", "show", `ts${ep.id.slice(0, 10)}`]), undefined, "no longer on the host side");
      assert.ok(hostTestLinks().includes(`tv${ep.id.slice(0, 10)}`), "its peer stays on the host side");
      assert.deepEqual(linkNamesIn(sb.key), ["eth0", "lo"]);
      assert.deepEqual(ipv4In(sb.key, "eth0"), ["10.234.9.2/24"]);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.234.9.1", dev: "eth0" });
      await ep.leave(sb);
      assert.deepEqual(linkNamesIn(sb.key), ["lo"]);
    } finally {
      await ep.delete(true);
      await sb.delete();
      await n.delete();
    }
  });
});
