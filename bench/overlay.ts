// Overlay benchmark on the multi-host test bed (two hosts A and B, each its own daemon, etcd on the underlay):
// cross-host convergence — from `connect` on host A returning to the first ping answered from a sandbox on
// host B — median and p99 over 100 endpoints (targets: p99 ≤ 100 ms); overlay attach next to bridge attach
// on host A, interleaved in the same run (target: overlay ≤ 3× bridge); etcd requests per overlay attach,
// read from etcd's own request counters. Everything it makes is removed afterwards (the bed's cleanup).

import { execFile } from "node:child_process";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { ClusterBed } from "../src/testing/cluster-bed.js";
import { placeSandbox, removeSandbox, until, type PlacedSandbox } from "../src/testing/cluster-probes.js";
import type { TestDaemon } from "../src/testing/test-daemon.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const run = promisify(execFile);
const ENDPOINTS = 100;
const WARMUP = 10;
const OVERLAY = "bench-ov";
const BRIDGE = "bench-br";

/** Spawns `ping -c 1` from `from` until one is answered; resolves when that ping process ends. */
async function firstAnsweredPing(from: PlacedSandbox, ip: string): Promise<void> {
  for (;;) {
    try {
      await run("nsenter", [`--net=${from.key}`, "ping", "-n", "-c", "1", "-W", "1", ip]);
      return;
    } catch { /* not yet */ }
  }
}

/** etcd's count of unary requests it served (Range, Txn, Put, DeleteRange), from its /metrics. */
async function etcdRequests(bed: ClusterBed): Promise<number> {
  const url = `${bed.etcd!.url.replace("etcd://", "http://")}/metrics`;
  const { stdout } = await run("nsenter", [`--net=/run/netns/${bed.underlay}`, "curl", "-s", url], { maxBuffer: 16 << 20 });
  let sum = 0;
  for (const line of stdout.split("\n")) {
    const m = /^grpc_server_started_total\{.*grpc_method="(Range|Txn|Put|DeleteRange)".*grpc_type="unary".*\} (\d+)/.exec(line);
    if (m !== null) sum += Number(m[2]);
  }
  return sum;
}

interface Samples { convergence: number[]; overlayAttach: number[]; bridgeAttach: number[]; pingBaseline: number[]; storeRequests: number[] }

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One round: an overlay attach on A (timed, store requests counted, convergence seen from B), then a bridge attach on A. */
async function round(bed: ClusterBed, watcher: PlacedSandbox, i: number, into: Samples | undefined): Promise<void> {
  const a = bed.hosts[0]!;
  const [ov, br] = [`bov-${i}`, `bbr-${i}`];
  await a.client.createSandbox({ Name: ov });
  await a.client.createSandbox({ Name: br });
  const before = await etcdRequests(bed);
  const attach = await timed(() => a.client.connect(OVERLAY, { Container: ov }));
  const requests = (await etcdRequests(bed)) - before;
  const t0 = performance.now();
  const ip = (await a.client.inspectSandbox(ov)).Endpoints[0]!.IPv4Address.replace(/\/\d+$/, "");
  await firstAnsweredPing(watcher, ip);
  const convergence = performance.now() - t0;
  const baseline = await timed(() => firstAnsweredPing(watcher, ip));
  const bridge = await timed(() => a.client.connect(BRIDGE, { Container: br }));
  into?.overlayAttach.push(attach);
  into?.storeRequests.push(requests);
  into?.convergence.push(convergence);
  into?.pingBaseline.push(baseline);
  into?.bridgeAttach.push(bridge);
  for (const [name, net] of [[ov, OVERLAY], [br, BRIDGE]] as const) {
    await a.client.disconnect(net, { Container: name });
    await a.client.removeSandbox(name);
  }
}

function report(s: Samples): void {
  const row = (what: string, v: readonly number[], base?: readonly number[]): string[] => [
    what, String(v.length), fmtMs(median(v)), fmtMs(percentile(v, 99)), base === undefined ? "" : `${(median(v) / median(base)).toFixed(2)}×`,
  ];
  printTable(`overlay on two hosts: ${ENDPOINTS} endpoints on host A after ${WARMUP} warm-up rounds (daemon API, real kernel, etcd on the underlay)`,
    ["measure", "n", "median", "p99", "median vs bridge attach"], [
      row("bridge attach on A (connect)", s.bridgeAttach),
      row("overlay attach on A (connect)", s.overlayAttach, s.bridgeAttach),
      row("convergence: connect on A returned → first ping answered from B", s.convergence),
      row("  of which one ping from B to a known peer (process spawn + RTT)", s.pingBaseline),
    ]);
  printTable("etcd requests per overlay attach (Range, Txn, Put, DeleteRange served by etcd, all hosts)", ["n", "median", "max"], [
    [String(s.storeRequests.length), String(median(s.storeRequests)), String(Math.max(...s.storeRequests))],
  ]);
  const p99 = percentile(s.convergence, 99);
  const ratio = median(s.overlayAttach) / median(s.bridgeAttach);
  console.log(`\ntargets: convergence p99 ≤ 100 ms: ${fmtMs(p99)} (${p99 <= 100 ? "met" : "missed"}); overlay attach ≤ 3× bridge: ${ratio.toFixed(2)}× (${ratio <= 3 ? "met" : "missed"})`);
}

async function setUp(bed: ClusterBed): Promise<PlacedSandbox> {
  const etcd = await bed.startEtcd();
  for (let i = 0; i < 2; i++) bed.addHost(bed.clusterArgs(i, etcd.url));
  await Promise.all(bed.hosts.map((h: TestDaemon) => h.start()));
  for (const host of bed.hosts) await until(() => host.log.includes("joined the cluster"));
  const [a, b] = [bed.hosts[0]!, bed.hosts[1]!];
  await a.client.createNetwork({ Name: OVERLAY, Driver: "overlay", IPAM: { Config: [{ Subnet: "10.248.0.0/22" }] } });
  await a.client.createNetwork({ Name: BRIDGE, Driver: "bridge", IPAM: { Config: [{ Subnet: "10.249.0.0/22" }] } });
  await until(async () => (await b.client.listNetworks()).some((n) => n.Name === OVERLAY));
  return placeSandbox(b, OVERLAY, "bench-watcher");
}

export async function runOverlayBench(): Promise<void> {
  const bed = new ClusterBed();
  try {
    const watcher = await setUp(bed);
    const samples: Samples = { convergence: [], overlayAttach: [], bridgeAttach: [], pingBaseline: [], storeRequests: [] };
    for (let i = 0; i < WARMUP + ENDPOINTS; i++) await round(bed, watcher, i, i >= WARMUP ? samples : undefined);
    await removeSandbox(watcher, OVERLAY);
    report(samples);
  } finally {
    await bed.cleanup();
  }
}

if (isMain(import.meta.url)) await runOverlayBench();
