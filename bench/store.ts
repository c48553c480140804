// Store benchmark: median latency of put, get and a controller-shaped transaction on the SQLite store.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { MemoryStore, openSqliteStore, type KVStore } from "../src/store/index.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

export interface StoreBenchOptions {
  /** Operations per measurement (default 1000). */
  readonly ops?: number;
  /** Parent directory of the scratch data directory (default os.tmpdir()); put it on the disk you care about. */
  readonly dir?: string;
}

interface Timings {
  readonly put: number[];
  readonly get: number[];
  readonly txn: number[];
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

// Roughly the size of a persisted endpoint record.
function record(i: number): string {
  return JSON.stringify({ id: `ep${i}`.padEnd(64, "0"), name: `endpoint-${i}`, addr: `172.18.${i >> 8}.${i & 255}/16`, mac: "02:42:ac:12:00:02", labels: { "com.docker.network.endpoint.exposedports": "" } });
}

async function measure(store: KVStore, n: number): Promise<Timings> {
  const put = await timeEach(n, (i) => store.put(`bench/endpoint/${i}`, record(i)));
  const get = await timeEach(n, (i) => store.get(`bench/endpoint/${(i * 7919) % n}`));
  // The controller's "persist intent + endpoint + counter" step, with compare-and-swap on each.
  let counter = await store.put("bench/endpoint_count/n1", JSON.stringify({ Count: 0 }));
  const txn = await timeEach(n, async (i) => {
    const { revision } = await store.transaction([
      { op: "put", key: `bench/intent/ep${i}`, value: JSON.stringify({ op: "create", ep: i }), expectRevision: "absent" },
      { op: "put", key: `bench/ep/n1/ep${i}`, value: record(i), expectRevision: "absent" },
      { op: "put", key: "bench/endpoint_count/n1", value: JSON.stringify({ Count: i + 1 }), expectRevision: counter },
    ]);
    counter = revision;
  });
  return { put, get, txn };
}

function rows(sqlite: Timings, memory: Timings, n: number): string[][] {
  return (["put", "get", "txn"] as const).map((op) => {
    const med = median(sqlite[op]);
    const mem = median(memory[op]);
    const label = op === "txn" ? "transaction (3 CAS puts)" : op;
    return [label, String(n), fmtMs(med), fmtMs(percentile(sqlite[op], 99)), String(Math.round(1000 / med)), fmtMs(mem), `${(med / mem).toFixed(0)}x`];
  });
}

/** Runs the benchmark on a scratch SQLite store (removed afterwards) and prints a table of medians. */
export async function runStoreBench(options: StoreBenchOptions = {}): Promise<void> {
  const n = options.ops ?? 1000;
  const scratch = await mkdtemp(join(options.dir ?? tmpdir(), "dnet-store-bench-"));
  try {
    const sqlite = await openSqliteStore({ dataDir: join(scratch, "data") });
    let sqliteTimings: Timings;
    try {
      sqliteTimings = await measure(sqlite, n);
    } finally {
      await sqlite.close();
    }
    const memory = new MemoryStore();
    const memoryTimings = await measure(memory, n);
    await memory.close();
    const header = ["op", "n", "sqlite median", "sqlite p99", "sqlite ops/s", "memory median", "sqlite/memory"];
    printTable(`store: ${sqlite.file} (WAL, synchronous=FULL: one fsync per write)`, header, rows(sqliteTimings, memoryTimings, n));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await runStoreBench();
