// The overlay across three hosts when things fail (hosts' liveness lease: 2 s): a daemon killed with -9
// and restarted, etcd stopped and started again, and a host that never comes back.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ClusterBed, hostUnderlayIp } from "../../testing/cluster-bed.js";
import {
  etcdValues, fdbTunnels, knowsPeer, neighbourIps, pings, placeSandbox, removeSandbox, resolves, until, type PlacedSandbox,
} from "../../testing/cluster-probes.js";
import { rootOnly } from "../../testing/kernel.js";

const TTL = ["--cluster-store-opt", "discovery.ttl=2"];

describe("overlay across three hosts: failures (root)", rootOnly, () => {
  const bed = new ClusterBed();
  const tag = randomBytes(3).toString("hex");
  const net = `ovf-${tag}`;
  let netId = "";
  const sb: PlacedSandbox[] = [];
  before(async () => {
    const etcd = await bed.startEtcd();
    for (let i = 0; i < 3; i++) bed.addHost([...bed.clusterArgs(i, etcd.url), ...TTL]);
    for (const host of bed.hosts) await host.start();
    for (const host of bed.hosts) await until(() => host.log.includes("joined the cluster"));
    netId = (await bed.hosts[0]!.client.createNetwork({ Name: net, Driver: "overlay" })).Id;
    for (const host of bed.hosts) await until(async () => (await host.client.listNetworks()).some((n) => n.Id === netId));
    for (const [i, host] of bed.hosts.entries()) sb.push(await placeSandbox(host, net, `ovf${i}-${tag}`));
  });
  after(() => bed.cleanup());

  it("host 2's daemon killed with -9: hosts 1 and 3 keep talking and attaching; restarted, host 2 converges", { timeout: 120_000 }, async () => {
    const [h1, h2, h3] = [bed.hosts[0]!, bed.hosts[1]!, bed.hosts[2]!];
    const leaving = await placeSandbox(h3, net, `ovf-leaving-${tag}`);
    await until(() => knowsPeer(h2, netId, leaving, hostUnderlayIp(2)));
    await h2.stop("SIGKILL");
    h2.log = "";
    assert.ok(pings(sb[0]!, sb[2]!) && pings(sb[2]!, sb[0]!), "hosts 1 and 3 still talk");
    const fresh = await placeSandbox(h1, net, `ovf-fresh-${tag}`);
    await until(() => pings(leaving, fresh));
    await removeSandbox(leaving, net); // while host 2 is down: its entries there go stale
    await h2.start();
    await until(() => h2.log.includes("joined the cluster"));
    await until(() => !neighbourIps(h2, netId).includes(leaving.ip));
    assert.ok(!fdbTunnels(h2, netId).includes(`${leaving.mac} ${hostUnderlayIp(2)}`), "the stale FDB entry is gone");
    await until(() => knowsPeer(h2, netId, fresh, hostUnderlayIp(0)));
    for (const to of [sb[0]!, sb[2]!, fresh]) await until(() => pings(sb[1]!, to));
    await until(() => pings(sb[0]!, sb[1]!) && resolves(sb[2]!, sb[1]!.name) === sb[1]!.ip);
    await removeSandbox(fresh, net);
  });

  it("etcd stopped: local networks and overlay traffic go on, global operations answer 503; etcd back: they work again", { timeout: 120_000 }, async () => {
    const h1 = bed.hosts[0]!;
    await bed.etcd!.pause();
    const local = `ovf-local-${tag}`;
    await h1.client.createNetwork({ Name: local, Driver: "bridge" });
    const [a, b] = [await placeSandbox(h1, local, `ovf-la-${tag}`), await placeSandbox(h1, local, `ovf-lb-${tag}`)];
    assert.ok(pings(a, b), "a local network works without etcd");
    assert.ok(pings(sb[0]!, sb[2]!), "existing overlay traffic flows");
    const refused = await h1.client.raw("POST", "/networks/create", { Name: `ovf-down-${tag}`, Driver: "overlay" });
    assert.equal(refused.status, 503, refused.text);
    assert.match(refused.text, /etcd at etcd:\/\/[\d.:]+ is unavailable/);
    await h1.client.createSandbox({ Name: `ovf-wait-${tag}` });
    const attach = await h1.client.raw("POST", `/networks/${net}/connect`, { Container: `ovf-wait-${tag}` });
    assert.equal(attach.status, 503, attach.text);
    assert.equal((await h1.client.inspectSandbox(`ovf-wait-${tag}`)).Endpoints.length, 0, "nothing half-made");
    await removeSandbox(a, local);
    await removeSandbox(b, local);
    await h1.client.removeNetwork(local);
    await bed.etcd!.resume();
    await until(async () => (await h1.client.raw("POST", `/networks/${net}/connect`, { Container: `ovf-wait-${tag}` })).status === 200);
    const back = { ...await placeSandbox(bed.hosts[2]!, net, `ovf-back-${tag}`) };
    await until(() => pings(back, sb[0]!));
    await removeSandbox(back, net);
    await h1.client.disconnect(net, { Container: `ovf-wait-${tag}` });
    await h1.client.removeSandbox(`ovf-wait-${tag}`);
  });

  it("a host that never comes back: its endpoints leave the others' FDB and neighbour tables, DNS and etcd", { timeout: 120_000 }, async () => {
    const gone = sb[2]!;
    for (const host of bed.hosts.slice(0, 2)) await until(() => knowsPeer(host, netId, gone, hostUnderlayIp(2)));
    assert.equal(resolves(sb[0]!, gone.name), gone.ip);
    await gone.host.stop("SIGKILL");
    for (const host of bed.hosts.slice(0, 2)) {
      await until(() => !neighbourIps(host, netId).includes(gone.ip));
      assert.ok(!fdbTunnels(host, netId).some((t) => t.endsWith(` ${hostUnderlayIp(2)}`)), "no tunnel to host 3 is left");
    }
    assert.equal(resolves(sb[0]!, gone.name), "");
    const owners = etcdValues<{ node: string }>(bed, "endpoints/").concat(etcdValues<{ node: string }>(bed, "addresses/")).map((e) => e.node);
    assert.ok(!owners.includes(hostUnderlayIp(2)), `etcd still holds host 3's records: ${owners.join(" ")}`);
    // Its address can be handed out again.
    await bed.hosts[0]!.client.disconnect(net, { Container: sb[0]!.name });
    await bed.hosts[1]!.client.disconnect(net, { Container: sb[1]!.name });
    await bed.hosts[0]!.client.removeNetwork(net);
  });
});
