// Prometheus text exposition for `GET /metrics`: HTTP requests, operation counts and latency
// histograms, errors by kind, and gauges of the objects the controller holds.

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram { counts: number[]; sum: number; count: number }

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export type GaugeSource = () => Readonly<Record<string, number>>;

/** Counters of what the daemon refused or dropped to protect itself (always exposed, from 0). */
const COUNTERS = {
  connections_refused: "Connections refused at the connection limit.",
  event_subscribers_dropped: "Event subscribers dropped for falling behind the stream.",
  fd_exhaustion: "Failures for want of file descriptors (EMFILE/ENFILE), by where they happened.",
  repairs: "Kernel objects repaired after someone deleted or changed them (bridge, address, veth, firewall rules), by the object they belong to.",
  repair_failures: "Repairs that could not be made (tried again on the next change), by the object they belong to.",
  firewall_checks: "Drift checks of the firewall, by what started them: watch (an nftables commit not ours) or poll.",
  link_repair_runs: "Full checks of the drivers' links started by link events (each lists every link of the host's namespace).",
  link_events_dismissed: "Bursts of link events about links that were as they should be when asked again (no full check was run for them).",
  firewall_own_commits: "nftables commits the firewall watch recognised as the daemon's own (no check was run for them).",
} as const;

export type CounterName = keyof typeof COUNTERS;

export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #operations = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  readonly #counters = new Map<CounterName, Map<string, number>>();
  readonly #gauges: GaugeSource;
  /** Counters kept elsewhere, read when rendered. */
  readonly #pulled = new Map<CounterName, () => number>();
  readonly #started = Date.now();

  constructor(gauges: GaugeSource) {
    this.#gauges = gauges;
  }

  request(route: string, method: string, status: number): void {
    const key = labelText({ route, method, code: String(status) });
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  /** Counts one event; `value` labels it (under `label`): fd exhaustion with the place it hit, a repair with its object. */
  count(name: CounterName, value?: string, label = "where"): void {
    let m = this.#counters.get(name);
    if (m === undefined) this.#counters.set(name, (m = new Map()));
    const key = value === undefined ? "" : labelText({ [label]: value });
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  /** The counter `name` is kept by its owner: `read` gives its value whenever the metrics are rendered. */
  observe(name: CounterName, read: () => number): void {
    this.#pulled.set(name, read);
  }

  /** One finished operation (network_create, connect, …), its outcome and duration. */
  operation(op: string, seconds: number, errorKind?: string): void {
    const key = labelText({ operation: op, result: errorKind === undefined ? "ok" : "error" });
    this.#operations.set(key, (this.#operations.get(key) ?? 0) + 1);
    if (errorKind !== undefined) {
      const ek = labelText({ operation: op, kind: errorKind });
      this.#errors.set(ek, (this.#errors.get(ek) ?? 0) + 1);
    }
    const hk = labelText({ operation: op });
    let h = this.#latency.get(hk);
    if (h === undefined) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(hk, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) h.counts[i] = (h.counts[i] as number) + 1;
    h.sum += seconds;
    h.count += 1;
  }

  /** Times `fn` as operation `op`. */
  async time<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    const done = (kind?: string): void => this.operation(op, Number(process.hrtime.bigint() - t0) / 1e9, kind);
    try {
      const v = await fn();
      done();
      return v;
    } catch (err) {
      done(typeof (err as { kind?: unknown }).kind === "string" ? (err as { kind: string }).kind : "internal");
      throw err;
    }
  }

  render(): string {
    const out: string[] = [];
    const counter = (name: string, help: string, m: Map<string, number>): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of m) out.push(`${name}${k} ${v}`);
    };
    counter("dnet_http_requests_total", "HTTP requests by route, method and status code.", this.#requests);
    counter("dnet_operations_total", "Operations by name and result.", this.#operations);
    counter("dnet_errors_total", "Failed operations by name and error kind.", this.#errors);
    for (const [name, help] of Object.entries(COUNTERS) as Array<[CounterName, string]>) {
      const pulled = this.#pulled.get(name);
      const m = pulled === undefined ? this.#counters.get(name) : new Map([["", pulled()]]);
      counter(`dnet_${name}_total`, help, m === undefined || m.size === 0 ? new Map([["", 0]]) : m);
    }
    out.push("# HELP dnet_operation_duration_seconds Operation latency.", "# TYPE dnet_operation_duration_seconds histogram");
    for (const [k, h] of this.#latency) {
      const base = k.slice(1, -1);
      BUCKETS.forEach((b, i) => out.push(`dnet_operation_duration_seconds_bucket{${base},le="${b}"} ${h.counts[i] ?? 0}`));
      out.push(`dnet_operation_duration_seconds_bucket{${base},le="+Inf"} ${h.count}`);
      out.push(`dnet_operation_duration_seconds_sum${k} ${h.sum}`, `dnet_operation_duration_seconds_count${k} ${h.count}`);
    }
    for (const [name, v] of Object.entries(this.#gauges())) {
      out.push(`# HELP dnet_${name} Current number of ${name.replace(/_/g, " ")}.`, `# TYPE dnet_${name} gauge`, `dnet_${name} ${v}`);
    }
    out.push("# HELP dnet_uptime_seconds Seconds since the daemon started.", "# TYPE dnet_uptime_seconds gauge");
    out.push(`dnet_uptime_seconds ${(Date.now() - this.#started) / 1000}`);
    return `${out.join("\n")}\n`;
  }
}
