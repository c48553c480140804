// Controller benchmark: per-step medians of the CNM lifecycle for 1,000 endpoints with a null-like driver
// (so what is measured is the controller's own cost: records and store writes, locks, IPAM, the sandbox's
// netns and files), and the restart time with 1,000 joined endpoints in the store (target ≤ 2 s).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type {
  Capability, CreateEndpointResult, CreateNetworkRequest, JoinInfo, NetworkDriver,
} from "../src/driver-api/index.js";
import { Controller, type Endpoint, type Sandbox } from "../src/index.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

export interface ControllerBenchOptions {
  /** Endpoints (and sandboxes) per run (default 1000). */
  readonly endpoints?: number;
  /** Restarts to time (default 3; the median is reported). */
  readonly restarts?: number;
  /** Parent directory of the scratch directories (default os.tmpdir()). */
  readonly dir?: string;
}

const RESTART_TARGET_MS = 2000;

/** Does nothing and creates no interface (declared: the controller then configures none). */
class NullLikeDriver implements NetworkDriver {
  readonly name = "benchnull";
  capability(): Capability { return { dataScope: "local", connectivityScope: "local", noInterface: true }; }
  async createNetwork(_req: CreateNetworkRequest): Promise<void> {}
  async deleteNetwork(): Promise<void> {}
  async createEndpoint(): Promise<CreateEndpointResult> { return {}; }
  async deleteEndpoint(): Promise<void> {}
  async join(): Promise<JoinInfo> {
    return { staticRoutes: [], disableGatewayService: false };
  }
  async leave(): Promise<void> {}
}

async function timeEach<T>(items: readonly T[], fn: (item: T, i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (const [i, item] of items.entries()) {
    const start = performance.now();
    await fn(item, i);
    samples.push(performance.now() - start);
  }
  return samples;
}

const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function row(step: string, samples: readonly number[]): string[] {
  const total = samples.reduce((a, b) => a + b, 0);
  return [step, String(samples.length), fmtMs(median(samples)), fmtMs(percentile(samples, 99)), fmtMs(total)];
}

/** Runs the lifecycle in phases (all sandboxes, all endpoints, all joins, restart, all leaves, …) and prints two tables. */
export async function runControllerBench(options: ControllerBenchOptions = {}): Promise<void> {
  const n = options.endpoints ?? 1000;
  const root = mkdtempSync(join(options.dir ?? tmpdir(), "dnet-controller-bench-"));
  const netnsDir = join(root, "netns");
  writeFileSync(join(root, "resolv.conf"), "nameserver 192.0.2.53\n");
  const open = (): Promise<Controller> => Controller.create({
    dataDir: join(root, "data"), netnsDir, etcNetnsDir: join(root, "etc"), hostResolvConf: join(root, "resolv.conf"),
    firewall: "none", drivers: () => [new NullLikeDriver()],
  });
  let c = await open();
  try {
    const net = await c.createNetwork({ name: "bench", driver: "benchnull", ipam: { config: [{ subnet: "10.233.0.0/21" }] } });
    const sandboxes: Sandbox[] = [];
    const endpoints: Endpoint[] = [];
    const rows: string[][] = [];
    rows.push(row("sandbox create", await timeEach(indices(n), async (i) => { sandboxes.push(await c.createSandbox({ containerId: `bench${i}` })); })));
    rows.push(row("endpoint create", await timeEach(indices(n), async (i) => { endpoints.push(await net.createEndpoint({ name: `ep${i}` })); })));
    rows.push(row("join", await timeEach(endpoints, (ep, i) => ep.join(sandboxes[i] as Sandbox))));

    const restarts: number[] = [];
    for (let r = 0; r < (options.restarts ?? 3); r++) {
      await c.close();
      const start = performance.now();
      c = await open();
      restarts.push(performance.now() - start);
      const report = c.restoreReport;
      if (report !== undefined && report.rolledBack.length + report.finished.length + report.repaired.length + report.errors.length > 0) {
        throw new Error(`restart had work to do: ${JSON.stringify(report)}`);
      }
    }

    const eps = c.network("bench").endpoints();
    const sbs = new Map(c.sandboxes().map((s) => [s.id, s]));
    rows.push(row("leave", await timeEach(eps, (ep) => ep.leave(sbs.get(ep.info().sandboxId ?? "") as Sandbox))));
    rows.push(row("endpoint delete", await timeEach(eps, (ep) => ep.delete())));
    rows.push(row("sandbox delete", await timeEach([...sbs.values()], (sb) => sb.delete())));
    await c.network("bench").delete();

    printTable(`controller: ${n} endpoints, null-like driver, SQLite store (each step run ${n} times, one after another)`,
      ["step", "n", "median", "p99", "total"], rows);
    const restart = median(restarts);
    printTable(`controller restart with ${n} endpoints joined to ${n} sandboxes in the store`,
      ["measure", "runs", "median", "max", "target", "verdict"],
      [["Controller.create (load + restore)", String(restarts.length), fmtMs(restart), fmtMs(Math.max(...restarts)),
        fmtMs(RESTART_TARGET_MS), restart <= RESTART_TARGET_MS ? "ok" : "over target"]]);
  } finally {
    await c.close();
    try { execFileSync("umount", ["-l", netnsDir], { stdio: "ignore" }); } catch { /* never created */ }
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await runControllerBench();
