// Two daemons on one data directory, or in one network namespace, would fight over bridges, netns and
// the firewall table: the second exits at once with an error naming the first's pid. The locks die with
// the process (kill -9 included), so the next daemon starts.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { DNET_MAIN, TestDaemon } from "../testing/test-daemon.js";

interface Exit { readonly code: number | null; readonly stderr: string; readonly ms: number }

/** Runs `dnet daemon` inside the netns `netns` and waits for it to exit (it must, at once). */
function runSecond(netns: string, args: readonly string[]): Promise<Exit> {
  const t0 = Date.now();
  const p = spawn("nsenter", [`--net=/run/netns/${netns}`, process.execPath, DNET_MAIN, "daemon", "--dns", "127.0.0.1", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  p.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
  const timer = setTimeout(() => p.kill("SIGKILL"), 15_000);
  return new Promise((resolve) => p.once("exit", (code) => { clearTimeout(timer); resolve({ code, stderr, ms: Date.now() - t0 }); }));
}

describe("one daemon per data directory and per network namespace", () => {
  const first = new TestDaemon();
  const other = new TestDaemon();
  const scratch = mkdtempSync("/tmp/dnet-lock-");
  before(async () => { await first.start(); });
  after(async () => {
    await first.cleanup();
    await other.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("a second daemon on the same data directory (another netns) exits at once naming the first's pid", async () => {
    const r = await runSecond(other.hostNetns, ["--socket", `${scratch}/a.sock`, "--data-dir", `${first.tmp}/data`, "--netns-dir", `${scratch}/netns-a`]);
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`data directory .*${first.tmp}/data is in use by another dnet daemon \\(pid ${first.pid}\\)`), r.stderr);
    await first.client.ping();
    console.log(`second daemon on the same data dir: refused in ${r.ms} ms: ${r.stderr.trim().split("\n").pop() ?? ""}`);
  });

  it("a second daemon in the same network namespace (its own data directory) exits at once naming the first's pid", async () => {
    const r = await runSecond(first.hostNetns, ["--socket", `${scratch}/b.sock`, "--data-dir", `${scratch}/data-b`, "--netns-dir", `${scratch}/netns-b`]);
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`another dnet daemon \\(pid ${first.pid}\\) already runs in this network namespace`), r.stderr);
    await first.client.ping();
    console.log(`second daemon in the same netns: refused in ${r.ms} ms`);
  });

  it("after the first is killed with SIGKILL, a new daemon takes both locks", async () => {
    await first.stop("SIGKILL");
    await first.start();
    await first.client.ping();
  });
});
