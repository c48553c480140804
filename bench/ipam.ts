// IPAM benchmark: a /16 filled and emptied address by address, 1,000 addresses from a /64, and the
// memory an empty /8 or /64 pool costs. Prints medians over several runs next to the targets.

import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DefaultIpam, encodeBitmap, LOCAL_ADDRESS_SPACE, RunBitmap } from "../src/ipam/default/index.js";
import { parsePrefix, prefixFirst, prefixSize } from "../src/types/index.js";
import type { IpAddress, IpPrefix } from "../src/types/index.js";
import { fmtMs, isMain, median, printTable } from "./stats.js";

const RUNS = 7;

interface Row {
  readonly name: string;
  readonly value: string;
  readonly spread: string;
  readonly target: string;
  readonly verdict: string;
}

async function newPool(cidr: string): Promise<{ ipam: DefaultIpam; poolId: string; pool: IpPrefix }> {
  const ipam = new DefaultIpam();
  const pool = parsePrefix(cidr);
  const grant = await ipam.requestPool({ addressSpace: LOCAL_ADDRESS_SPACE, pool, v6: pool.family === 6 });
  return { ipam, poolId: grant.poolId, pool: grant.pool };
}

/** Allocates `count` first-free addresses, then (optionally) releases them in the given order. */
async function fillAndEmpty(cidr: string, count: number, release: "none" | "in-order" | "shuffled"): Promise<number> {
  const { ipam, poolId } = await newPool(cidr);
  const t0 = performance.now();
  const taken: IpAddress[] = [];
  for (let i = 0; i < count; i++) {
    const { address } = await ipam.requestAddress(poolId);
    if (address === undefined) throw new Error("no address");
    taken.push({ family: address.family, value: address.address });
  }
  if (release === "shuffled") shuffle(taken);
  if (release !== "none") for (const a of taken) await ipam.releaseAddress(poolId, a);
  return performance.now() - t0;
}

/** Deterministic Fisher–Yates (a fixed LCG), so every run releases in the same order. */
function shuffle<T>(xs: T[]): void {
  let seed = 12345;
  for (let i = xs.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
}

async function timed(name: string, target: number | undefined, run: () => Promise<number>, runs = RUNS): Promise<Row> {
  await run(); // warm-up: JIT and inline caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await run());
  const m = median(times);
  return {
    name,
    value: fmtMs(m),
    spread: `${fmtMs(Math.min(...times))} – ${fmtMs(Math.max(...times))}`,
    target: target === undefined ? "—" : `≤ ${fmtMs(target)}`,
    verdict: target === undefined ? "" : m <= target ? "ok" : "MISSED",
  };
}

function gcFunction(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Heap bytes one pool adds to an allocator: N allocators with one pool minus N without, over N. */
async function heapPerPool(cidr: string, gc: () => void): Promise<number> {
  const n = 2000;
  const heap = async (withPool: boolean): Promise<number> => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const keep: DefaultIpam[] = [];
    for (let i = 0; i < n; i++) keep.push(withPool ? (await newPool(cidr)).ipam : new DefaultIpam());
    gc();
    const used = process.memoryUsage().heapUsed - before;
    if (keep.length !== n) throw new Error("unreachable");
    return used;
  };
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) samples.push(((await heap(true)) - (await heap(false))) / n);
  return median(samples);
}

function emptyPoolBitmap(cidr: string): RunBitmap {
  const pool = parsePrefix(cidr);
  const bm = new RunBitmap(prefixSize(pool));
  bm.set(0n);
  if (pool.family === 4) bm.set(prefixSize(pool) - 1n);
  return bm;
}

async function memoryRows(): Promise<Row[]> {
  const gc = gcFunction();
  const rows: Row[] = [];
  for (const cidr of ["10.0.0.0/24", "10.0.0.0/8", "fd00::/64", "fd00::/16"]) {
    const bm = emptyPoolBitmap(cidr);
    const bytes = encodeBitmap(bm).length;
    const heap = await heapPerPool(cidr, gc);
    rows.push({
      name: `empty ${cidr} pool: stored / heap`,
      value: `${bytes} B / ${Math.round(heap)} B`,
      spread: `${bm.runCount} run(s), ${prefixSize(parsePrefix(cidr))} addresses`,
      target: "O(runs): ≤ 32 B stored, ≤ 2 KiB heap",
      verdict: bytes <= 32 && heap <= 2048 ? "ok" : "MISSED",
    });
  }
  return rows;
}

async function fragmentedRow(): Promise<Row> {
  const { ipam, poolId, pool } = await newPool("10.0.0.0/16");
  const base = prefixFirst(pool);
  for (let i = 2n; i < 65535n; i += 2n) await ipam.requestAddress(poolId, { family: 4, value: base + i });
  const stored = Buffer.from(ipam.snapshot().spaces[LOCAL_ADDRESS_SPACE]?.bitmaps[poolId] ?? "", "base64").length;
  return {
    name: "/16, every other address taken: stored",
    value: `${stored} B`,
    spread: "32,768 runs",
    target: "grows with runs, not size",
    verdict: "",
  };
}

function print(rows: readonly Row[]): void {
  printTable(`ipam: default allocator, medians of ${RUNS} runs after a warm-up (node ${process.version})`,
    ["case", "median", "min – max / detail", "target", "verdict"],
    rows.map((r) => [r.name, r.value, r.spread, r.target, r.verdict]));
}

export async function runIpamBench(): Promise<void> {
  const rows: Row[] = [
    await timed("/16: allocate 65,534 one by one + release all", 500, () => fillAndEmpty("10.0.0.0/16", 65534, "in-order")),
    await timed("/16: allocate 65,534 + release in random order (3 runs)", undefined,
      () => fillAndEmpty("10.0.0.0/16", 65534, "shuffled"), 3),
    await timed("/64: allocate 1,000", undefined, () => fillAndEmpty("fd00::/64", 1000, "none")),
    await fragmentedRow(),
    ...(await memoryRows()),
  ];
  print(rows);
}

if (isMain(import.meta.url)) await runIpamBench();
