// 300 connects at once, spread over the three hosts of the test bed, to one overlay network: every address
// is unique across the cluster, every host programs the others' 200 peers, and nothing is left behind.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ClusterBed } from "../../testing/cluster-bed.js";
import { etcdKeys, etcdValues, fdbTunnels, neighbourIps, overlayNetns, until } from "../../testing/cluster-probes.js";
import { rootOnly } from "../../testing/kernel.js";
import { sh, type TestDaemon } from "../../testing/test-daemon.js";

const PER_HOST = 100;

/** Links in a host's overlay namespace other than lo, the bridge and the VXLAN device: endpoints' veth ends. */
function vethEnds(host: TestDaemon, networkId: string): string[] {
  const links = JSON.parse(sh("nsenter", [`--net=${overlayNetns(host, networkId)}`, "ip", "-j", "link", "show"])) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname).filter((n) => !["lo", "ov-br0", "ov-vx0"].includes(n));
}

function netnsMounts(host: TestDaemon): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(`${host.netnsDir}/`));
}

describe("overlay across three hosts: 300 concurrent connects (root)", rootOnly, () => {
  const bed = new ClusterBed();
  const tag = randomBytes(3).toString("hex");
  const net = `ovs-${tag}`;
  let netId = "";
  const names = (i: number): string[] => Array.from({ length: PER_HOST }, (_, k) => `ovs${i}-${k}-${tag}`);
  before(async () => {
    const etcd = await bed.startEtcd();
    for (let i = 0; i < 3; i++) bed.addHost(bed.clusterArgs(i, etcd.url));
    await Promise.all(bed.hosts.map((h) => h.start()));
    for (const host of bed.hosts) await until(() => host.log.includes("joined the cluster"));
    netId = (await bed.hosts[0]!.client.createNetwork({ Name: net, Driver: "overlay", IPAM: { Config: [{ Subnet: "10.247.0.0/22" }] } })).Id;
    for (const host of bed.hosts) await until(async () => (await host.client.listNetworks()).some((n) => n.Id === netId));
    await Promise.all(bed.hosts.map((h, i) => Promise.all(names(i).map((name) => h.client.createSandbox({ Name: name })))));
  });
  after(() => bed.cleanup());

  it("every address is unique, every host programs the others' endpoints, and all of it goes again", { timeout: 180_000 }, async () => {
    await Promise.all(bed.hosts.map((h, i) => Promise.all(names(i).map((name) => h.client.connect(net, { Container: name })))));
    const addresses = (await Promise.all(bed.hosts.map(async (h, i) =>
      Promise.all(names(i).map(async (name) => (await h.client.inspectSandbox(name)).Endpoints[0]?.IPv4Address ?? ""))))).flat();
    assert.equal(addresses.length, 3 * PER_HOST);
    assert.equal(new Set(addresses).size, 3 * PER_HOST, "no address twice");
    assert.ok(addresses.every((a) => a.startsWith("10.247.")), addresses.join(" "));
    const claims = etcdValues<{ node: string }>(bed, `addresses/${netId}/`);
    assert.equal(claims.length, 3 * PER_HOST, "one claim per endpoint in etcd");
    for (const host of bed.hosts) {
      await until(() => neighbourIps(host, netId).length === 2 * PER_HOST);
      assert.equal(fdbTunnels(host, netId).length, 2 * PER_HOST);
      assert.equal(vethEnds(host, netId).length, PER_HOST);
    }
    await Promise.all(bed.hosts.map((h, i) => Promise.all(names(i).map(async (name) => {
      await h.client.disconnect(net, { Container: name });
      await h.client.removeSandbox(name);
    }))));
    assert.deepEqual(etcdKeys(bed, `endpoints/${netId}/`), []);
    assert.deepEqual(etcdKeys(bed, `addresses/${netId}/`), []);
    for (const host of bed.hosts) {
      await until(() => neighbourIps(host, netId).length === 0 && fdbTunnels(host, netId).length === 0);
      assert.deepEqual(vethEnds(host, netId), []);
      assert.deepEqual(netnsMounts(host), [], "no sandbox namespace stays mounted");
      assert.deepEqual(await host.client.listSandboxes(), []);
    }
    await bed.hosts[1]!.client.removeNetwork(net);
    for (const host of bed.hosts) await until(() => readdirSync(`${host.tmp}/netns-overlay`).length === 0);
  });
});
