// `dnet daemon --dns-threads N`: how many threads serve the embedded DNS. 0 serves on the daemon's own
// event loop (the smallest footprint); names still resolve. Bad values are refused before anything opens.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { Controller, isLibnetworkError } from "../index.js";
import { validateDnsThreads } from "../dns/index.js";
import { rootOnly } from "../testing/kernel.js";
import { TestDaemon, runCmd, DNET_MAIN } from "../testing/test-daemon.js";

/** The embedded resolver's UDP sockets in a sandbox: one per serving thread (an SO_REUSEPORT group). */
function udpListeners(d: TestDaemon, key: string): number {
  return d.inNetns(key, "ss", ["-H", "-u", "-l", "-n"]).split("\n").filter((l) => /\s127\.0\.0\.11:53\s/.test(l)).length;
}

async function resolvesPeer(d: TestDaemon, net: string): Promise<void> {
  await d.client.createNetwork({ Name: net, IPAM: { Config: [{ Subnet: "10.97.40.0/24" }] } });
  await d.client.createSandbox({ Name: "dt1", Networks: [{ Network: net }] });
  await d.client.createSandbox({ Name: "dt2", Networks: [{ Network: net }] });
}

describe("daemon --dns-threads (root)", rootOnly, () => {
  const d = new TestDaemon(["--dns-threads", "0"]);
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  it("0: one resolver socket per sandbox, served on the main thread, names resolve over UDP and TCP", { timeout: 60_000 }, async () => {
    await resolvesPeer(d, "dtn");
    const dt2 = await d.client.inspectSandbox("dt2");
    const ip = (await d.client.inspectSandbox("dt1")).Endpoints[0]?.IPv4Address.split("/")[0];
    assert.equal(udpListeners(d, dt2.Key), 1);
    assert.equal(d.inNetns(dt2.Key, "dig", ["+short", "+time=2", "+tries=1", "@127.0.0.11", "dt1"]).trim(), ip);
    assert.equal(d.inNetns(dt2.Key, "dig", ["+short", "+tcp", "+time=2", "+tries=1", "@127.0.0.11", "dt1"]).trim(), ip);
    for (const n of ["dt1", "dt2"]) await d.client.removeSandbox(n, true);
    await d.client.removeNetwork("dtn");
  });

  it("the default serves each sandbox from two threads (two sockets)", { timeout: 60_000 }, async () => {
    await d.stop();
    await d.start([]);
    await resolvesPeer(d, "dtd");
    const dt2 = await d.client.inspectSandbox("dt2");
    assert.equal(udpListeners(d, dt2.Key), 2);
    for (const n of ["dt1", "dt2"]) await d.client.removeSandbox(n, true);
    await d.client.removeNetwork("dtd");
  });

  it("17 is refused at start (usage error), before the data directory is opened", { timeout: 30_000 }, async () => {
    await d.stop();
    rmSync(`${d.tmp}/data`, { recursive: true, force: true });
    const proc = d.spawnDaemon(["--dns-threads", "17"]);
    const code = await new Promise<number | null>((resolve) => proc.once("exit", (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(d.log, /invalid --dns-threads "17": use a whole number from 0 to 16/);
    assert.ok(!existsSync(`${d.tmp}/data`), "no data directory was made");
  });
});

describe("--dns-threads and dnsThreads: bad values", () => {
  it("the CLI refuses what is not a whole number from 0 to 16 with a usage error (exit 2)", async () => {
    for (const bad of ["-1", "1.5", "two", "", "0x2", "1e1", "17"]) {
      const r = await runCmd(process.execPath, [DNET_MAIN, "daemon", "--socket", "/nonexistent/dnet.sock", "--dns-threads", bad]);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /invalid --dns-threads/);
    }
  });

  it("the library refuses them with ERR_INVALID_DNS_THREADS and makes nothing", async () => {
    for (const bad of [-1, 1.5, 17, Number.NaN]) assert.throws(() => validateDnsThreads(bad), (e: unknown) => isLibnetworkError(e) && e.code === "ERR_INVALID_DNS_THREADS");
    assert.equal(validateDnsThreads(0), 0);
    assert.equal(validateDnsThreads(16), 16);
    const dataDir = mkdtempSync("/tmp/dnet-test-dt-");
    try {
      await assert.rejects(Controller.create({ dataDir, dnsThreads: 17 }), (e: unknown) => isLibnetworkError(e) && e.code === "ERR_INVALID_DNS_THREADS");
      assert.ok(!existsSync(`${dataDir}/dnet.db`), "no database was made");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
