// `npm run bench:scale [-- [--memory] <baseline dist> | --wide]`: flat scale. 1,000 sandboxes attached one after another to one
// /16 bridge network through the library (after a warm-up, as a long-running daemon would be): the total and
// the per-attach growth (median of the last 100 / the first 100); and the daemon's resident memory with
// 1,000 endpoints (each sandbox connected once through the HTTP API). Given the dist/ of another build (e.g.
// main's, copied with node_modules and build/ reachable from it, as for bench:pair), both builds run in the
// same run, the library part alternating between them, so the figures compare under the same machine load.
// Then 4,000 sandboxes on one network (scale-wide.ts; `--wide` runs that part alone).

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import type { Network, Sandbox } from "../src/index.js";
import { DnetClient } from "../src/api/client.js";
import { addNetns, delNetns, scratchName } from "./compare/peer.js";
import { rerunInScratchNetns } from "./scratch-netns.js";
import { runWideBench, type AttachResult } from "./scale-wide.js";
import { HEAP_PROBE_DIR, type ThreadHeap } from "./heap-probe.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const INSIDE = "DNET_SCALE_BENCH_INSIDE";
const MANY = 1000;
const HEAD = 100;
const WARMUP_CYCLES = 300;
const TARGET = { growth: 1.3, totalMs: 3000, rssMiB: 60 } as const;
const THIS_DIST = resolve(fileURLToPath(new URL("..", import.meta.url)));

const BLOCK = 500;
/** Figures of one moment, in MiB (threads: a count). */
type Memory = Record<"rss" | "anon" | "file" | "pss" | "threads", number>;
interface MemoryResult {
  readonly idle: Memory;
  /** 1 s after the last connect, and SETTLE_S later with no requests (V8's memory reducer has had its turn). */
  readonly loaded: Memory;
  readonly settled: Memory;
  /** V8 heaps 1 s after the last connect: the main thread's first, then each worker's. */
  readonly heaps: readonly ThreadHeap[];
  readonly connectMs: number;
}
/**
 * V8's young generation grows to 2 × 16 MiB semi-spaces under the connect load and shrinks back only when the
 * memory reducer runs; Node offers no way to cap it from inside the process (v8.setFlagsFromString comes too
 * late for the main isolate). It costs connect/disconnect 7–14 % (bench:daemon-pair), so the daemon is not
 * started with it by default; it is measured both ways for those who add it to NODE_OPTIONS.
 */
const SMALL_YOUNG_GEN = "--max-semi-space-size=1";
/** Seconds without requests before the "settled" figures: V8's memory reducer ran ~30 s after the load here (not always). */
const SETTLE_S = 45;
const HEAP_PROBE = fileURLToPath(new URL("./heap-probe.js", import.meta.url));

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

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const mib = (text: string, field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0) / 1024;
  return {
    rss: mib(status, "VmRSS"), anon: mib(status, "RssAnon"), file: mib(status, "RssFile"), pss: mib(rollup, "Pss"),
    threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

/** The heap-probe files of `pid`, the main thread's first. */
function heapsOf(dir: string, pid: number): ThreadHeap[] {
  return readdirSync(dir).filter((f) => f.startsWith(`${pid}-`))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as ThreadHeap).sort((x, y) => x.threadId - y.threadId);
}

async function waitForDaemon(client: DnetClient, proc: ReturnType<typeof spawn>): Promise<void> {
  for (let i = 0; ; i++) {
    try { await client.ping(); return; } catch {
      if (i > 400 || proc.exitCode !== null) throw new Error("dnet daemon did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * The daemon of `dist` in a scratch netns: its memory when idle, and with MANY sandboxes each connected once
 * (1 s after the last connect and SETTLE_S later). `nodeOptions` goes to NODE_OPTIONS.
 */
async function daemonMemory(dist: string, nodeOptions = ""): Promise<MemoryResult> {
  const ns = scratchName("scale");
  const tmp = mkdtempSync(join(tmpdir(), "dnet-scale-daemon-"));
  const probe = join(tmp, "heaps");
  mkdirSync(probe);
  addNetns(ns);
  writeFileSync(join(tmp, "resolv.conf"), "nameserver 127.0.0.1\n");
  const proc = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, "--import", HEAP_PROBE, join(dist, "src", "cli", "main.js"), "daemon",
    "--socket", join(tmp, "dnet.sock"), "--data-dir", join(tmp, "data"), "--netns-dir", join(tmp, "netns"), "--dns", "127.0.0.1", "--log-level", "warn"],
  { stdio: "ignore", env: { ...process.env, NODE_OPTIONS: nodeOptions, [HEAP_PROBE_DIR]: probe } });
  const client = new DnetClient(`unix://${join(tmp, "dnet.sock")}`);
  const pause = (ms: number): Promise<unknown> => new Promise((r) => setTimeout(r, ms));
  try {
    await waitForDaemon(client, proc);
    await pause(1000);
    const idle = memoryOf(proc.pid as number);
    await client.createNetwork({ Name: "scale", IPAM: { Config: [{ Subnet: "10.97.0.0/16" }] } });
    const t0 = performance.now();
    for (let s = 0; s < MANY; s++) {
      await client.createSandbox({ Name: `s${s}` });
      await client.connect("scale", { Container: `s${s}` });
    }
    const connectMs = performance.now() - t0;
    await pause(1000);
    const loaded = memoryOf(proc.pid as number);
    const heaps = heapsOf(probe, proc.pid as number);
    await pause(SETTLE_S * 1000);
    return { idle, loaded, settled: memoryOf(proc.pid as number), heaps, connectMs };
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

interface Build { readonly label: string; readonly dist: string; readonly runs: AttachResult[]; plain?: MemoryResult; smallYoung?: MemoryResult }

const verdict = (v: number, target: number): string => (v <= target ? "met" : "NOT met");
const mib = (v: number): string => `${v.toFixed(1)} MiB`;
/** Columns per build, then the ratio of the last to the first when there are two. */
type Columns = (f: (b: Build) => number, show?: (v: number) => string) => string[];

function columnsOf(builds: readonly Build[]): Columns {
  return (f, show = mib) => [...builds.map((b) => show(f(b))),
    ...(builds.length === 2 ? [`${(f(builds[1] as Build) / f(builds[0] as Build)).toFixed(2)}`] : [])];
}

function reportAttaches(builds: readonly Build[], rounds: number): void {
  const med = (b: Build, f: (r: AttachResult) => number): number => median(b.runs.map(f));
  const cols = columnsOf(builds);
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

/** Rows for one way of starting the daemon: RSS judged against the target, then where the memory is. */
function memoryRows(builds: readonly Build[], how: string, pick: (b: Build) => MemoryResult | undefined): string[][] {
  const cols = columnsOf(builds);
  const m = (b: Build): MemoryResult => pick(b) as MemoryResult;
  const mine = m(builds[builds.length - 1] as Build);
  const heap = (h: ThreadHeap | undefined): string => (h === undefined ? "–" : `${(h.total / 2 ** 20).toFixed(1)}`);
  const target = `≤ ${TARGET.rssMiB} MiB`;
  return [
    [`${how}: RSS idle (no network)`, ...cols((b) => m(b).idle.rss), "", ""],
    [`${how}: RSS with ${MANY} endpoints, 1 s after the last connect`, ...cols((b) => m(b).loaded.rss), target, verdict(mine.loaded.rss, TARGET.rssMiB)],
    [`${how}: RSS with ${MANY} endpoints, ${SETTLE_S} s later`, ...cols((b) => m(b).settled.rss), target, verdict(mine.settled.rss, TARGET.rssMiB)],
    ["… anonymous (private) / file-backed / Pss, 1 s after", ...builds.map((b) => `${mib(m(b).loaded.anon)} / ${mib(m(b).loaded.file)} / ${mib(m(b).loaded.pss)}`), ...(builds.length === 2 ? [""] : []), "", ""],
    [`… anonymous (private) / file-backed / Pss, ${SETTLE_S} s later`, ...builds.map((b) => `${mib(m(b).settled.anon)} / ${mib(m(b).settled.file)} / ${mib(m(b).settled.pss)}`), ...(builds.length === 2 ? [""] : []), "", ""],
    ["… V8 heaps committed, 1 s after: main (young gen) + each DNS worker, MiB", ...builds.map((b) => {
      const [main, ...workers] = m(b).heaps;
      return `${heap(main)} (${main === undefined ? "–" : (main.young / 2 ** 20).toFixed(0)}) + ${workers.map(heap).join(" + ")}`;
    }), ...(builds.length === 2 ? [""] : []), "", ""],
    [`… ${MANY} sandbox creates + connects (HTTP API), total`, ...cols((b) => m(b).connectMs, fmtMs), "", ""],
    ["… threads", ...builds.map((b) => String(m(b).loaded.threads)), ...(builds.length === 2 ? [""] : []), "", ""],
  ];
}

function reportMemory(builds: readonly Build[]): void {
  printTable(`daemon memory (\`dnet daemon\` in a scratch netns, ${MANY} sandboxes each connected once through the HTTP API). ` +
    "File-backed pages (the node binary, libraries) are the floor no code change lowers; anonymous memory is the daemon's own",
  ["measure", ...builds.map((b) => b.label), ...(builds.length === 2 ? ["this / baseline"] : []), "target", "this build"], [
    ...memoryRows(builds, "plain `dnet daemon`", (b) => b.plain),
    ...memoryRows(builds, `NODE_OPTIONS=${SMALL_YOUNG_GEN} (optional)`, (b) => b.smallYoung),
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
  for (const b of builds) {
    b.plain = await daemonMemory(b.dist);
    b.smallYoung = await daemonMemory(b.dist, SMALL_YOUNG_GEN);
  }
  if (!memoryOnly) reportAttaches(builds, rounds);
  reportMemory(builds);
  if (!memoryOnly) await runWideBench((count, options) => libraryRun(THIS_DIST, count, options));
}

if (isMain(import.meta.url)) {
  const memoryOnly = process.argv[2] === "--memory";
  const [a, b, count, options] = process.argv.slice(memoryOnly ? 3 : 2);
  if (process.env[INSIDE] === "1") await attachMany(a as string, b as string, Number(count ?? MANY), JSON.parse(options ?? "{}") as Record<string, string>);
  else if (a === "--wide") await runWideBench((n, o) => libraryRun(THIS_DIST, n, o));
  else await runScaleBench(a, b === undefined ? undefined : Number(b), memoryOnly);
}
