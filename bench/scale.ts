// `npm run bench:scale [-- <baseline dist> | --wide]`: flat scale. 1,000 sandboxes attached one after another to one
// /16 bridge network through the library (after a warm-up, as a long-running daemon would be): the total and
// the per-attach growth (median of the last 100 / the first 100); and the daemon's resident memory with
// 1,000 endpoints (each sandbox connected once through the HTTP API). Given the dist/ of another build (e.g.
// main's, copied with node_modules and build/ reachable from it, as for bench:pair), both builds run in the
// same run, the library part alternating between them, so the figures compare under the same machine load.
// Then 4,000 sandboxes on one network (scale-wide.ts; `--wide` runs that part alone).

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import type { Network, Sandbox } from "../src/index.js";
import { DnetClient } from "../src/api/client.js";
import { addNetns, delNetns, scratchName } from "./compare/peer.js";
import { rerunInScratchNetns } from "./scratch-netns.js";
import { runWideBench, type AttachResult } from "./scale-wide.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const INSIDE = "DNET_SCALE_BENCH_INSIDE";
const MANY = 1000;
const HEAD = 100;
const WARMUP_CYCLES = 300;
const TARGET = { growth: 1.3, totalMs: 3000, rssMiB: 60 } as const;
const THIS_DIST = resolve(fileURLToPath(new URL("..", import.meta.url)));

const BLOCK = 500;
interface MemoryResult { idle: Record<string, number>; loaded: Record<string, number> }
/**
 * V8's young generation grows to 2 × 16 MiB semi-spaces once 1,000 endpoints' records survive scavenges and
 * never shrinks back; Node offers no way to cap it from inside the process (v8.setFlagsFromString comes too
 * late for the main isolate), so the daemon is measured as started plain and with this flag as well.
 */
const SMALL_YOUNG_GEN = "--max-semi-space-size=1";

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

function memoryOf(pid: number): Record<string, number> {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kib("VmRSS"), anon: kib("RssAnon"), file: kib("RssFile"), threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

async function waitForDaemon(client: DnetClient, proc: ReturnType<typeof spawn>): Promise<void> {
  for (let i = 0; ; i++) {
    try { await client.ping(); return; } catch {
      if (i > 400 || proc.exitCode !== null) throw new Error("dnet daemon did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The daemon of `dist` in a scratch netns: RSS when idle, and with MANY sandboxes each connected once. */
async function daemonMemory(dist: string, nodeFlags: readonly string[] = []): Promise<MemoryResult> {
  const ns = scratchName("scale");
  const tmp = mkdtempSync(join(tmpdir(), "dnet-scale-daemon-"));
  addNetns(ns);
  writeFileSync(join(tmp, "resolv.conf"), "nameserver 127.0.0.1\n");
  const proc = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, ...nodeFlags, join(dist, "src", "cli", "main.js"), "daemon",
    "--socket", join(tmp, "dnet.sock"), "--data-dir", join(tmp, "data"), "--netns-dir", join(tmp, "netns"), "--dns", "127.0.0.1", "--log-level", "warn"],
  { stdio: "ignore" });
  const client = new DnetClient(`unix://${join(tmp, "dnet.sock")}`);
  try {
    await waitForDaemon(client, proc);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = memoryOf(proc.pid as number);
    await client.createNetwork({ Name: "scale", IPAM: { Config: [{ Subnet: "10.97.0.0/16" }] } });
    for (let s = 0; s < MANY; s++) {
      await client.createSandbox({ Name: `s${s}` });
      await client.connect("scale", { Container: `s${s}` });
    }
    await new Promise((r) => setTimeout(r, 1000));
    return { idle, loaded: memoryOf(proc.pid as number) };
  } finally {
    client.close();
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
    unmountUnder(tmp);
    delNetns(ns, []);
    rmSync(tmp, { recursive: true, force: true });
  }
}

function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const m of mounts) { try { execFileSync("umount", ["-l", m], { stdio: "ignore" }); } catch { /* gone */ } }
}

interface Build { readonly label: string; readonly dist: string; readonly runs: AttachResult[]; memory?: MemoryResult; smallYoung?: MemoryResult }

function report(builds: readonly Build[], rounds: number): void {
  const med = (b: Build, f: (r: AttachResult) => number): number => median(b.runs.map(f));
  const cols = (f: (b: Build) => string): string[] => builds.map(f);
  const ratio = (f: (b: Build) => number): string[] => (builds.length === 2
    ? [`${(f(builds[1] as Build) / f(builds[0] as Build)).toFixed(2)}`] : []);
  const verdict = (v: number, target: number): string => (v <= target ? "met" : "NOT met");
  const mine = builds[builds.length - 1] as Build;
  const growth = (b: Build): number => med(b, (r) => r.last / r.first);
  const mem = (b: Build, k: "idle" | "loaded", f: string, m = b.memory): number => m?.[k][f] ?? Number.NaN;
  const mib = (v: number): string => `${v.toFixed(1)} MiB`;
  printTable(`scale: ${MANY} sandboxes attached to one /16 bridge network (library, nftables, after ${WARMUP_CYCLES} warm-up cycles; ` +
    `median of ${rounds} run(s) per build${builds.length === 2 ? ", the builds alternating" : ""}) and the daemon's memory with ${MANY} endpoints`,
  ["measure", ...cols((b) => b.label), ...(builds.length === 2 ? ["this / baseline"] : []), "target", "this build"], [
    [`total of ${MANY} attaches`, ...cols((b) => fmtMs(med(b, (r) => r.total))), ...ratio((b) => med(b, (r) => r.total)), `≤ ${fmtMs(TARGET.totalMs)}`, verdict(med(mine, (r) => r.total), TARGET.totalMs)],
    [`median attach, first ${HEAD}`, ...cols((b) => fmtMs(med(b, (r) => r.first))), ...ratio((b) => med(b, (r) => r.first)), "", ""],
    [`median attach, last ${HEAD}`, ...cols((b) => fmtMs(med(b, (r) => r.last))), ...ratio((b) => med(b, (r) => r.last)), "", ""],
    [`growth (last ${HEAD} / first ${HEAD})`, ...cols((b) => `${growth(b).toFixed(2)}×`), ...ratio(growth), `≤ ${TARGET.growth}×`, verdict(growth(mine), TARGET.growth)],
    ["p99 attach", ...cols((b) => fmtMs(med(b, (r) => r.p99))), ...ratio((b) => med(b, (r) => r.p99)), "", ""],
    [`daemon RSS with ${MANY} endpoints`, ...cols((b) => mib(mem(b, "loaded", "rss"))), ...ratio((b) => mem(b, "loaded", "rss")), `≤ ${TARGET.rssMiB} MiB`, verdict(mem(mine, "loaded", "rss"), TARGET.rssMiB)],
    ["… of it anonymous / file-backed", ...cols((b) => `${mib(mem(b, "loaded", "anon"))} / ${mib(mem(b, "loaded", "file"))}`), ...(builds.length === 2 ? [""] : []), "", ""],
    ["daemon RSS idle (no network)", ...cols((b) => mib(mem(b, "idle", "rss"))), ...ratio((b) => mem(b, "idle", "rss")), "", ""],
    [`… started with node ${SMALL_YOUNG_GEN}`, ...cols((b) => mib(mem(b, "loaded", "rss", b.smallYoung))), ...ratio((b) => mem(b, "loaded", "rss", b.smallYoung)), "", ""],
    ["daemon threads with endpoints", ...cols((b) => String(mem(b, "loaded", "threads"))), ...(builds.length === 2 ? [""] : []), "", ""],
  ]);
}

export async function runScaleBench(baseline?: string, rounds = baseline === undefined ? 1 : 2): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("\n### scale: skipped (needs root to create namespaces, bridges and nft tables)");
    return;
  }
  const builds: Build[] = [
    ...(baseline === undefined ? [] : [{ label: `baseline (${baseline})`, dist: resolve(baseline), runs: [] }]),
    { label: "this build", dist: THIS_DIST, runs: [] },
  ];
  for (let r = 0; r < rounds; r++) {
    for (const b of r % 2 === 0 ? builds : [...builds].reverse()) b.runs.push(await libraryRun(b.dist));
  }
  for (const b of builds) {
    b.memory = await daemonMemory(b.dist);
    b.smallYoung = await daemonMemory(b.dist, [SMALL_YOUNG_GEN]);
  }
  report(builds, rounds);
  await runWideBench((count, options) => libraryRun(THIS_DIST, count, options));
}

if (isMain(import.meta.url)) {
  const [a, b, count, options] = process.argv.slice(2);
  if (process.env[INSIDE] === "1") await attachMany(a as string, b as string, Number(count ?? MANY), JSON.parse(options ?? "{}") as Record<string, string>);
  else if (a === "--wide") await runWideBench((n, o) => libraryRun(THIS_DIST, n, o));
  else await runScaleBench(a, b === undefined ? undefined : Number(b));
}
