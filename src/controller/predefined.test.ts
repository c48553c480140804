// Root integration tests of the predefined `none` (null driver) and `host` networks with Docker's semantics
// (§2.2, §2.3): single instance, not deletable, no addresses, no interfaces, the host's own netns.

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { rootOnly, run } from "../testing/kernel.js";
import type { Network } from "./objects.js";
import {
  HEX64, defaultRoute, expectError, ipv4In, linkNamesIn, openHarness, readEtc, uniqueName, type Harness,
} from "./harness.test.js";

const hostLinks = (): string[] => (JSON.parse(run("ip", ["-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname);

describe("predefined networks: none and host (root)", rootOnly, () => {
  let h: Harness;
  let veth: Network;
  before(async () => {
    h = await openHarness();
    veth = await h.controller.createNetwork({ name: uniqueName("pd"), driver: "testveth", ipam: { config: [{ subnet: "10.236.1.0/24" }] } });
  });
  after(async () => { await h?.close(); });

  const none = (): Network => h.controller.network("none");
  const host = (): Network => h.controller.network("host");

  it("exist from the start, with the null and host drivers and no address pools", () => {
    for (const [n, driver] of [[none(), "null"], [host(), "host"]] as const) {
      assert.match(n.id, HEX64);
      assert.equal(n.type, driver);
      const info = n.info();
      assert.equal(info.predefined, true);
      assert.equal(info.ipam.driver, "null");
      assert.deepEqual([info.ipam.v4Info, info.ipam.v6Info], [[], []]);
    }
  });

  it("only one instance of each: a second null or host network is refused and leaves no trace", async () => {
    const before = h.controller.networks().map((n) => n.id).sort();
    await expectError(() => h.controller.createNetwork({ name: uniqueName("null2"), driver: "null" }), {
      kind: "forbidden", code: "ERR_SINGLE_INSTANCE", message: 'only one instance of "null" network is allowed',
    });
    await expectError(() => h.controller.createNetwork({ name: uniqueName("host2"), driver: "host" }), {
      kind: "forbidden", code: "ERR_SINGLE_INSTANCE", message: 'only one instance of "host" network is allowed',
    });
    await expectError(() => h.controller.createNetwork({ name: "none", driver: "testveth" }), {
      kind: "conflict", code: "ERR_NETWORK_EXISTS", message: "network with name none already exists",
    });
    assert.deepEqual(h.controller.networks().map((n) => n.id).sort(), before);
  });

  it("cannot be deleted", async () => {
    await expectError(() => none().delete(), {
      kind: "forbidden", code: "ERR_NETWORK_PREDEFINED", message: "none is a pre-defined network and cannot be removed",
    });
    await expectError(() => host().Delete(), {
      kind: "forbidden", code: "ERR_NETWORK_PREDEFINED", message: "host is a pre-defined network and cannot be removed",
    });
    assert.equal(none().info().state, "ready");
    assert.equal(host().info().state, "ready");
  });

  it("a none endpoint has no address and adds no interface, route or hosts line to its sandbox", async () => {
    const sb = await h.controller.createSandbox({ containerId: uniqueName("ctr"), hostname: "quiet" });
    const ep = await none().createEndpoint({ name: sb.containerId });
    try {
      assert.equal(ep.info().address, undefined);
      await ep.join(sb);
      assert.equal(ep.info().sandboxId, sb.id);
      assert.deepEqual(linkNamesIn(sb.key), ["lo"]);
      assert.deepEqual(ipv4In(sb.key), ["127.0.0.1/8"]);
      assert.equal(defaultRoute(sb.key), undefined);
      assert.doesNotMatch(readEtc(h, sb.name, "hosts"), /quiet/);
      // Endpoints on null/host networks never provide the default gateway: a real network does.
      const other = await veth.createEndpoint({ name: sb.containerId });
      await other.join(sb);
      assert.deepEqual(linkNamesIn(sb.key), ["eth0", "lo"], "the none endpoint did not use up an eth number");
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.236.1.1", dev: "eth0" });
      await ep.leave(sb);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.236.1.1", dev: "eth0" });
    } finally {
      await sb.delete();
      await ep.delete(true).catch(() => {});
    }
  });

  it("a host-networking sandbox is the host's own netns: nothing is created, joined or destroyed", async () => {
    const netnsBefore = readdirSync(h.netnsDir);
    const sb = await h.controller.createSandbox({ containerId: uniqueName("hostctr"), hostNetns: true });
    const second = await h.controller.createSandbox({ containerId: uniqueName("hostctr"), hostNetns: true });
    const ep = await host().createEndpoint({ name: sb.containerId });
    try {
      assert.equal(sb.info().hostNetns, true);
      assert.deepEqual(readdirSync(h.netnsDir), netnsBefore, "no netns file");
      assert.equal(existsSync(`${h.etcNetnsDir}/${sb.name}`), false, "the host's own hosts and resolv.conf are used");
      await ep.join(sb);
      assert.equal(ep.info().address, undefined);
      assert.equal(ep.info().ifname, "");
      const veEp = await veth.createEndpoint({ name: sb.containerId });
      await expectError(() => veEp.join(sb), {
        kind: "forbidden", code: "ERR_HOST_NETWORK", message: "a sandbox on the host's network namespace can only join the host network",
      });
      assert.ok(!h.driver.calls.some((c) => c.startsWith(`join ${veEp.id}`)), "the driver was never asked");
      assert.ok(!hostLinks().includes(`tv${veEp.id.slice(0, 10)}`), "no veth on the host");
      const normal = await h.controller.createSandbox({ containerId: uniqueName("ctr") });
      const hostEp2 = await host().createEndpoint({ name: normal.containerId });
      await expectError(() => hostEp2.join(normal), {
        kind: "forbidden", code: "ERR_HOST_NETWORK", message: "only a sandbox on the host's network namespace can join the host network",
      });
      assert.deepEqual(linkNamesIn(normal.key), ["lo"]);
      await Promise.all([veEp.delete(), hostEp2.delete(), normal.delete()]);
      await sb.delete();
      await second.delete();
      assert.ok(hostLinks().includes("lo"), "the host netns was not touched by the delete");
      assert.ok(!host().endpoints().some((e) => e.id === ep.id), "deleting the sandbox deleted its endpoint");
    } finally {
      for (const s of h.controller.sandboxes()) await s.delete().catch(() => {});
    }
  });

  it("after a restart the same predefined networks are there, once, and still single-instance", async () => {
    const ids = [none().id, host().id];
    await h.reopen();
    assert.deepEqual([none().id, host().id], ids);
    assert.equal(h.controller.networks().filter((n) => n.info().predefined).length, 2);
    await expectError(() => h.controller.createNetwork({ name: uniqueName("null3"), driver: "null" }), {
      kind: "forbidden", code: "ERR_SINGLE_INSTANCE",
    });
    veth = h.controller.network(veth.id);
  });
});
