// Latency of the daemon's HTTP API over its unix socket: network create, connect, disconnect, rm
// (median and p99). The daemon runs as a child process inside a scratch network namespace.

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DnetClient } from "../src/api/client.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

function quiet(cmd: string, args: string[]): void {
  try { execFileSync(cmd, args, { stdio: "ignore" }); } catch { /* best effort */ }
}

export async function runApiBench(rounds = 200): Promise<void> {
  const tmp = mkdtempSync("/tmp/dnet-bench-api-");
  const ns = `dnb-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  const socket = `${tmp}/dnet.sock`;
  const proc = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, MAIN, "daemon", "--socket", socket,
    "--data-dir", `${tmp}/data`, "--netns-dir", `${tmp}/netns`, "--log-level", "warn"], { stdio: "ignore" });
  const client = new DnetClient(`unix://${socket}`);
  try {
    for (let i = 0; ; i++) {
      try { await client.ping(); break; } catch { if (i > 400) throw new Error("daemon did not start"); await new Promise((r) => setTimeout(r, 50)); }
    }
    const sandboxes = 20;
    for (let s = 0; s < sandboxes; s++) await client.createSandbox({ Name: `bsb${s}` });
    const t = { create: [] as number[], first: [] as number[], firstOff: [] as number[], rm: [] as number[], connect: [] as number[], disconnect: [] as number[] };
    const time = async (into: number[], fn: () => Promise<unknown>): Promise<void> => {
      const t0 = performance.now();
      await fn();
      into.push(performance.now() - t0);
    };
    // Network lifecycle: create, its first endpoint on and off, rm. The first connect also pays for the
    // new bridge's first port and for the kernel's deferred cleanup of the bridge removed just before.
    for (let i = 0; i < rounds; i++) {
      const net = `bn${i}`;
      await time(t.create, () => client.createNetwork({ Name: net, IPAM: { Config: [{ Subnet: `10.${200 + (i >> 8)}.${i & 255}.0/24` }] } }));
      const sb = `bsb${i % sandboxes}`;
      await time(t.first, () => client.connect(net, { Container: sb }));
      await time(t.firstOff, () => client.disconnect(net, { Container: sb }));
      await time(t.rm, () => client.removeNetwork(net));
    }
    // Steady state, what a platform does all day: sandboxes come and go on a network that has others.
    await client.createNetwork({ Name: "bsteady", IPAM: { Config: [{ Subnet: "10.199.0.0/24" }] } });
    const resident = sandboxes / 2;
    for (let s = 0; s < resident; s++) await client.connect("bsteady", { Container: `bsb${s}` });
    for (let i = 0; i < rounds; i++) {
      const sb = `bsb${resident + (i % (sandboxes - resident))}`;
      await time(t.connect, () => client.connect("bsteady", { Container: sb }));
      await time(t.disconnect, () => client.disconnect("bsteady", { Container: sb }));
    }
    const row = (name: string, v: number[]): string[] => [name, String(v.length), fmtMs(median(v)), fmtMs(percentile(v, 99))];
    printTable(`HTTP API over the unix socket (${rounds} rounds each, daemon in a scratch netns)`, ["operation", "n", "median", "p99"], [
      row(`network connect (a network with ${resident} endpoints)`, t.connect),
      row(`network disconnect (a network with ${resident} endpoints)`, t.disconnect),
      row("network create", t.create), row("network connect (first endpoint of a new network)", t.first),
      row("network disconnect (last endpoint)", t.firstOff), row("network rm", t.rm),
    ]);
    // Daemon-side mean per operation (from /metrics): what the library spends vs. the HTTP round trip.
    const metrics = await client.metrics();
    const mean = (op: string): string => {
      const sum = Number(new RegExp(`dnet_operation_duration_seconds_sum\\{operation="${op}"\\} ([\\d.e+-]+)`).exec(metrics)?.[1]);
      const count = Number(new RegExp(`dnet_operation_duration_seconds_count\\{operation="${op}"\\} (\\d+)`).exec(metrics)?.[1]);
      return fmtMs((sum / count) * 1000);
    };
    printTable("Inside the daemon (mean over both phases, from /metrics)", ["operation", "mean"], [
      ["network create", mean("network_create")], ["network connect", mean("connect")], ["network disconnect", mean("disconnect")], ["network rm", mean("network_remove")],
    ]);
    const m = median(t.connect);
    const f = median(t.first);
    console.log(`\nconnect median ${fmtMs(m)} (target ≤ 3 ms): ${m <= 3 ? "met" : "NOT met"}; first endpoint of a new network: ${fmtMs(f)} (${f <= 3 ? "met" : "NOT met"})`);
    for (let s = 0; s < sandboxes; s++) await client.removeSandbox(`bsb${s}`, true);
  } finally {
    client.close();
    proc.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
      .filter((p) => p.startsWith(`${tmp}/`)).sort((a, b) => b.length - a.length);
    for (const p of mounts) quiet("umount", ["-l", p]);
    quiet("ip", ["netns", "del", ns]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await runApiBench();
