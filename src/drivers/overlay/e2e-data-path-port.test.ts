// `dnet daemon --data-path-port PORT` on the multi-host test bed: two hosts that both use UDP 4790 for
// VXLAN carry their overlay traffic on it (the kernel's own view: the device's port, the socket that is
// bound), and a port outside Docker's range is refused at start with nothing made.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ClusterBed } from "../../testing/cluster-bed.js";
import { overlayNetns, pings, placeSandbox, removeSandbox, until, type PlacedSandbox } from "../../testing/cluster-probes.js";
import { rootOnly } from "../../testing/kernel.js";
import { sh } from "../../testing/test-daemon.js";

const PORT = 4790;

describe("overlay on a non-default VXLAN port (root)", rootOnly, () => {
  const bed = new ClusterBed();
  const tag = randomBytes(3).toString("hex");
  const net = `ovp-${tag}`;
  before(async () => {
    const etcd = await bed.startEtcd();
    for (let i = 0; i < 2; i++) bed.addHost([...bed.clusterArgs(i, etcd.url), "--data-path-port", String(PORT)]);
    for (const host of bed.hosts) await host.start();
    for (const host of bed.hosts) await until(() => host.log.includes("joined the cluster"));
  });
  after(() => bed.cleanup());

  it("both hosts' VXLAN devices and sockets use the port, and their sandboxes ping each other", { timeout: 90_000 }, async () => {
    const id = (await bed.hosts[0]!.client.createNetwork({ Name: net, Driver: "overlay" })).Id;
    await until(async () => (await bed.hosts[1]!.client.listNetworks()).some((n) => n.Id === id));
    const placed: PlacedSandbox[] = [];
    for (const [i, host] of bed.hosts.entries()) placed.push(await placeSandbox(host, net, `ovp${i}-${tag}`));
    for (const host of bed.hosts) {
      const [vx] = JSON.parse(sh("nsenter", [`--net=${overlayNetns(host, id)}`, "ip", "-d", "-j", "link", "show", "ov-vx0"])) as Array<{
        linkinfo: { info_data: { port: number } };
      }>;
      assert.equal(vx?.linkinfo.info_data.port, PORT);
      // The VXLAN socket lives in the host's netns (the underlay), not in the overlay's.
      const bound = sh("nsenter", [`--net=/run/netns/${host.hostNetns}`, "ss", "-Hulpn"]);
      assert.match(bound, new RegExp(`:${PORT}\\b`), bound);
      assert.doesNotMatch(bound, /:4789\b/, bound);
    }
    await until(() => pings(placed[0]!, placed[1]!) && pings(placed[1]!, placed[0]!));
    for (const p of placed) await removeSandbox(p, net);
    await bed.hosts[0]!.client.removeNetwork(net);
  });

  it("refuses a port outside 1024-49151 at start, before opening anything", { timeout: 30_000 }, async () => {
    const host = bed.addHost(["--data-path-port", "80"]);
    const proc = host.spawnDaemon();
    const code = await new Promise<number | null>((resolve) => proc.once("exit", (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.match(host.log, /data path port 80 must be an integer from 1024 to 49151/);
    assert.ok(!existsSync(`${host.tmp}/data/dnet.db`), "no database was made");
  });
});
