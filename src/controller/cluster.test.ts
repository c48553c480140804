// Global-scope networks across three controllers ("hosts") sharing one etcd: visibility, compare-and-swap
// claims (names, pools, VNIs, addresses), deletion rules and host liveness.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { Controller } from "../libnetwork.js";
import { GLOBAL_TEST_DRIVER, GlobalVethDriver, openTestHost, until, type TestHost } from "../testing/cluster-world.js";
import { startEtcd, type EtcdServer } from "../testing/etcd-server.js";
import { rootOnly, uniqueName } from "../testing/kernel.js";

const VNI_OPTION = "com.docker.network.driver.overlay.vxlanid_list";

function failsWith(code: string): (err: unknown) => true {
  return (err) => {
    assert.ok(isLibnetworkError(err) || (err as { code?: string }).code !== undefined, String(err));
    assert.equal((err as { code?: string }).code, code, String(err));
    return true;
  };
}

describe("cluster: global-scope networks on three hosts sharing etcd (root)", rootOnly, () => {
  let etcd: EtcdServer | undefined;
  let hosts: TestHost[] = [];
  const root = `c-${randomBytes(6).toString("hex")}`;
  const h = (i: number): TestHost => hosts[i]!;
  const listed = (host: TestHost, name: string): boolean => host.controller.networks().some((n) => n.name === name);

  before(async () => {
    etcd = await startEtcd();
    for (const address of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) hosts.push(await openTestHost(etcd.url, root, address));
  });
  after(async () => {
    for (const host of hosts) await host.close();
    await etcd?.stop();
  });

  it("a network created on host 1 is listed on hosts 2 and 3 with the same ID, pool and VNI", { timeout: 30_000 }, async () => {
    const name = uniqueName("gn");
    const net = await h(0).controller.createNetwork({ name, driver: GLOBAL_TEST_DRIVER });
    const info = net.info();
    assert.equal(info.scope, "global");
    assert.match(info.ipam.v4Info[0]?.pool ?? "", /^10\./, "global networks take pools from the global space");
    assert.ok(Number(info.options[VNI_OPTION]) >= 256, `VNI ${info.options[VNI_OPTION]}`);
    await until(() => listed(h(1), name) && listed(h(2), name));
    for (const other of [h(1), h(2)]) {
      const seen = other.controller.network(name).info();
      assert.equal(seen.id, info.id);
      assert.equal(seen.ipam.v4Info[0]?.pool, info.ipam.v4Info[0]?.pool);
      assert.equal(seen.ipam.v4Info[0]?.gateway, info.ipam.v4Info[0]?.gateway);
      assert.equal(seen.options[VNI_OPTION], info.options[VNI_OPTION]);
    }
    await h(2).controller.network(name).delete();
    await until(() => !listed(h(0), name) && !listed(h(1), name));
  });

  it("names, pools and VNIs are claimed with compare-and-swap: racing hosts get one winner each", { timeout: 30_000 }, async () => {
    const name = uniqueName("gn");
    const same = await Promise.allSettled(hosts.map((host) => host.controller.createNetwork({ name, driver: GLOBAL_TEST_DRIVER })));
    assert.equal(same.filter((r) => r.status === "fulfilled").length, 1, "one host wins the name");
    for (const r of same) if (r.status === "rejected") failsWith("ERR_NETWORK_EXISTS")(r.reason);
    const subnet = "10.231.7.0/24";
    const pools = await Promise.allSettled(hosts.map((host, i) => host.controller.createNetwork({ name: `${name}-p${i}`, driver: GLOBAL_TEST_DRIVER, ipam: { config: [{ subnet }] } })));
    assert.equal(pools.filter((r) => r.status === "fulfilled").length, 1, "one host wins the subnet");
    for (const r of pools) if (r.status === "rejected") failsWith("ERR_IPAM_POOL_OVERLAP")(r.reason);
    const many = await Promise.all(hosts.map((host, i) => host.controller.createNetwork({ name: `${name}-v${i}`, driver: GLOBAL_TEST_DRIVER })));
    const vnis = many.map((n) => n.info().options[VNI_OPTION]);
    const subnets = many.map((n) => n.info().ipam.v4Info[0]?.pool);
    assert.equal(new Set(vnis).size, 3, `VNIs ${vnis.join(" ")}`);
    assert.equal(new Set(subnets).size, 3, `subnets ${subnets.join(" ")}`);
    for (const n of [...many, ...same.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])), ...pools.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))]) {
      await n.delete();
    }
  });

  it("endpoints created at once on every host get addresses unique across the cluster", { timeout: 30_000 }, async () => {
    const name = uniqueName("gn");
    await h(0).controller.createNetwork({ name, driver: GLOBAL_TEST_DRIVER, ipam: { config: [{ subnet: "10.232.0.0/24" }] } });
    await until(() => hosts.every((host) => listed(host, name)));
    const eps = await Promise.all(hosts.flatMap((host, i) => Array.from({ length: 6 }, (_, j) => host.controller.network(name).createEndpoint({ name: `e${i}-${j}` }))));
    const addresses = eps.map((e) => e.info().address);
    assert.equal(new Set(addresses).size, eps.length, `addresses ${addresses.join(" ")}`);
    assert.ok(!addresses.includes("10.232.0.1/24"), "the gateway is never handed out");
    await assert.rejects(h(1).controller.network(name).delete(), failsWith("ERR_NETWORK_ACTIVE_ENDPOINTS"));
    for (const e of eps) await e.delete();
    await h(1).controller.network(name).delete();
    await until(() => hosts.every((host) => !listed(host, name)));
  });

  it("each host is listed while it lives and leaves the list when it closes", { timeout: 30_000 }, async () => {
    const nodes = async (): Promise<string[]> => (await h(0).store.list("nodes/")).map((e) => e.key.slice("nodes/".length));
    assert.deepEqual(await nodes(), ["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
    await h(2).close();
    assert.deepEqual(await nodes(), ["192.0.2.1", "192.0.2.2"]);
    hosts = hosts.slice(0, 2);
  });
});

describe("cluster: a global-scope network without a cluster store (root)", rootOnly, () => {
  it("is refused with ERR_CLUSTER_STORE", async () => {
    const root = mkdtempSync(join(tmpdir(), "dnet-nc-"));
    try {
      const c = await Controller.create({
        dataDir: join(root, "data"), netnsDir: join(root, "netns"), firewall: "none", embeddedDns: false,
        etcNetnsDir: join(root, "etc"), drivers: ({ handles }) => [new GlobalVethDriver(handles, { name: GLOBAL_TEST_DRIVER })],
      });
      try {
        await assert.rejects(c.createNetwork({ name: uniqueName("gn"), driver: GLOBAL_TEST_DRIVER }), failsWith("ERR_CLUSTER_STORE"));
        assert.deepEqual(c.networks().map((n) => n.name).sort(), ["host", "none"]);
      } finally {
        await c.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
