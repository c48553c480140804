// bench:ports' network workload: 1,000 sandboxes on one network of a `dnet daemon`, each publishing 10 single
// ports on its running sandbox, one change each (10,000 changes, 10,000 host ports on one bridge network;
// 10,000 sandboxes would pass this machine's limit of 20,000 open files, see bench/scale.ts). Printed: time per change
// (median, p99), the total, and the growth (median of the last 1,000 changes / the first 1,000; target ≤ 1.2).
// Docker 20.10 alongside: it cannot add a port to a running container, so containers with 10 published
// ports each are created and started on one user network, one after another, for at most BOUND_MS in all
// (1,000 of them, 10,000 docker-proxy processes, would take far longer); it prints how far it got.

import { DnetClient } from "../src/api/client.js";
import { BOUND_MS, DnetDaemon, IMAGE, proxiesIn, timed, withScratchDocker } from "./ports-daemon.js";
import { fmtMs, median, percentile, printTable } from "./stats.js";

const SANDBOXES = 1000;
const PER_SANDBOX = 10;
const HOST_BASE = 20_000;
const CONTAINER_PORT = 8000;
const GROWTH_WINDOW = 1000;

const hostPort = (sandbox: number, j: number): number => HOST_BASE + sandbox * PER_SANDBOX + j;

async function runDnetNetwork(): Promise<void> {
  const d = new DnetDaemon();
  try {
    await d.start("10.93.0.0/20");
    const setup = await timed(async () => { for (let s = 0; s < SANDBOXES; s++) await d.sandbox(`ns${s}`); });
    const times: number[] = [];
    const t0 = performance.now();
    for (let s = 0; s < SANDBOXES; s++) {
      for (let j = 0; j < PER_SANDBOX; j++) {
        const b = { Proto: "tcp" as const, Port: CONTAINER_PORT + j, HostPort: hostPort(s, j) };
        times.push(await timed(() => d.client.addSandboxPort(`ns${s}`, b)));
      }
    }
    const total = performance.now() - t0;
    printTable(`dnet: ${SANDBOXES.toLocaleString("en-US")} sandboxes on one network, ${PER_SANDBOX} single ports each, one change per port (HTTP API)`,
      ["changes", "total", "per change (median)", "p99", "1,000 sandboxes created (not counted)"],
      [[times.length.toLocaleString("en-US"), fmtMs(total), fmtMs(median(times)), fmtMs(percentile(times, 99)), fmtMs(setup)]]);
    const first = median(times.slice(0, GROWTH_WINDOW));
    const last = median(times.slice(-GROWTH_WINDOW));
    const ratio = last / first;
    console.log(`growth per port: median of the last 1,000 changes ${fmtMs(last)} / first 1,000 ${fmtMs(first)} = ${ratio.toFixed(2)} (target ≤ 1.2): ${ratio <= 1.2 ? "met" : "NOT met"}`);
  } finally {
    await d.stop();
  }
}

/** One container on `net` with `n` published ports (hosts ports from `firstHostPort`), created and started: its time. */
async function dockerRun(api: DnetClient, name: string, net: string, n: number, firstHostPort: number): Promise<number> {
  const ports = Array.from({ length: n }, (_, j) => `${CONTAINER_PORT + j}/tcp`);
  const body = {
    Image: IMAGE, Cmd: ["sleep", "1000000"], ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])),
    HostConfig: { NetworkMode: net, PortBindings: Object.fromEntries(ports.map((p, j) => [p, [{ HostPort: String(firstHostPort + j) }]])) },
  };
  const t0 = performance.now();
  const created = await api.raw("POST", `/containers/create?name=${name}`, body);
  if (created.status !== 201) throw new Error(`docker create ${name}: ${created.status} ${created.text}`);
  const started = await api.raw("POST", `/containers/${name}/start`);
  if (started.status !== 204) throw new Error(`docker start ${name}: ${started.status} ${started.text}`);
  return performance.now() - t0;
}

/** Containers with PER_SANDBOX ports each, one after another, until SANDBOXES or BOUND_MS in all. */
async function dockerContainers(api: DnetClient): Promise<{ times: number[]; empty: number[]; total: number }> {
  const empty: number[] = [];
  for (let i = 0; i < 3; i++) empty.push(await dockerRun(api, `dq${i}`, "bpn", 0, 0));
  const times: number[] = [];
  const t0 = performance.now();
  for (let s = 0; s < SANDBOXES && performance.now() - t0 < BOUND_MS; s++) times.push(await dockerRun(api, `dn${s}`, "bpn", PER_SANDBOX, hostPort(s, 0)));
  return { times, empty, total: performance.now() - t0 };
}

async function runDockerNetwork(): Promise<void> {
  await withScratchDocker("dnbpn", async (h, ns, version) => {
    h.docker(["network", "create", "--subnet", "10.95.0.0/16", "bpn"]);
    const api = new DnetClient(`unix://${h.socket}`);
    const r = await dockerContainers(api).finally(() => api.close());
    const n = r.times.length;
    const tenth = Math.max(1, Math.floor(n / 10));
    const growth = median(r.times.slice(-tenth)) / median(r.times.slice(0, tenth));
    printTable(`Docker ${version} (Engine API): containers on one user network, ${PER_SANDBOX} published ports each, created and started one after another for at most ${BOUND_MS / 1000} s`,
      ["containers (ports)", "total", "per container (median)", "p99", "per port over an empty container", "growth (last / first tenth)"],
      [[`${n} (${(n * PER_SANDBOX).toLocaleString("en-US")})`, fmtMs(r.total), fmtMs(median(r.times)), fmtMs(percentile(r.times, 99)),
        fmtMs((median(r.times) - median(r.empty)) / PER_SANDBOX), growth.toFixed(2)]]);
    console.log(`Docker reached ${n} of ${SANDBOXES} containers (${(n * PER_SANDBOX).toLocaleString("en-US")} of ${(SANDBOXES * PER_SANDBOX).toLocaleString("en-US")} ports); empty container on that network: ${fmtMs(median(r.empty))}; ${proxiesIn(ns).length} docker-proxy processes by then`);
    // Many containers on vfs take longer than the harness's 30 s budget for `docker rm -f`.
    const ids = (h.tryDocker(["ps", "-aq"], 30_000) ?? "").split("\n").filter(Boolean);
    if (ids.length > 0) h.tryDocker(["rm", "-f", ...ids], 600_000);
  });
}

export async function runNetworkPorts(): Promise<void> {
  await runDnetNetwork();
  await runDockerNetwork();
}
