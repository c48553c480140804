// `dnet daemon --cluster-store … --advertise-addr …` on the multi-host test bed: bad options are refused at
// start; an etcd that is not up yet leaves the daemon serving local scope and retrying until it joins; data
// of another dnet version and a taken VXLAN port are clear errors that leave nothing behind.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
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

describe("daemon --cluster-store: bad data and a taken VXLAN port (root)", rootOnly, () => {
  const bed = new ClusterBed();
  const binders: ChildProcess[] = [];
  after(async () => {
    for (const b of binders) b.kill("SIGKILL");
    await bed.cleanup();
  });

  it("data in etcd from an incompatible dnet: the daemon says so, keeps local scope, writes nothing there", { timeout: 60_000 }, async () => {
    const etcd = await bed.startEtcd();
    const ctl = (args: readonly string[]): string =>
      sh("nsenter", [`--net=/run/netns/${bed.underlay}`, "etcdctl", `--endpoints=${etcd.url.replace("etcd://", "http://")}`, ...args]);
    ctl(["put", "dnet/version", JSON.stringify({ schema: 99 })]);
    const host = bed.addHost(bed.clusterArgs(0, etcd.url));
    await host.start();
    await until(() => host.log.includes("cluster store holds data this dnet cannot read; running with local scope only, not retrying"));
    assert.match(host.log, /holds dnet data of schema 99; this dnet reads schema 1/);
    const ls = await host.dnet(["network", "ls", "--format", "{{.Name}}"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(ctl(["get", "--prefix", "dnet/", "--keys-only"]).trim(), "dnet/version", "no node key, nothing else");
    const refused = await host.client.raw("POST", "/networks/create", { Name: "ov-bad-data", Driver: "overlay" });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(await host.stop(), 0);
    ctl(["del", "dnet/version"]);
  });

  it("a VXLAN port another program holds: a clear 409, and no namespace, claim or record is left", { timeout: 60_000 }, async () => {
    const host = bed.addHost(bed.clusterArgs(1, bed.etcd!.url));
    await host.start();
    await until(() => host.log.includes("joined the cluster"));
    const binder = spawn("nsenter", [`--net=/run/netns/${host.hostNetns}`, process.execPath, "-e",
      "require('node:dgram').createSocket('udp4').bind(4789, () => console.log('bound'))"], { stdio: ["ignore", "pipe", "ignore"] });
    binders.push(binder);
    await new Promise<void>((resolve) => binder.stdout?.once("data", () => resolve()));
    const res = await host.client.raw("POST", "/networks/create", { Name: "ov-port", Driver: "overlay" });
    assert.equal(res.status, 409, res.text);
    assert.match(res.text, /ERR_VXLAN_PORT_IN_USE/);
    assert.match(res.text, /UDP port 4789 \(VXLAN\) is in use by another program on this host/);
    assert.deepEqual(readdirSync(`${host.tmp}/netns-overlay`, { withFileTypes: true }).map((d) => d.name), [], "no overlay namespace");
    const ctl = sh("nsenter", [`--net=/run/netns/${bed.underlay}`, "etcdctl", `--endpoints=${bed.etcd!.url.replace("etcd://", "http://")}`,
      "get", "--prefix", "dnet/", "--keys-only"]);
    assert.doesNotMatch(ctl, /names\/ov-port|networks\/|vnis\/|pools\//);
    assert.ok(!(await host.client.listNetworks()).some((n) => n.Name === "ov-port"));
    binder.kill("SIGKILL");
    await new Promise((resolve) => binder.once("exit", resolve));
    await host.client.createNetwork({ Name: "ov-port", Driver: "overlay" });
    await host.client.removeNetwork("ov-port");
  });
});
