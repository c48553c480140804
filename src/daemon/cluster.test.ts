// `dnet daemon --cluster-store … --advertise-addr …` on the multi-host test bed: bad options are refused at
// start; an etcd that is not up yet leaves the daemon serving local scope and retrying until it joins.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ClusterBed, UNDERLAY_ETCD_IP, hostUnderlayIp } from "../testing/cluster-bed.js";
import { freePort } from "../testing/etcd-server.js";
import { rootOnly } from "../testing/kernel.js";
import { sh, type TestDaemon } from "../testing/test-daemon.js";

async function exitOf(host: TestDaemon): Promise<number | null> {
  const proc = host.spawnDaemon();
  return new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("daemon --cluster-store (root)", rootOnly, () => {
  const bed = new ClusterBed();
  after(() => bed.cleanup());

  it("refuses an advertise address that is not on this host, and a malformed store address", { timeout: 60_000 }, async () => {
    const stranger = bed.addHost(["--cluster-store", `etcd://${UNDERLAY_ETCD_IP}:2379`, "--advertise-addr", "172.31.250.99"]);
    assert.notEqual(await exitOf(stranger), 0);
    assert.match(stranger.log, /--advertise-addr 172\.31\.250\.99 is not an address of this host/);
    const malformed = bed.addHost(["--cluster-store", "etcd://nohost", "--advertise-addr", hostUnderlayIp(1)]);
    assert.notEqual(await exitOf(malformed), 0);
    assert.match(malformed.log, /is not HOST:PORT/);
    const missing = bed.addHost(["--cluster-store", `etcd://${UNDERLAY_ETCD_IP}:2379`]);
    assert.notEqual(await exitOf(missing), 0);
    assert.match(missing.log, /needs --advertise-addr/);
  });

  it("starts with local scope while etcd is unreachable, says so, and joins once it answers", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const url = `etcd://${UNDERLAY_ETCD_IP}:${port}`;
    const host = bed.addHost(bed.clusterArgs(bed.hosts.length, url));
    const address = hostUnderlayIp(bed.hosts.length - 1);
    await host.start();
    await until(() => host.log.includes("cluster store unreachable; running with local scope only, retrying"));
    const ls = await host.dnet(["network", "ls", "--format", "{{.Name}}"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /bridge|host/);
    await bed.startEtcd(port);
    await until(() => host.log.includes("joined the cluster"));
    const nodes = sh("nsenter", [`--net=/run/netns/${bed.underlay}`, "etcdctl", `--endpoints=http://${UNDERLAY_ETCD_IP}:${port}`, "get", "--prefix", "dnet/nodes/", "--keys-only"]);
    assert.match(nodes, new RegExp(`dnet/nodes/${address.replaceAll(".", "\\.")}`));
    assert.equal(await host.stop(), 0);
    const after = sh("nsenter", [`--net=/run/netns/${bed.underlay}`, "etcdctl", `--endpoints=http://${UNDERLAY_ETCD_IP}:${port}`, "get", "--prefix", "dnet/nodes/", "--keys-only"]);
    assert.equal(after.trim(), "", "a graceful stop ends the host's lease");
  });
});
