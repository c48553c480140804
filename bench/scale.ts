// `npm run bench:scale [-- [--memory] <baseline dist> | --wide]`: flat scale. 1,000 sandboxes attached one after another to one
// /16 bridge network through the library (after a warm-up, as a long-running daemon would be): the total and
// the per-attach growth (median of the last 100 / the first 100); and the daemon's resident memory with
// 1,000 endpoints (each sandbox connected once through the HTTP API). Given the dist/ of another build (e.g.
// main's, copied with node_modules and build/ reachable from it, as for bench:pair), both builds run in the
// same run, the library part alternating between them, so the figures compare under the same machine load.
// Then 4,000 sandboxes on one network (scale-wide.ts; `--wide` runs that part alone).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import type { Network, Sandbox } from "../src/index.js";
import { rerunInScratchNetns } from "./scratch-netns.js";
import { runWideBench, type AttachResult } from "./scale-wide.js";
import { MANY, measureDaemons, reportMemory, runtimeFloor, type MemoryBuild } from "./scale-memory.js";
import { fmtMs, isMain, median, perBuildColumns, percentile, printTable } from "./stats.js";

const INSIDE = "DNET_SCALE_BENCH_INSIDE";
const HEAD = 100;
const WARMUP_CYCLES = 300;
const TARGET = { growth: 1.3, totalMs: 3000 } as const;
const THIS_DIST = resolve(fileURLToPath(new URL("..", import.meta.url)));

const BLOCK = 500;

/**
 * Inside the scratch netns: warm the attach path up, then attach `count` sandboxes to one /16 (its `options`).
 * Past MANY, the controller runs without the embedded resolver: its two sockets per sandbox, with the netns and
 * netlink handles, would pass this machine's hard limit of 20,000 open files at 4,000 sandboxes (a daemon
 * under contrib/dnet.service may hold 1,048,576), and what it costs does not depend on the bridges.
 */
async function attachMany(dist: string, out: string, count = MANY, options: Record<string, string> = {}): Promise<void> {
  const lib = await import(join(dist, "src", "index.js")) as typeof import("../src/index.js");
  const root = mkdtempSync(join(tmpdir(), "dnet-scale-bench-"));
  writeFileSync(join(root, "resolv.conf"), "nameserver 192.0.2.53\n");
  const c = await lib.Controller.create({
    dataDir: join(root, "data"), netnsDir: join(root, "netns"), etcNetnsDir: join(root, "etc"), hostResolvConf: join(root, "resolv.conf"), firewall: "nftables",
    embeddedDns: count <= MANY,
  });
  try {
    const warm = await c.createNetwork({ name: "scale-warm", driver: "bridge", ipam: { config: [{ subnet: "10.252.0.0/24" }] } });
    const sb = await c.createSandbox({ containerId: "scale-warm" });
    for (let i = 0; i < WARMUP_CYCLES; i++) {
      const ep = await warm.createEndpoint({ name: `w${i}` });
      await ep.join(sb);
      await ep.leave(sb);
      await ep.delete();
    }
    await sb.delete();
    await warm.delete();
    const net = await c.createNetwork({ name: "scale-many", driver: "bridge", options, ipam: { config: [{ subnet: "10.251.0.0/16" }] } });
    const sandboxes: Sandbox[] = [];
    for (let i = 0; i < count; i++) sandboxes.push(await c.createSandbox({ containerId: `m${i}` }));
    writeFileSync(out, JSON.stringify(await timeAttaches(net, sandboxes)));
    for (const s of sandboxes) await s.delete();
    await net.delete();
  } finally {
    await c.close();
    try { execFileSync("umount", ["-l", join(root, "netns")], { stdio: "ignore" }); } catch { /* never mounted */ }
    rmSync(root, { recursive: true, force: true });
  }
}

async function timeAttaches(net: Network, sandboxes: readonly Sandbox[]): Promise<AttachResult> {
  const each: number[] = [];
  const t0 = performance.now();
  for (const [i, sb] of sandboxes.entries()) {
    const s = performance.now();
    const ep = await net.createEndpoint({ name: `m${i}` });
    await ep.join(sb);
    each.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  const blocks = Array.from({ length: Math.ceil(each.length / BLOCK) }, (_, b) => median(each.slice(b * BLOCK, (b + 1) * BLOCK)));
  return { total, first: median(each.slice(0, HEAD)), last: median(each.slice(-HEAD)), p99: percentile(each, 99), blocks };
}

/** One library run of `dist` in a scratch netns of its own: `count` sandboxes on a network with `options`. */
export async function libraryRun(dist: string, count = MANY, options: Record<string, string> = {}): Promise<AttachResult> {
  const out = join(mkdtempSync(join(tmpdir(), "dnet-scale-out-")), "result.json");
  try {
    await rerunInScratchNetns(fileURLToPath(import.meta.url), INSIDE, "dnetsc", [dist, out, String(count), JSON.stringify(options)]);
    return JSON.parse(readFileSync(out, "utf8")) as AttachResult;
  } finally {
    rmSync(join(out, ".."), { recursive: true, force: true });
  }
}

interface Build extends MemoryBuild { readonly dist: string; readonly runs: AttachResult[] }

const verdict = (v: number, target: number): string => (v <= target ? "met" : "NOT met");

function reportAttaches(builds: readonly Build[], rounds: number): void {
  const med = (b: Build, f: (r: AttachResult) => number): number => median(b.runs.map(f));
  const columns = perBuildColumns(builds);
  const cols = (f: (b: Build) => number, show: (v: number) => string): string[] => columns(f, show);
  const mine = builds[builds.length - 1] as Build;
  const growth = (b: Build): number => med(b, (r) => r.last / r.first);
  printTable(`scale: ${MANY} sandboxes attached to one /16 bridge network (library, nftables, after ${WARMUP_CYCLES} warm-up cycles; ` +
    `median of ${rounds} run(s) per build${builds.length === 2 ? ", the builds alternating" : ""})`,
  ["measure", ...builds.map((b) => b.label), ...(builds.length === 2 ? ["this / baseline"] : []), "target", "this build"], [
    [`total of ${MANY} attaches`, ...cols((b) => med(b, (r) => r.total), fmtMs), `≤ ${fmtMs(TARGET.totalMs)}`, verdict(med(mine, (r) => r.total), TARGET.totalMs)],
    [`median attach, first ${HEAD}`, ...cols((b) => med(b, (r) => r.first), fmtMs), "", ""],
    [`median attach, last ${HEAD}`, ...cols((b) => med(b, (r) => r.last), fmtMs), "", ""],
    [`growth (last ${HEAD} / first ${HEAD})`, ...cols(growth, (v) => `${v.toFixed(2)}×`), `≤ ${TARGET.growth}×`, verdict(growth(mine), TARGET.growth)],
    ["p99 attach", ...cols((b) => med(b, (r) => r.p99), fmtMs), "", ""],
  ]);
}

/** `memoryOnly` skips the library attach runs (minutes) and measures the daemon only. */
export async function runScaleBench(baseline?: string, rounds = baseline === undefined ? 1 : 2, memoryOnly = false): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("\n### scale: skipped (needs root to create namespaces, bridges and nft tables)");
    return;
  }
  const builds: Build[] = [
    ...(baseline === undefined ? [] : [{ label: `baseline (${baseline})`, dist: resolve(baseline), runs: [] }]),
    { label: "this build", dist: THIS_DIST, runs: [] },
  ];
  for (let r = 0; r < (memoryOnly ? 0 : rounds); r++) {
    for (const b of r % 2 === 0 ? builds : [...builds].reverse()) b.runs.push(await libraryRun(b.dist));
  }
  await measureDaemons(builds, (b) => (b as Build).dist);
  const floors: [number, Awaited<ReturnType<typeof runtimeFloor>>][] = [];
  for (const workers of [0, 2]) floors.push([workers, await runtimeFloor(workers)]);
  if (!memoryOnly) reportAttaches(builds, rounds);
  reportMemory(builds, floors);
  if (!memoryOnly) await runWideBench((count, options) => libraryRun(THIS_DIST, count, options));
}

if (isMain(import.meta.url)) {
  const memoryOnly = process.argv[2] === "--memory";
  const [a, b, count, options] = process.argv.slice(memoryOnly ? 3 : 2);
  if (process.env[INSIDE] === "1") await attachMany(a as string, b as string, Number(count ?? MANY), JSON.parse(options ?? "{}") as Record<string, string>);
  else if (a === "--wide") await runWideBench((n, o) => libraryRun(THIS_DIST, n, o));
  else await runScaleBench(a, b === undefined ? undefined : Number(b), memoryOnly);
}
