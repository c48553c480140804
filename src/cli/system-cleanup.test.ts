// `dnet system cleanup` on a daemon's leftovers in a scratch netns: it refuses while the daemon runs, and
// from any other network namespace than the daemon's; lists what it would remove, then removes every sandbox
// netns, veth, bridge, both nftables tables, the state, the netns and etc directories and the stale socket of
// a killed daemon, and leaves alone what dnet did not make. When the daemon's namespace is gone, only files.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { DNET_MAIN, TestDaemon, runCmd, sh, type CliResult } from "../testing/test-daemon.js";

/** A scratch netns that is not the daemon's (never the host's: a real dnet may run there). */
function otherNetns(): string {
  const ns = `dnt-o${randomBytes(3).toString("hex")}`;
  sh("ip", ["netns", "add", ns]);
  return ns;
}

describe("dnet system cleanup", () => {
  const d = new TestDaemon();
  const dirs = (): string[] => ["--socket", d.socket, "--data-dir", `${d.tmp}/data`, "--netns-dir", d.netnsDir];
  /** Runs the cleanup where the daemon ran: in its scratch netns. */
  const cleanup = (...args: string[]): Promise<CliResult> =>
    runCmd("nsenter", [`--net=/run/netns/${d.hostNetns}`, process.execPath, DNET_MAIN, "system", "cleanup", ...dirs(), ...args]);
  const links = (): string[] => (JSON.parse(d.inHost("ip", ["-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
  const tables = (): string => d.inHost("nft", ["list", "tables"]);
  const mountsUnderTmp = (): string[] => readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(`${d.tmp}/`));

  before(async () => {
    await d.start();
    const dnet = async (...args: string[]): Promise<void> => {
      const r = await d.dnet(args);
      assert.equal(r.code, 0, `dnet ${args.join(" ")}: ${r.stderr}`);
    };
    await dnet("network", "create", "--subnet", "10.61.0.0/24", "-o", "com.docker.network.bridge.name=brclean1", "cn1");
    await dnet("network", "create", "--subnet", "10.62.0.0/24", "cn2");
    await dnet("sandbox", "create", "--network", "cn1", "--network", "cn2", "-p", "8081:80", "cs1");
    await dnet("sandbox", "create", "--network", "cn2", "cs2");
    await dnet("sandbox", "create", "cs3");
    // What dnet did not make, in the same netns: it must survive.
    d.inHost("ip", ["link", "add", "notdnet0", "type", "bridge"]);
    d.inHost("nft", ["add", "table", "inet", "notdnet"]);
  });
  after(async () => { await d.cleanup(); });

  it("refuses while the daemon runs, and changes nothing", async () => {
    const r = await cleanup("-f");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: a dnet daemon is running on .*dnet\.sock: stop it first/);
    assert.ok(links().includes("brclean1"));
    assert.equal((await d.client.listSandboxes()).length, 3);
  });

  it("from another network namespace it refuses, naming where to run it, and changes nothing", async () => {
    await d.stop("SIGKILL");
    const ns = otherNetns();
    try {
      const kept = links();
      const r = await runCmd("nsenter", [`--net=/run/netns/${ns}`, process.execPath, DNET_MAIN, "system", "cleanup", ...dirs(), "-f"]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, new RegExp(`ran in network namespace net:\\[\\d+\\].*Run it there: nsenter --net=/run/netns/${d.hostNetns} dnet system cleanup`));
      assert.deepEqual(links(), kept);
      assert.ok(existsSync(`${d.tmp}/data/dnet.db`));
    } finally {
      sh("ip", ["netns", "del", ns]);
    }
  });

  it("lists what a killed daemon left, removes it all, and nothing else", async () => {
    assert.ok(existsSync(d.socket), "a killed daemon leaves its socket");
    const bridges = links().filter((l) => l.startsWith("br"));
    assert.equal(bridges.length, 2, links().join(" "));
    assert.ok(links().some((l) => l.startsWith("veth")));
    assert.match(tables(), /table inet dnet/);

    const kept = links();
    const dry = await cleanup("--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    for (const what of ["sandbox cs1", "sandbox cs2", "sandbox cs3", "network cn1 (bridge brclean1)", "network cn2 (bridge br-", "nftables table inet dnet", "nftables table bridge dnet", `directory ${d.netnsDir}`, `directory ${d.tmp}/netns-etc`, `directory ${d.tmp}/data`, `socket ${d.socket}`]) {
      assert.ok(dry.stdout.includes(`  ${what}`), `${what} in:\n${dry.stdout}`);
    }
    assert.deepEqual(links(), kept, "a dry run removes nothing");
    assert.ok(existsSync(`${d.tmp}/data`));

    const r = await cleanup("-f");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("removed ")).length, dry.stdout.split("\n").filter((l) => l.startsWith("  ")).length, r.stdout);
    assert.deepEqual(links(), ["lo", "notdnet0"], "bridges and veths are gone; the foreign bridge stays");
    assert.doesNotMatch(tables(), /table (inet|bridge) dnet\b/);
    assert.match(tables(), /table inet notdnet/);
    for (const p of [d.socket, `${d.tmp}/data`, d.netnsDir, `${d.tmp}/netns-etc`]) assert.equal(existsSync(p), false, p);
    assert.deepEqual(mountsUnderTmp(), [], "no netns bind mount is left");
  });

  it("has nothing left to do the second time", async () => {
    const r = await cleanup("-f");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "nothing to remove\n");
  });
});

describe("dnet system cleanup after the daemon's namespace is gone", () => {
  const d = new TestDaemon();
  after(async () => { await d.cleanup(); });

  it("removes its files only, and says why", { timeout: 60_000 }, async () => {
    await d.start();
    assert.equal((await d.dnet(["network", "create", "--subnet", "10.63.0.0/24", "gn1"])).code, 0);
    assert.equal((await d.dnet(["sandbox", "create", "--network", "gn1", "gs1"])).code, 0);
    await d.stop();
    sh("ip", ["netns", "del", d.hostNetns]);
    const ns = otherNetns();
    try {
      const r = await runCmd("nsenter", [`--net=/run/netns/${ns}`, process.execPath, DNET_MAIN, "system", "cleanup",
        "--socket", d.socket, "--data-dir", `${d.tmp}/data`, "--netns-dir", d.netnsDir, "-f"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^note: the daemon's network namespace \(net:\[\d+\]\) is gone/);
      assert.doesNotMatch(r.stdout, /removed (sandbox|network|nftables)/, "no kernel object is touched here");
      for (const p of [`${d.tmp}/data`, d.netnsDir]) assert.equal(existsSync(p), false, p);
      const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(`${d.tmp}/`));
      assert.deepEqual(mounts, [], "the sandboxes' namespaces were unmounted");
    } finally {
      sh("ip", ["netns", "del", ns]);
    }
  });
});
