// Preloaded into a daemon under bench:scale (`node --import`): every thread (main and each worker) writes its
// V8 heap figures to a file of its own, so the bench can say which thread's heap holds the memory.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";
import { threadId } from "node:worker_threads";

export const HEAP_PROBE_DIR = "DNET_HEAP_PROBE_DIR";

/** One thread's heap, in bytes: committed by V8, in use, the young generation's part of it, and external. */
export interface ThreadHeap { readonly threadId: number; readonly total: number; readonly used: number; readonly young: number; readonly external: number }

function write(dir: string): void {
  const h = getHeapStatistics();
  const young = getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
  const out: ThreadHeap = { threadId, total: h.total_heap_size, used: h.used_heap_size, young, external: h.external_memory };
  writeFileSync(join(dir, `${process.pid}-${threadId}.json`), JSON.stringify(out));
}

const dir = process.env[HEAP_PROBE_DIR];
if (dir !== undefined) setInterval(() => write(dir), 250).unref();
