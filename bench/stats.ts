// Small statistics and table printing shared by the benchmarks.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(0)} ms`;
}

/** Prints a markdown table (so the output can be pasted into notes and reports as is). */
export function printTable(title: string, header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---").join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
}

/** True when this module file is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && metaUrl === new URL(`file://${process.argv[1]}`).href;
}

/**
 * Table cells of one measure for each build (shown by `show`), then the last build's figure ÷ the first's
 * when there are exactly two (this build against a baseline).
 */
export function perBuildColumns<B>(builds: readonly B[]): (f: (b: B) => number, show: (v: number) => string) => string[] {
  return (f, show) => [...builds.map((b) => show(f(b))),
    ...(builds.length === 2 ? [`${(f(builds[1] as B) / f(builds[0] as B)).toFixed(2)}`] : [])];
}
