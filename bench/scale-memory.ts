// bench:scale's memory part: `dnet daemon` in a scratch netns with 1,000 endpoints (each sandbox connected once
// through the HTTP API), measured idle, 1 s after the last connect and SETTLE_S later; started plainly, with a
// small young generation, and with the embedded DNS on its main thread (--dns-threads 0). Next to it the
// runtime floor (runtime-floor.ts): Node with better-sqlite3, an HTTP server and idle threads, without dnet.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { DnetClient } from "../src/api/client.js";
import { addNetns, delNetns, scratchName, unmountUnder } from "./compare/peer.js";
import { HEAP_PROBE_DIR, type ThreadHeap } from "./heap-probe.js";
import { fmtMs, median, perBuildColumns, printTable } from "./stats.js";

export const MANY = 1000;
const HEAD = 100;
const TARGET_RSS_MIB = 60;
/** Figures of one moment, in MiB (threads: a count). */
type Memory = Record<"rss" | "anon" | "file" | "pss" | "threads", number>;
export interface MemoryResult {
  readonly idle: Memory;
  /** 1 s after the last connect, and SETTLE_S later with no requests (V8's memory reducer has had its turn). */
  readonly loaded: Memory;
  readonly settled: Memory;
  /** V8 heaps 1 s after the last connect: the main thread's first, then each worker's. */
  readonly heaps: readonly ThreadHeap[];
  readonly connectMs: number;
  /** Median create + connect of the first and of the last HEAD sandboxes: the API path's growth. */
  readonly firstMs: number;
  readonly lastMs: number;
}
/** A build's daemon measured three ways; `oneLoop` (--dns-threads 0) only where the build has the flag. */
export interface MemoryBuild { readonly label: string; plain?: MemoryResult; smallYoung?: MemoryResult; oneLoop?: MemoryResult }
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
const FLOOR = fileURLToPath(new URL("./runtime-floor.js", import.meta.url));

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

const pause = (ms: number): Promise<unknown> => new Promise((r) => setTimeout(r, ms));

/** Stops `proc` (SIGKILL: nothing of it is kept) and waits for it to end. */
async function kill(proc: ReturnType<typeof spawn>): Promise<void> {
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGKILL");
  await exited;
}

/**
 * The daemon of `dist` in a scratch netns: its memory when idle, and with MANY sandboxes each connected once
 * (1 s after the last connect and SETTLE_S later). `nodeOptions` goes to NODE_OPTIONS, `args` to the daemon.
 */
export async function daemonMemory(dist: string, nodeOptions = "", args: readonly string[] = []): Promise<MemoryResult> {
  const ns = scratchName("scale");
  const tmp = mkdtempSync(join(tmpdir(), "dnet-scale-daemon-"));
  const probe = join(tmp, "heaps");
  mkdirSync(probe);
  addNetns(ns);
  writeFileSync(join(tmp, "resolv.conf"), "nameserver 127.0.0.1\n");
  const proc = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, "--import", HEAP_PROBE, join(dist, "src", "cli", "main.js"), "daemon",
    "--socket", join(tmp, "dnet.sock"), "--data-dir", join(tmp, "data"), "--netns-dir", join(tmp, "netns"), "--dns", "127.0.0.1", "--log-level", "warn", ...args],
  { stdio: "ignore", env: { ...process.env, NODE_OPTIONS: nodeOptions, [HEAP_PROBE_DIR]: probe } });
  const client = new DnetClient(`unix://${join(tmp, "dnet.sock")}`);
  try {
    await waitForDaemon(client, proc);
    await pause(1000);
    const idle = memoryOf(proc.pid as number);
    await client.createNetwork({ Name: "scale", IPAM: { Config: [{ Subnet: "10.97.0.0/16" }] } });
    const each: number[] = [];
    for (let s = 0; s < MANY; s++) {
      const t = performance.now();
      await client.createSandbox({ Name: `s${s}` });
      await client.connect("scale", { Container: `s${s}` });
      each.push(performance.now() - t);
    }
    const connectMs = each.reduce((a, b) => a + b, 0);
    await pause(1000);
    const loaded = memoryOf(proc.pid as number);
    const heaps = heapsOf(probe, proc.pid as number);
    await pause(SETTLE_S * 1000);
    return { idle, loaded, settled: memoryOf(proc.pid as number), heaps, connectMs, firstMs: median(each.slice(0, HEAD)), lastMs: median(each.slice(-HEAD)) };
  } finally {
    client.close();
    await kill(proc);
    unmountUnder(tmp);
    delNetns(ns, []);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The runtime floor with `workers` idle threads: its memory 1 s after it is up. */
export async function runtimeFloor(workers: number): Promise<Memory> {
  const tmp = mkdtempSync(join(tmpdir(), "dnet-scale-floor-"));
  const proc = spawn(process.execPath, [FLOOR, tmp, String(workers)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((resolve, reject) => {
      proc.stdout?.on("data", (c: Buffer) => { if (c.toString().includes("ready")) resolve(); });
      proc.once("exit", (code) => reject(new Error(`runtime-floor exited with ${String(code)}`)));
    });
    await pause(1000);
    return memoryOf(proc.pid as number);
  } finally {
    await kill(proc);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Measures each build's daemon the three ways (the third only for this build, the last). */
export async function measureDaemons(builds: readonly MemoryBuild[], dist: (b: MemoryBuild) => string): Promise<void> {
  for (const b of builds) {
    b.plain = await daemonMemory(dist(b));
    b.smallYoung = await daemonMemory(dist(b), SMALL_YOUNG_GEN);
  }
  const mine = builds[builds.length - 1] as MemoryBuild;
  mine.oneLoop = await daemonMemory(dist(mine), "", ["--dns-threads", "0"]);
}

const mib = (v: number): string => `${v.toFixed(1)} MiB`;
const verdict = (v: number): string => (v <= TARGET_RSS_MIB ? "met" : "NOT met");
const split = (m: Memory): string => `${mib(m.anon)} / ${mib(m.file)} / ${mib(m.pss)}`;

/** Rows for one way of starting the daemon: RSS judged against the target, then where the memory is. */
function memoryRows(builds: readonly MemoryBuild[], how: string, pick: (b: MemoryBuild) => MemoryResult | undefined): string[][] {
  const cols = perBuildColumns(builds);
  const m = (b: MemoryBuild): MemoryResult => pick(b) as MemoryResult;
  const mine = m(builds[builds.length - 1] as MemoryBuild);
  const heap = (h: ThreadHeap | undefined): string => (h === undefined ? "–" : `${(h.total / 2 ** 20).toFixed(1)}`);
  const target = `≤ ${TARGET_RSS_MIB} MiB`;
  const blank = builds.length === 2 ? [""] : [];
  return [
    [`${how}: RSS idle (no network)`, ...cols((b) => m(b).idle.rss, mib), "", ""],
    [`${how}: RSS with ${MANY} endpoints, 1 s after the last connect`, ...cols((b) => m(b).loaded.rss, mib), target, verdict(mine.loaded.rss)],
    [`${how}: RSS with ${MANY} endpoints, ${SETTLE_S} s later`, ...cols((b) => m(b).settled.rss, mib), target, verdict(mine.settled.rss)],
    ["… anonymous (private) / file-backed / Pss, 1 s after", ...builds.map((b) => split(m(b).loaded)), ...blank, "", ""],
    [`… anonymous (private) / file-backed / Pss, ${SETTLE_S} s later`, ...builds.map((b) => split(m(b).settled)), ...blank, "", ""],
    ["… V8 heaps committed, 1 s after: main (young gen) + each DNS worker, MiB", ...builds.map((b) => {
      const [main, ...workers] = m(b).heaps;
      return `${heap(main)} (${main === undefined ? "–" : (main.young / 2 ** 20).toFixed(0)})${workers.map((w) => ` + ${heap(w)}`).join("")}`;
    }), ...blank, "", ""],
    [`… ${MANY} sandbox creates + connects (HTTP API), total`, ...cols((b) => m(b).connectMs, fmtMs), "", ""],
    [`… create + connect, median of the first ${HEAD} → of the last ${HEAD}`, ...builds.map((b) => `${fmtMs(m(b).firstMs)} → ${fmtMs(m(b).lastMs)}`), ...blank, "", ""],
    [`… growth (last ${HEAD} / first ${HEAD})`, ...cols((b) => m(b).lastMs / m(b).firstMs, (v) => `${v.toFixed(2)}×`), "", ""],
    ["… threads", ...builds.map((b) => String(m(b).loaded.threads)), ...blank, "", ""],
  ];
}

export function reportMemory(builds: readonly MemoryBuild[], floors: readonly [number, Memory][]): void {
  const header = ["measure", ...builds.map((b) => b.label), ...(builds.length === 2 ? ["this / baseline"] : []), "target", "this build"];
  printTable(`daemon memory (\`dnet daemon\` in a scratch netns, ${MANY} sandboxes each connected once through the HTTP API). ` +
    "File-backed pages (the node binary, libraries) are the floor no code change lowers; anonymous memory is the daemon's own", header, [
    ...memoryRows(builds, "plain `dnet daemon`", (b) => b.plain),
    ...memoryRows(builds, `NODE_OPTIONS=${SMALL_YOUNG_GEN} (optional)`, (b) => b.smallYoung),
  ]);
  const one = (builds[builds.length - 1] as MemoryBuild).oneLoop as MemoryResult;
  const target = `≤ ${TARGET_RSS_MIB} MiB`;
  const how = "`dnet daemon --dns-threads 0`";
  printTable("this build's daemon with the embedded DNS on its main thread, and the runtime floor under any daemon: Node + " +
    "better-sqlite3 (a WAL database) + an HTTP server on a unix socket + idle worker threads with a UDP socket each, without dnet's code",
  ["measure", "RSS", "anonymous / file-backed / Pss", "target", "this build"], [
    ...floors.map(([workers, m]) => [`runtime floor, ${workers} idle worker thread(s)`, mib(m.rss), split(m), target, verdict(m.rss)]),
    [`${how}: idle (no network)`, mib(one.idle.rss), split(one.idle), "", ""],
    [`${how}: with ${MANY} endpoints, 1 s after the last connect`, mib(one.loaded.rss), split(one.loaded), target, verdict(one.loaded.rss)],
    [`${how}: with ${MANY} endpoints, ${SETTLE_S} s later`, mib(one.settled.rss), split(one.settled), target, verdict(one.settled.rss)],
    [`${how}: ${MANY} sandbox creates + connects (HTTP API), total`, fmtMs(one.connectMs), "", "", ""],
    [`${how}: create + connect, median of the first ${HEAD} → of the last ${HEAD}`, `${fmtMs(one.firstMs)} → ${fmtMs(one.lastMs)}`, "", "", ""],
  ]);
}
