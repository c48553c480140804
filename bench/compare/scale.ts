// Scale workload: N sandboxes attached one after another to one network, the peers interleaved per
// attach (A₁ B₁ C₁ A₂ B₂ C₂ …); total, first-100 vs last-100 medians (the per-attach trend), the
// control planes' RSS while N endpoints exist; then everything detached again (interleaved, total).

import { performance } from "node:perf_hooks";
import { median, percentile } from "../stats.js";
import type { Peer } from "./peer.js";
import type { Row, Section } from "./results.js";

export interface ScaleResult { readonly sections: Section[]; readonly rss: Row[] }

type Series = Map<string, number[]>;

async function forEachInterleaved(peers: readonly Peer[], n: number, op: (p: Peer, k: number) => Promise<void>, into: Series): Promise<void> {
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < peers.length; j++) {
      const p = peers[(j + k) % peers.length] as Peer;
      const t0 = performance.now();
      await op(p, k);
      into.get(p.name)?.push(performance.now() - t0);
    }
  }
}

export async function scale(peers: readonly Peer[], n: number, memoryNote: (p: Peer) => string | undefined): Promise<ScaleResult> {
  for (const p of peers) await p.ensureSlots(n);
  const attach: Series = new Map(peers.map((p) => [p.name, []]));
  const detach: Series = new Map(peers.map((p) => [p.name, []]));
  let rss: Row[] = [];
  try {
    await forEachInterleaved(peers, n, (p, k) => p.attach(k), attach);
    rss = peers.filter((p) => p.rssKiB !== undefined).map((p) => {
      const note = memoryNote(p);
      return { peer: p.name, n: 1, median: (p.rssKiB as () => number)() / 1024, ...(note === undefined ? {} : { note }) };
    });
  } finally {
    // Detach whatever each peer got attached (all of it on success), still interleaved.
    const done = new Map(peers.map((p) => [p.name, attach.get(p.name)?.length ?? 0]));
    await forEachInterleaved(peers, n, async (p, k) => { if (k < (done.get(p.name) ?? 0)) await p.detach(k); }, detach);
  }
  return { sections: summarize(n, attach, detach), rss };
}

function summarize(n: number, attach: Series, detach: Series): Section[] {
  const sum = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0);
  const head = Math.min(100, Math.floor(n / 2));
  const rows = (s: Series, f: (v: number[]) => Omit<Row, "peer">): Row[] => [...s].map(([peer, v]) => ({ peer, ...f(v) }));
  const count = n.toLocaleString("en-US");
  return [
    { id: `scale${n}-total`, title: `${count} sandboxes attached to one network: total`, unit: "ms",
      rows: rows(attach, (v) => ({ n: v.length, median: sum(v) })),
      notes: ["One attach after another, the peers interleaved per attach; the sandboxes exist beforehand (not timed)."] },
    { id: `scale${n}-each`, title: `${count} sandboxes: each attach`, unit: "ms",
      rows: rows(attach, (v) => ({ n: v.length, median: median(v), p99: percentile(v, 99) })) },
    { id: `scale${n}-trend`, title: `${count} sandboxes: median attach of the last ${head} (trend vs the first ${head})`, unit: "ms",
      rows: rows(attach, (v) => {
        const first = median(v.slice(0, head)), last = median(v.slice(-head));
        return { n: head, median: last, note: `first ${head}: ${first.toFixed(2)} ms, ×${(last / first).toFixed(2)}` };
      }) },
    { id: `scale${n}-detach`, title: `${count} sandboxes: detaching them all again, total`, unit: "ms",
      rows: rows(detach, (v) => ({ n: v.length, median: sum(v) })) },
  ];
}
