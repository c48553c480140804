// `npm run bench:repair`: how long a published port stays dark after `nft flush ruleset` in the daemon's
// (scratch) netns: the time from the flush's `nft` process ending to a connection from another scratch
// netns being answered by the sandbox again. Over 20 rounds each, in one run: the daemon watching
// nftables commits (its poll set to 60 s, so only the watch repairs) and the poll-only baseline (the
// former default, a drift check every second).

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { NetnsPrograms } from "../src/testing/netns-programs.js";
import { TestDaemon, runCmd, sh } from "../src/testing/test-daemon.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const ROUNDS = 20;
const HOST = "198.51.100.1";
const PROBE = fileURLToPath(new URL("./repair-probe.js", import.meta.url));

interface Mode { readonly name: string; readonly args: readonly string[] }

const MODES: readonly Mode[] = [
  { name: "poll only, every 1 s (baseline)", args: ["--firewall-poll-only", "--firewall-check-interval", "1"] },
  { name: "nftables watch (poll at 60 s)", args: ["--firewall-check-interval", "60"] },
];

/** A prober in `ns`: `probe()` resolves with the CLOCK_MONOTONIC ns at which the port answered. */
function startProber(ns: string): { probe: (port: number) => Promise<bigint>; stop: () => void; proc: ChildProcessWithoutNullStreams } {
  const proc = spawn("nsenter", [`--net=/run/netns/${ns}`, "--", process.execPath, PROBE]);
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: proc.stdout }).on("line", (l) => waiting.shift()?.(l));
  const probe = (port: number): Promise<bigint> => new Promise((resolve, reject) => {
    waiting.push((l) => (l.startsWith("ok ") ? resolve(BigInt(l.slice(3))) : reject(new Error(`port ${port}: ${l}`))));
    proc.stdin.write(`go ${HOST} ${port}\n`);
  });
  return { probe, stop: () => proc.kill(), proc };
}

async function measure(mode: Mode): Promise<number[]> {
  const d = new TestDaemon(mode.args);
  const programs = new NetnsPrograms();
  const outside = `dnbr-${randomBytes(3).toString("hex")}`;
  let prober: ReturnType<typeof startProber> | undefined;
  try {
    await d.start();
    sh("ip", ["netns", "add", outside]);
    d.inHost("ip", ["link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", outside]);
    d.inHost("ip", ["addr", "add", `${HOST}/24`, "dev", "ext0"]);
    d.inHost("ip", ["link", "set", "ext0", "up"]);
    sh("ip", ["-n", outside, "addr", "add", "198.51.100.2/24", "dev", "eth0"]);
    sh("ip", ["-n", outside, "link", "set", "eth0", "up"]);
    for (const args of [["network", "create", "--subnet", "10.97.41.0/24", "rb"], ["sandbox", "create", "--network", "rb", "web"]]) {
      const r = await d.dnet(args);
      if (r.code !== 0) throw new Error(`dnet ${args.join(" ")}: ${r.stderr}`);
    }
    await programs.echo((await d.client.inspectSandbox("web")).Key, "web", ["tcp:80"]);
    if ((await d.dnet(["port", "add", "web", "8080:80"])).code !== 0) throw new Error("port add failed");
    prober = startProber(outside);
    await prober.probe(8080);
    const out: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await runCmd("nsenter", [`--net=/run/netns/${d.hostNetns}`, "nft", "flush", "ruleset"]);
      const t0 = process.hrtime.bigint();
      if (r.code !== 0) throw new Error(`nft flush ruleset: ${r.stderr}`);
      out.push(Number((await prober.probe(8080)) - t0) / 1e6);
      await new Promise((res) => setTimeout(res, 100)); // the repair's own follow-ups settle
    }
    return out;
  } finally {
    prober?.stop();
    programs.stopAll();
    try { sh("ip", ["netns", "del", outside]); } catch { /* never made */ }
    await d.cleanup();
  }
}

export async function runRepairBench(): Promise<void> {
  const results: Array<{ mode: Mode; ms: number[] }> = [];
  for (const mode of MODES) results.push({ mode, ms: await measure(mode) });
  const base = median(results[0]?.ms ?? []);
  printTable(`Self-repair: \`nft flush ruleset\` → published port answers again (${ROUNDS} rounds each, same run)`,
    ["mode", "median", "p99", "min", "max", "baseline / this"],
    results.map(({ mode, ms }) => [mode.name, fmtMs(median(ms)), fmtMs(percentile(ms, 99)), fmtMs(Math.min(...ms)), fmtMs(Math.max(...ms)),
      `${(base / median(ms)).toFixed(1)}×`]));
}

if (isMain(import.meta.url)) await runRepairBench();
