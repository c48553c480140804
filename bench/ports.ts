// Published ports at scale (`npm run bench:ports`, root): on one running sandbox of a `dnet daemon` (its HTTP
// API, the daemon in a scratch netns), 1, 100, 1,000 and 10,000 ports as one range (one change) and as that
// many single ports (one change each), with the time per change, the total, and how the cost of a port
// grows (last 1,000 / first 1,000). Docker 20.10 in the same run, through its Engine API: it cannot add a
// port to a running container, so a container is created and started with that many ports, as far as
// Docker gets within BOUND_MS a step. Then bench/ports-network.ts: 1,000 sandboxes on one network, 10 single
// ports each (10,000 changes), Docker alongside. DNET_PORTS_ONLY=network runs only that part.

import { DnetClient } from "../src/api/client.js";
import type { PortBindingDto } from "../src/api/dto.js";
import { BOUND_MS, DnetDaemon, IMAGE, proxiesIn, timed, withScratchDocker } from "./ports-daemon.js";
import { runNetworkPorts } from "./ports-network.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const SIZES = [1, 100, 1000, 10_000] as const;
const RANGE_BASE = 10_000;
const SINGLE_BASE = 40_000;

const range = (n: number, base: number): PortBindingDto =>
  (n === 1 ? { Proto: "tcp", Port: base, HostPort: base } : { Proto: "tcp", Port: base, PortEnd: base + n - 1, HostPort: base, HostPortEnd: base + n - 1 });

/** A range of n ports as one change: add and remove, `rounds` times each (medians). */
async function dnetRanges(d: DnetDaemon, rounds: number): Promise<Map<number, { add: number; rm: number }>> {
  await d.sandbox("br");
  const out = new Map<number, { add: number; rm: number }>();
  for (const n of SIZES) {
    const add: number[] = [];
    const rm: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const b = range(n, RANGE_BASE);
      add.push(await timed(() => d.client.addSandboxPort("br", b)));
      rm.push(await timed(() => d.client.removeSandboxPort("br", b)));
    }
    out.set(n, { add: median(add), rm: median(rm) });
  }
  await d.client.removeSandbox("br", true);
  return out;
}

interface SinglesResult { readonly times: number[]; readonly total: number; readonly rmSandbox: number }

/** n single ports on a fresh sandbox, one change each; then the sandbox goes (with them). */
async function dnetSingles(d: DnetDaemon, n: number): Promise<SinglesResult> {
  const name = `bs${n}`;
  await d.sandbox(name);
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) times.push(await timed(() => d.client.addSandboxPort(name, { Proto: "tcp", Port: SINGLE_BASE + i, HostPort: SINGLE_BASE + i })));
  const total = performance.now() - t0;
  const rmSandbox = await timed(() => d.client.removeSandbox(name, true));
  return { times, total, rmSandbox };
}

const sum = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0);

async function runDnet(): Promise<void> {
  const d = new DnetDaemon();
  try {
    await d.start();
    const ranges = await dnetRanges(d, 5);
    printTable("dnet: one range of N ports onto the same ports, one change (HTTP API, median of 5)", ["N", "add", "remove", "per port (add)"],
      SIZES.map((n) => {
        const r = ranges.get(n) as { add: number; rm: number };
        return [String(n), fmtMs(r.add), fmtMs(r.rm), fmtMs(r.add / n)];
      }));
    const rows: string[][] = [];
    let flat: SinglesResult | undefined;
    for (const n of SIZES) {
      const s = await dnetSingles(d, n);
      rows.push([String(n), fmtMs(s.total), fmtMs(median(s.times)), fmtMs(percentile(s.times, 99)), fmtMs(s.rmSandbox)]);
      if (n === 10_000) flat = s;
    }
    printTable("dnet: N single ports, one change each on a running sandbox (HTTP API)", ["N", "total", "per change (median)", "p99", "sandbox rm with them"], rows);
    const big = ranges.get(10_000)?.add ?? Number.NaN;
    console.log(`\n10,000 ports in one range: ${fmtMs(big)} (target ≤ 50 ms): ${big <= 50 ? "met" : "NOT met"}`);
    if (flat !== undefined) {
      const first = sum(flat.times.slice(0, 1000));
      const last = sum(flat.times.slice(-1000));
      const ratio = last / first;
      console.log(`10,000 single ports: first 1,000 changes ${fmtMs(first)}, last 1,000 ${fmtMs(last)}: ratio ${ratio.toFixed(2)} (target ≤ 1.2): ${ratio <= 1.2 ? "met" : "NOT met"}`);
    }
  } finally {
    await d.stop();
  }
}

/** Docker: a container created and started with n published ports (Docker's `-p a-b:a-b`); its time, or undefined past BOUND_MS. */
async function dockerStart(api: DnetClient, n: number): Promise<number | undefined> {
  const ports = Array.from({ length: n }, (_, i) => `${RANGE_BASE + i}/tcp`);
  const body = {
    Image: IMAGE, Cmd: ["sleep", "1000000"], ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])),
    HostConfig: { PortBindings: Object.fromEntries(ports.map((p) => [p, [{ HostPort: p.split("/")[0] }]])) },
  };
  const work = (async (): Promise<number> => {
    const t0 = performance.now();
    const created = await api.raw("POST", `/containers/create?name=dp${n}`, body);
    if (created.status !== 201) throw new Error(`docker create with ${n} ports: ${created.status} ${created.text}`);
    const started = await api.raw("POST", `/containers/dp${n}/start`);
    if (started.status !== 204) throw new Error(`docker start with ${n} ports: ${started.status} ${started.text}`);
    return performance.now() - t0;
  })();
  const timer = new Promise<undefined>((r) => setTimeout(() => r(undefined), BOUND_MS).unref());
  return Promise.race([work, timer]);
}

async function runDocker(): Promise<void> {
  await withScratchDocker("dnbpd", async (h, ns, version) => {
    const rows: string[][] = [];
    const api = new DnetClient(`unix://${h.socket}`);
    const base = await dockerStart(api, 0);
    await api.raw("DELETE", "/containers/dp0?force=1");
    for (const n of SIZES) {
      const t = await dockerStart(api, n);
      if (t === undefined) {
        rows.push([String(n), `not done after ${BOUND_MS / 1000} s`, "-", `${proxiesIn(ns).length} docker-proxy processes by then`]);
        break;
      }
      const rm = await timed(() => api.raw("DELETE", `/containers/dp${n}?force=1`));
      // Below the noise of a container's start (≈1 s here) the difference per port means nothing.
      const over = t - (base ?? 0);
      rows.push([String(n), fmtMs(t), fmtMs(rm), over > 0 ? fmtMs(over / n) : "(within the noise)"]);
    }
    api.close();
    printTable(`Docker ${version} (Engine API): a container created and started with N published ports (it cannot add one to a running container); empty container: ${fmtMs(base ?? Number.NaN)}`,
      ["N", "create + start", "rm -f", "per port over the empty one"], rows);
  });
}

export async function runPortsBench(): Promise<void> {
  console.log(`# published ports at scale — ${new Date().toISOString()}, node ${process.version}`);
  if (process.env["DNET_PORTS_ONLY"] !== "network") {
    await runDnet();
    await runDocker();
  }
  await runNetworkPorts();
}

if (isMain(import.meta.url)) await runPortsBench();
