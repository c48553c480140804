// The 4,000-sandbox part of `npm run bench:scale`: one /16 bridge network holding 4,000 sandboxes, past the
// kernel's 1,024 ports per bridge where Docker's networks stop (moby #44973): with the default 256 ports per
// bridge, and with 1,000 (the fewest bridges the kernel allows) as the in-run baseline. Median attach per
// block of 500 attaches, growth (last 100 / first 100) and the total.

import { fmtMs, printTable } from "./stats.js";

/** One library run of bench/scale.ts: attach times of `count` sandboxes on one network. */
export interface AttachResult { total: number; first: number; last: number; p99: number; /** Median attach per block of 500 attaches. */ blocks: number[] }

export const WIDE = 4000;
const TARGET_GROWTH = 1.3;
const PER_BRIDGE = "dnet.bridge.ports_per_bridge";

type Run = (count: number, options: Record<string, string>) => Promise<AttachResult>;

export async function runWideBench(run: Run): Promise<void> {
  const variants = [
    { label: "256 ports per bridge (default)", options: {} },
    { label: "1,000 ports per bridge (baseline)", options: { [PER_BRIDGE]: "1000" } },
  ];
  const results: AttachResult[] = [];
  for (const v of variants) results.push(await run(WIDE, v.options));
  const [mine, base] = results as [AttachResult, AttachResult];
  const growth = (r: AttachResult): number => r.last / r.first;
  const blocks = mine.blocks.map((_, i) => [
    `median attach, attaches ${i * 500 + 1}–${(i + 1) * 500}`, fmtMs(mine.blocks[i] ?? Number.NaN), fmtMs(base.blocks[i] ?? Number.NaN),
    ((mine.blocks[i] ?? Number.NaN) / (base.blocks[i] ?? Number.NaN)).toFixed(2), "",
  ]);
  printTable(`scale: ${WIDE} sandboxes on one /16 bridge network (library, nftables; one run each)`,
    ["measure", variants[0]?.label ?? "", variants[1]?.label ?? "", "default / baseline", "target (default)"], [
      [`total of ${WIDE} attaches`, fmtMs(mine.total), fmtMs(base.total), (mine.total / base.total).toFixed(2), ""],
      ...blocks,
      ["growth (last 100 / first 100)", `${growth(mine).toFixed(2)}×`, `${growth(base).toFixed(2)}×`, "",
        `≤ ${TARGET_GROWTH}× (${growth(mine) <= TARGET_GROWTH ? "met" : "NOT met"})`],
      ["p99 attach", fmtMs(mine.p99), fmtMs(base.p99), (mine.p99 / base.p99).toFixed(2), ""],
    ]);
}
