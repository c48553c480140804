// The overlay driver on the multi-host test bed: three hosts (netns on one underlay bridge, each with its
// own daemon) and etcd in the underlay netns. A network made on host 1 shows on hosts 2 and 3, and
// sandboxes on the three hosts reach each other by IP and by name.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ClusterBed, hostUnderlayIp } from "../../testing/cluster-bed.js";
import { rootOnly } from "../../testing/kernel.js";
import { DNET_MAIN, runCmd, sh, type TestDaemon } from "../../testing/test-daemon.js";

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

interface Placed { readonly host: TestDaemon; readonly name: string; readonly key: string; readonly ip: string }

describe("overlay across three hosts on etcd (root)", rootOnly, () => {
  const bed = new ClusterBed();
  const net = "ov-e2e";
  const placed: Placed[] = [];
  before(async () => {
    const etcd = await bed.startEtcd();
    for (let i = 0; i < 3; i++) bed.addHost(bed.clusterArgs(i, etcd.url));
    for (const host of bed.hosts) await host.start();
    for (const host of bed.hosts) await until(async () => host.log.includes("joined the cluster"));
  });
  after(() => bed.cleanup());

  it("a network created on host 1 is listed on hosts 2 and 3", { timeout: 60_000 }, async () => {
    const { Id } = await bed.hosts[0]!.client.createNetwork({ Name: net, Driver: "overlay" });
    for (const host of bed.hosts.slice(1)) {
      await until(async () => (await host.client.listNetworks()).some((n) => n.Name === net));
      const seen = await host.client.inspectNetwork(net);
      assert.equal(seen.Id, Id);
      assert.equal(seen.Scope, "global");
      assert.equal(seen.Driver, "overlay");
    }
  });

  it("each host's overlay namespace has a bridge and a VXLAN device (VNI, port 4789, learning off, MTU 1450)", { timeout: 60_000 }, async () => {
    const n = await bed.hosts[0]!.client.inspectNetwork(net);
    const vni = Number(n.Options["com.docker.network.driver.overlay.vxlanid_list"]);
    for (const host of bed.hosts) {
      const path = `${host.tmp}/netns-overlay/ov-${n.Id.slice(0, 12)}`;
      const [vx] = JSON.parse(sh("nsenter", [`--net=${path}`, "ip", "-d", "-j", "link", "show", "ov-vx0"])) as Array<{
        mtu: number; master?: string; linkinfo: { info_data: { id: number; port: number; learning: boolean } };
      }>;
      assert.equal(vx?.linkinfo.info_data.id, vni);
      assert.equal(vx?.linkinfo.info_data.port, 4789);
      assert.equal(vx?.linkinfo.info_data.learning, false);
      assert.equal(vx?.mtu, 1450);
      assert.equal(vx?.master, "ov-br0");
    }
  });

  it("sandboxes on the three hosts ping each other by IP and resolve each other's names", { timeout: 120_000 }, async () => {
    for (const [i, host] of bed.hosts.entries()) {
      const name = `ovsb${i}`;
      await host.client.createSandbox({ Name: name });
      await host.client.connect(net, { Container: name });
      const sb = await host.client.inspectSandbox(name);
      const ep = sb.Endpoints[0];
      assert.ok(ep !== undefined);
      const [link] = JSON.parse(sh("nsenter", [`--net=${sb.Key}`, "ip", "-j", "link", "show", ep.IfName])) as Array<{ mtu: number }>;
      assert.equal(link?.mtu, 1450);
      placed.push({ host, name, key: sb.Key, ip: ep.IPv4Address.replace(/\/\d+$/, "") });
    }
    assert.equal(new Set(placed.map((p) => p.ip)).size, 3, `addresses ${placed.map((p) => p.ip).join(" ")}`);
    for (const from of placed) {
      for (const to of placed) {
        if (from === to) continue;
        sh("nsenter", [`--net=${from.key}`, "ping", "-c", "1", "-W", "5", to.ip]);
        await until(async () => {
          const answer = sh("nsenter", [`--net=${from.key}`, "dig", "+short", "+time=2", "+tries=1", "@127.0.0.11", to.name]).trim();
          return answer === to.ip;
        });
      }
    }
  });

  it("a host's daemon restarts: its sandbox still reaches the others, and new peers are still programmed", { timeout: 120_000 }, async () => {
    const host = bed.hosts[1]!;
    assert.equal(await host.stop(), 0);
    host.log = "";
    await host.start();
    await until(async () => host.log.includes("joined the cluster"));
    for (const to of [placed[0]!, placed[2]!]) sh("nsenter", [`--net=${placed[1]!.key}`, "ping", "-c", "1", "-W", "5", to.ip]);
    await bed.hosts[0]!.client.createSandbox({ Name: "ovlate" });
    await bed.hosts[0]!.client.connect(net, { Container: "ovlate" });
    const late = await bed.hosts[0]!.client.inspectSandbox("ovlate");
    const ip = late.Endpoints[0]!.IPv4Address.replace(/\/\d+$/, "");
    await until(async () => {
      try { sh("nsenter", [`--net=${placed[1]!.key}`, "ping", "-c", "1", "-W", "1", ip]); return true; } catch { return false; }
    });
    await bed.hosts[0]!.client.disconnect(net, { Container: "ovlate" });
  });

  it("a disconnected endpoint's FDB and neighbour entries leave the other hosts, and the network can then go", { timeout: 60_000 }, async () => {
    const n = await bed.hosts[0]!.client.inspectNetwork(net);
    const overlayNs = (host: TestDaemon): string => `--net=${host.tmp}/netns-overlay/ov-${n.Id.slice(0, 12)}`;
    const neighbours = (host: TestDaemon): string[] =>
      (JSON.parse(sh("nsenter", [overlayNs(host), "ip", "-j", "neigh", "show", "dev", "ov-vx0"])) as Array<{ dst: string }>).map((e) => e.dst);
    const gone = placed[2]!;
    assert.ok(neighbours(bed.hosts[0]!).includes(gone.ip), "host 1 knows the endpoint on host 3");
    await gone.host.client.disconnect(net, { Container: gone.name });
    for (const host of bed.hosts.slice(0, 2)) await until(async () => !neighbours(host).includes(gone.ip));
    const fdb = sh("nsenter", [overlayNs(bed.hosts[0]!), "bridge", "fdb", "show", "dev", "ov-vx0"]);
    // Host 3 has no endpoint left: no FDB entry on host 1 tunnels to it any more.
    assert.ok(!fdb.includes(`dst ${hostUnderlayIp(2)} `), fdb);
    await assert.rejects(bed.hosts[2]!.client.removeNetwork(net), /active endpoints/i, "other hosts still use it");
    for (const p of placed.slice(0, 2)) await p.host.client.disconnect(net, { Container: p.name });
    await bed.hosts[2]!.client.removeNetwork(net);
    for (const host of bed.hosts) await until(async () => !(await host.client.listNetworks()).some((x) => x.Name === net));
  });

  it("system cleanup on one host removes its overlay namespaces and leaves the network to the others", { timeout: 120_000 }, async () => {
    const { Id } = await bed.hosts[0]!.client.createNetwork({ Name: "ov-left", Driver: "overlay" });
    const host = bed.hosts[2]!;
    await until(async () => (await host.client.listNetworks()).some((n) => n.Name === "ov-left"));
    const overlayDir = `${host.tmp}/netns-overlay`;
    assert.ok(existsSync(`${overlayDir}/ov-${Id.slice(0, 12)}`));
    assert.equal(await host.stop(), 0);
    const r = await runCmd("nsenter", [`--net=/run/netns/${host.hostNetns}`, process.execPath, DNET_MAIN, "system", "cleanup", "-f",
      "--data-dir", `${host.tmp}/data`, "--netns-dir", host.netnsDir, "--socket", host.socket]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(!existsSync(overlayDir), "the overlay namespaces are gone");
    assert.equal((await bed.hosts[0]!.client.inspectNetwork("ov-left")).Id, Id, "the other hosts keep the network");
    await bed.hosts[0]!.client.removeNetwork("ov-left");
  });
});
