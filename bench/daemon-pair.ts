// `npm run bench:daemon-pair -- <dist A> <dist B> [NODE_OPTIONS for B] [standing endpoints] [cycles]`: two
// daemons side by side, each in a scratch netns with STANDING endpoints on one network, and connect +
// disconnect cycles through the HTTP API alternating between them, so machine load hits both alike (unlike
// bench:pair, each side is a process of its own: what it compares is how the daemon process is started,
// e.g. V8 flags in NODE_OPTIONS, as well as two builds). Prints the medians, p99 and RSS of both.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { DnetClient } from "../src/api/client.js";
import { addNetns, delNetns, scratchName } from "./compare/peer.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const NOT_COUNTED = 50;

interface Side { readonly label: string; readonly ns: string; readonly tmp: string; readonly proc: ChildProcess; readonly client: DnetClient; readonly samples: number[] }

async function startDaemon(label: string, dist: string, nodeOptions: string): Promise<Side> {
  const ns = scratchName("dpair");
  const tmp = mkdtempSync(join(tmpdir(), "dnet-daemon-pair-"));
  addNetns(ns);
  writeFileSync(join(tmp, "resolv.conf"), "nameserver 127.0.0.1\n");
  const proc = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, join(resolve(dist), "src", "cli", "main.js"), "daemon",
    "--socket", join(tmp, "dnet.sock"), "--data-dir", join(tmp, "data"), "--netns-dir", join(tmp, "netns"), "--dns", "127.0.0.1", "--log-level", "warn"],
  { stdio: "ignore", env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  const side: Side = { label, ns, tmp, proc, client: new DnetClient(`unix://${join(tmp, "dnet.sock")}`), samples: [] };
  for (let i = 0; ; i++) {
    try { await side.client.ping(); return side; } catch {
      if (i > 400 || proc.exitCode !== null) { await stopDaemon(side); throw new Error(`daemon ${label} did not start`); }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function stopDaemon(s: Side): Promise<void> {
  s.client.close();
  const exited = new Promise((r) => s.proc.once("exit", r));
  if (s.proc.exitCode === null) { s.proc.kill("SIGKILL"); await exited; }
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m.startsWith(`${s.tmp}/`)).sort((a, b) => b.length - a.length);
  for (const m of mounts) { try { execFileSync("umount", ["-l", m], { stdio: "ignore" }); } catch { /* gone */ } }
  delNetns(s.ns, []);
  rmSync(s.tmp, { recursive: true, force: true });
}

const rssOf = (s: Side): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.proc.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

async function cycles(sides: readonly [Side, Side], standing: number, count: number): Promise<void> {
  for (const [i, s] of sides.entries()) await s.client.createNetwork({ Name: "pair", IPAM: { Config: [{ Subnet: `10.${94 + i}.0.0/16` }] } });
  for (let n = 0; n < standing; n++) {
    for (const s of sides) { await s.client.createSandbox({ Name: `s${n}` }); await s.client.connect("pair", { Container: `s${n}` }); }
  }
  for (const s of sides) await s.client.createSandbox({ Name: "cycle" });
  for (let i = 0; i < count; i++) {
    for (const s of i % 2 === 0 ? sides : [...sides].reverse()) {
      const t = performance.now();
      await s.client.connect("pair", { Container: "cycle" });
      await s.client.disconnect("pair", { Container: "cycle" });
      if (i >= NOT_COUNTED) s.samples.push(performance.now() - t);
    }
  }
}

export async function runDaemonPair(distA: string, distB: string, optionsB: string, standing: number, count: number): Promise<void> {
  const a = await startDaemon(`A: ${distA}`, distA, "");
  try {
    const b = await startDaemon(`B: ${distB}${optionsB === "" ? "" : ` with NODE_OPTIONS=${optionsB}`}`, distB, optionsB);
    try {
      await cycles([a, b], standing, count);
      const row = (s: Side): string[] => [s.label, fmtMs(median(s.samples)), fmtMs(percentile(s.samples, 99)), `${rssOf(s).toFixed(1)} MiB`];
      printTable(`daemon pair: connect + disconnect through the HTTP API, ${count - NOT_COUNTED} cycles each, alternating, ${standing} endpoints standing`,
        ["daemon", "median", "p99", "RSS"], [row(a), row(b), ["B / A", (median(b.samples) / median(a.samples)).toFixed(3), "", (rssOf(b) / rssOf(a)).toFixed(2)]]);
    } finally {
      await stopDaemon(b);
    }
  } finally {
    await stopDaemon(a);
  }
}

if (isMain(import.meta.url)) {
  const [distA, distB, optionsB = "", standing = "300", count = "400"] = process.argv.slice(2);
  if (distA === undefined || distB === undefined || process.getuid?.() !== 0) {
    console.error("usage (root): node dist/bench/daemon-pair.js <dist A> <dist B> [NODE_OPTIONS for B] [standing endpoints, 300] [cycles, 400]");
    process.exit(2);
  }
  await runDaemonPair(distA, distB, optionsB, Number(standing), Number(count));
}
