// The data a comparison run produces (written as JSON by the measuring process, rendered by report.ts).

export interface Row {
  readonly peer: string;
  readonly n: number;
  /** Latency rows: milliseconds; throughput rows: queries/s; memory rows: MiB. */
  readonly median: number;
  readonly p99?: number;
  readonly note?: string;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly unit: "ms" | "q/s" | "MiB";
  /** Throughput: a ratio above 1× is better than dnet (the ratio is always peer ÷ dnet). */
  readonly higherIsBetter?: boolean;
  readonly rows: Row[];
  readonly notes?: string[];
}

export interface Results {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Record<string, string>;
  readonly versions: Record<string, string>;
  readonly sections: Section[];
  readonly skipped: string[];
  leaks?: string;
}
