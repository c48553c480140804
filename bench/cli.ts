// `npm run bench:cli`: wall time of one `dnet` command (a fresh process each time) next to the real
// docker CLI's same command against the same daemon: dnet's socket speaks the Docker API. The daemon runs
// inside a scratch network namespace; runs alternate between the two CLIs so the machine's drift hits both.
//   node dist/bench/cli.js [runs]        (DOCKER=/path/to/docker picks another docker binary)

import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DnetClient } from "../src/api/client.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const TRACE_HOOK = fileURLToPath(new URL("../src/testing/module-trace.js", import.meta.url));
const SRC = new URL("../src/", import.meta.url).href;
const WARMUP = 3;
const ONE_REQUEST = 'import { request } from "node:http"; request({ socketPath: process.argv[1], path: "/version", agent: false }, (r) => r.resume()).end();';
const TARGET_RATIO = 2;

interface Scratch { readonly tmp: string; readonly ns: string; readonly socket: string; readonly daemon: ChildProcess }

/** One command line of each CLI; `undefined` for docker when it is not there. */
interface Pair { readonly label: string; readonly dnet: readonly string[]; readonly docker: readonly string[] | undefined }

function quiet(cmd: string, args: readonly string[]): void {
  spawnSync(cmd, [...args], { stdio: "ignore" });
}

async function startDaemon(): Promise<Scratch> {
  const tmp = mkdtempSync(join(tmpdir(), "dnet-bench-cli-"));
  const ns = `dncli-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  const socket = join(tmp, "dnet.sock");
  // nsenter execs node in place, so the child's PID is the daemon's own.
  const daemon = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, MAIN, "daemon", "--socket", socket,
    "--data-dir", join(tmp, "data"), "--netns-dir", join(tmp, "netns"), "--log-level", "warn"], { stdio: "ignore" });
  const scratch = { tmp, ns, socket, daemon };
  const client = new DnetClient(`unix://${socket}`);
  try {
    for (let i = 0; ; i++) {
      try { await client.ping(); break; } catch (err) {
        if (i > 400 || daemon.exitCode !== null) throw new Error(`dnet daemon did not start: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // Something to list: three user networks besides host and none.
    for (let i = 0; i < 3; i++) await client.createNetwork({ Name: `bcli${i}`, IPAM: { Config: [{ Subnet: `10.247.${i}.0/24` }] } });
  } catch (err) {
    await stopDaemon(scratch);
    throw err;
  } finally {
    client.close();
  }
  return scratch;
}

/** Stops the daemon by its PID (SIGTERM, then SIGKILL), then removes its mounts, the netns and the temp dir. */
async function stopDaemon(s: Scratch): Promise<void> {
  const pid = s.daemon.pid;
  if (pid !== undefined && s.daemon.exitCode === null && s.daemon.signalCode === null) {
    const exited = new Promise((r) => s.daemon.once("exit", r));
    process.kill(pid, "SIGTERM");
    const timer = setTimeout(() => { try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ } }, 10_000);
    await exited;
    clearTimeout(timer);
  }
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p.startsWith(`${s.tmp}/`)).sort((a, b) => b.length - a.length);
  for (const p of mounts) quiet("umount", ["-l", p]);
  quiet("ip", ["netns", "del", s.ns]);
  rmSync(s.tmp, { recursive: true, force: true });
}

/** The docker binary and its version line, or why there is none. */
interface DockerCli { readonly bin: string; readonly version: string }

/**
 * Every distinct docker CLI to compare with: $DOCKER, or `docker` on PATH and Debian's /usr/bin/docker
 * when that is another binary (a machine may have a current docker and docker.io's 20.10 side by side).
 */
function findDockers(): { found: DockerCli[]; missing: string[] } {
  const wanted = process.env["DOCKER"] !== undefined ? [process.env["DOCKER"]] : ["docker", "/usr/bin/docker"];
  const found: DockerCli[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const bin of wanted) {
    const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
    if (r.error !== undefined || r.status !== 0) { missing.push(`${bin}: ${r.error?.message ?? r.stderr.trim()}`); continue; }
    const version = r.stdout.trim();
    if (seen.has(version)) continue;
    seen.add(version);
    found.push({ bin, version });
  }
  return { found, missing };
}

/** Wall time of one run, in ms, from spawn to exit; a failed run stops the bench. */
function timed(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.error !== undefined || r.status !== 0) throw new Error(`${argv.join(" ")} failed (${String(r.status)}): ${r.error?.message ?? r.stderr.trim()}`);
  return ms;
}

/** How many of dist/src's modules one dnet command loads (module-trace.ts's loader hook records them). */
function modulesLoaded(tmp: string, dnetArgs: readonly string[], env: NodeJS.ProcessEnv): number {
  const trace = join(tmp, `trace-${randomBytes(3).toString("hex")}`);
  timed([process.execPath, "--import", TRACE_HOOK, ...dnetArgs.slice(1)], { ...env, DNET_MODULE_TRACE: trace });
  return readFileSync(trace, "utf8").split("\n").filter((u) => u.startsWith(SRC)).length;
}

interface Samples { readonly dnet: number[]; readonly docker: number[] }

/** Runs every pair `runs` times, interleaved, alternating which CLI goes first. */
function measure(pairs: readonly Pair[], runs: number, env: NodeJS.ProcessEnv): Samples[] {
  const samples = pairs.map((): Samples => ({ dnet: [], docker: [] }));
  for (let i = -WARMUP; i < runs; i++) {
    pairs.forEach((p, k) => {
      const s = samples[k] as Samples;
      const order = i % 2 === 0 ? (["dnet", "docker"] as const) : (["docker", "dnet"] as const);
      for (const side of order) {
        const argv = side === "dnet" ? p.dnet : p.docker;
        if (argv === undefined) continue;
        const ms = timed(argv, env);
        if (i >= 0) s[side].push(ms);
      }
    });
  }
  return samples;
}

function report(pairs: readonly Pair[], samples: readonly Samples[], runs: number, dockerLabel: string): void {
  const rows = pairs.map((p, k) => {
    const s = samples[k] as Samples;
    const ratio = s.docker.length === 0 ? "n/a" : `${(median(s.dnet) / median(s.docker)).toFixed(2)}×`;
    const d = (v: number[]): [string, string] => (v.length === 0 ? ["n/a", "n/a"] : [fmtMs(median(v)), fmtMs(percentile(v, 90))]);
    return [p.label, ...d(s.dnet), ...d(s.docker), ratio];
  });
  printTable(`CLI wall time per command, fresh process each run (${runs} runs each, interleaved; docker = ${dockerLabel})`,
    ["command", "dnet median", "dnet p90", "docker median", "docker p90", "dnet/docker"], rows);
  console.log("");
  pairs.forEach((p, k) => {
    const s = samples[k] as Samples;
    if (s.docker.length === 0) return;
    const ratio = median(s.dnet) / median(s.docker);
    console.log(`${p.label}: dnet/docker ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×): ${ratio <= TARGET_RATIO ? "met" : "NOT met"}`);
  });
}

export async function runCliBench(runs = 30): Promise<void> {
  const dockers = findDockers();
  for (const m of dockers.missing) console.log(`docker CLI not usable (${m})`);
  // Node 20 reads NODE_EXTRA_CA_CERTS at every start, before any of dnet's code runs (~90 ms for Debian's
  // whole bundle on the bench VM). dnet talks over a unix socket and needs no CA: measure without it.
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (env["NODE_EXTRA_CA_CERTS"] !== undefined) console.log(`NODE_EXTRA_CA_CERTS (${env["NODE_EXTRA_CA_CERTS"]}) is unset for the runs: Node parses that file at every start`);
  delete env["NODE_EXTRA_CA_CERTS"];
  const s = await startDaemon();
  try {
    env["DOCKER_CONFIG"] = join(s.tmp, "docker-config");
    const host = `unix://${s.socket}`;
    const dnet = (...a: string[]): string[] => [process.execPath, MAIN, "-H", host, ...a];
    const pairs: Pair[] = dockers.found.flatMap((d) => [
      { label: `version, vs ${d.version}`, dnet: dnet("version"), docker: [d.bin, "-H", host, "version"] },
      { label: `network ls, vs ${d.version}`, dnet: dnet("network", "ls"), docker: [d.bin, "-H", host, "network", "ls"] },
    ]);
    // The floor under every dnet command: Node's own start, then that plus one request through node:http.
    pairs.push(
      { label: "floor: node -e 0", dnet: [process.execPath, "-e", "0"], docker: undefined },
      { label: "floor: node + one GET /version, no dnet code", dnet: [process.execPath, "--input-type=module", "-e", ONE_REQUEST, s.socket], docker: undefined },
    );
    console.log(`modules of dist/src loaded: dnet version ${modulesLoaded(s.tmp, dnet("version"), env)}, dnet network ls ${modulesLoaded(s.tmp, dnet("network", "ls"), env)}`);
    const samples = measure(pairs, runs, env);
    report(pairs, samples, runs, dockers.found.length === 0 ? "none" : dockers.found.map((d) => d.bin).join(", "));
  } finally {
    await stopDaemon(s);
  }
}

if (isMain(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 30);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`usage: node dist/bench/cli.js [runs] (got ${JSON.stringify(process.argv[2])})`);
  await runCliBench(runs);
}
