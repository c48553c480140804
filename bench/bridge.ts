// Bridge driver benchmark, end to end through the library (SQLite store, nftables firewall, real veths):
// attach (create endpoint + join) and detach (leave + delete endpoint) on one bridge network, without and
// with one published port, interleaved, judged in steady state (after V8 has compiled the path); then
// 1,000 sandboxes attached to one /16 network (total, and whether per-attach time grows: median of the
// first 100 against the last 100).
//
// The controller's "host" is the netns of the process, so the measuring part runs inside a scratch netns
// that plays the host: `runBridgeBench()` creates one, re-executes this file under `ip netns exec`, and
// deletes it afterwards (the bridge, veths, nft table and sysctls all live and die there).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { Controller, type Network, type Sandbox } from "../src/index.js";
import { rerunInScratchNetns } from "./scratch-netns.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const INSIDE = "DNET_BRIDGE_BENCH_INSIDE";
const ITERATIONS = 200;
const WARMUP = 20;
/**
 * V8 keeps compiling the attach path for hundreds of cycles (434 optimisations in a 420-cycle run; the
 * median of cycles 21–220 sits ~0.2–0.3 ms above later ones). The target is judged on the steady state
 * a long-running daemon is in: the 200 cycles after those. The early ones are shown too.
 */
const EARLY = 200;
const MANY = 1000;
const TARGET = { attach: 1.5, detach: 3, many: 3000 } as const;

export interface Samples { attach: number[]; detach: number[] }

const verdict = (value: number, target: number): string => (value <= target ? "ok" : "MISSED");

/** One attach (create endpoint + join) and detach (leave + delete endpoint), timed into `into` when given. */
export async function cycle(net: Network, sb: Sandbox, name: string, port: boolean, into?: Samples): Promise<void> {
  const t0 = performance.now();
  const ep = await net.createEndpoint({ name, ...(port ? { portBindings: [{ proto: "tcp" as const, port: 80, hostPort: 8080 }] } : {}) });
  await ep.join(sb);
  const t1 = performance.now();
  await ep.leave(sb);
  await ep.delete();
  const t2 = performance.now();
  into?.attach.push(t1 - t0);
  into?.detach.push(t2 - t1);
}

/** ~200 attach/detach cycles per variant, the two variants interleaved so machine noise hits both. */
async function attachDetach(c: Controller): Promise<void> {
  const net = await c.createNetwork({ name: "bench-ad", driver: "bridge", ipam: { config: [{ subnet: "10.250.0.0/24" }] } });
  const sandboxes: Sandbox[] = [];
  for (let i = 0; i < 10; i++) sandboxes.push(await c.createSandbox({ containerId: `ad${i}` }));
  const early: Samples = { attach: [], detach: [] };
  const earlyPublished: Samples = { attach: [], detach: [] };
  const plain: Samples = { attach: [], detach: [] };
  const published: Samples = { attach: [], detach: [] };
  for (let i = 0; i < WARMUP + EARLY + ITERATIONS; i++) {
    const sb = sandboxes[i % sandboxes.length] as Sandbox;
    const steady = i >= WARMUP + EARLY;
    const measure = i >= WARMUP;
    await cycle(net, sb, `p${i}`, false, steady ? plain : measure ? early : undefined);
    await cycle(net, sb, `q${i}`, true, steady ? published : measure ? earlyPublished : undefined);
  }
  for (const sb of sandboxes) await sb.delete();
  await net.delete();
  const row = (what: string, s: number[], target: number): string[] =>
    [what, String(s.length), fmtMs(median(s)), fmtMs(percentile(s, 99)), `≤ ${fmtMs(target)}`, verdict(median(s), target)];
  const info = (what: string, s: number[]): string[] => [what, String(s.length), fmtMs(median(s)), fmtMs(percentile(s, 99)), "", "(not judged)"];
  const from = WARMUP + EARLY + 1;
  printTable(`bridge: attach (create endpoint + join) and detach (leave + delete endpoint), ${ITERATIONS} each, interleaved, ` +
    `steady state (cycles ${from}–${from + ITERATIONS - 1}; the ${EARLY} before them while V8 still compiles, below)`,
    ["operation", "n", "median", "p99", "target (median)", "verdict"], [
      row("attach, no published port", plain.attach, TARGET.attach),
      row("detach, no published port", plain.detach, TARGET.detach),
      row("attach, one published port (tcp 8080→80)", published.attach, TARGET.attach),
      row("detach, one published port", published.detach, TARGET.detach),
      info(`attach, no published port, cycles ${WARMUP + 1}–${WARMUP + EARLY}`, early.attach),
      info(`detach, no published port, cycles ${WARMUP + 1}–${WARMUP + EARLY}`, early.detach),
      info(`attach, one published port, cycles ${WARMUP + 1}–${WARMUP + EARLY}`, earlyPublished.attach),
      info(`detach, one published port, cycles ${WARMUP + 1}–${WARMUP + EARLY}`, earlyPublished.detach),
    ]);
}

/** 1,000 sandboxes (created first, not timed in the total) attached one after another to one /16. */
async function manySandboxes(c: Controller): Promise<void> {
  const net = await c.createNetwork({ name: "bench-many", driver: "bridge", ipam: { config: [{ subnet: "10.251.0.0/16" }] } });
  const sandboxes: Sandbox[] = [];
  const tc = performance.now();
  for (let i = 0; i < MANY; i++) sandboxes.push(await c.createSandbox({ containerId: `m${i}` }));
  const createMs = performance.now() - tc;
  const each: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < MANY; i++) {
    const s = performance.now();
    const ep = await net.createEndpoint({ name: `m${i}` });
    await ep.join(sandboxes[i] as Sandbox);
    each.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  const td = performance.now();
  for (const sb of sandboxes) await sb.delete();
  await net.delete();
  const teardownMs = performance.now() - td;
  const first = median(each.slice(0, 100));
  const last = median(each.slice(-100));
  printTable(`bridge: ${MANY} sandboxes attached to one /16 network (create endpoint + join, one after another)`,
    ["measure", "value", "target", "verdict"], [
      [`total of ${MANY} attaches`, fmtMs(total), `≤ ${fmtMs(TARGET.many)}`, verdict(total, TARGET.many)],
      ["median attach, first 100", fmtMs(first), "", ""],
      ["median attach, last 100", fmtMs(last), "", ""],
      ["growth (last 100 / first 100)", `${(last / first).toFixed(2)}×`, "flat (≈ 1×)", last / first <= 1.5 ? "ok" : "GROWS"],
      ["p99 attach over all", fmtMs(percentile(each, 99)), "", ""],
      [`(not in the total) ${MANY} sandbox creates`, fmtMs(createMs), "", ""],
      [`(not in the total) ${MANY} sandbox deletes + network delete`, fmtMs(teardownMs), "", ""],
    ]);
}

/** The measuring part: must already run inside the scratch netns. */
async function inside(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "dnet-bridge-bench-"));
  const netnsDir = join(root, "netns");
  writeFileSync(join(root, "resolv.conf"), "nameserver 192.0.2.53\n");
  const c = await Controller.create({
    dataDir: join(root, "data"), netnsDir, etcNetnsDir: join(root, "etc"), hostResolvConf: join(root, "resolv.conf"), firewall: "nftables",
  });
  try {
    await attachDetach(c);
    await manySandboxes(c);
  } finally {
    await c.close();
    try { execFileSync("umount", ["-l", netnsDir], { stdio: "ignore" }); } catch { /* never mounted */ }
    rmSync(root, { recursive: true, force: true });
  }
}

export async function runBridgeBench(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("\n### bridge: skipped (needs root to create namespaces, bridges and nft tables)");
    return;
  }
  if (process.env[INSIDE] === "1") await inside();
  else await rerunInScratchNetns(fileURLToPath(import.meta.url), INSIDE, "dnetbb");
}

if (isMain(import.meta.url)) await runBridgeBench();
