// Root test of the nftables commit watch in a scratch netns: the backend's own commits (nft -f and
// nfnetlink batches) are recognised and reported to nobody; someone else's `nft flush ruleset` is
// reported at once, with who did it, after our tables were rewritten without listing them first, and
// rewritten once even amid a burst of our own changes; a change to another table rewrites nothing; the
// watch's socket goes with close().

import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { netfilterIn, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { waitFor } from "../testing/test-clients.js";
import { parseIp, parsePrefix } from "../types/index.js";
import type { FirewallChange, FirewallChangeWatch, FirewallNetwork, PortMapping } from "./contract.js";
import { commandRunner, type CommandRunner } from "./exec.js";
import { NftablesBackend } from "./nftables.js";

const NET: FirewallNetwork = { id: "net-w", bridge: "brw", subnets4: [parsePrefix("10.204.0.1/24")],
  subnets6: [], internal: false, icc: true, masquerade: true };
const port = (n: number): PortMapping => ({ proto: "tcp", hostPort: 9000 + n, hostPortEnd: 9000 + n, containerIp: parseIp("10.204.0.2"), containerPort: 80 });

function socketFds(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try { if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) n++; } catch { /* closed meanwhile */ }
  }
  return n;
}

describe("nftables backend: watching commits that are not ours", rootOnly, () => {
  const ns = uniqueName("tnftw");
  const changes: FirewallChange[] = [];
  let fw: NftablesBackend;
  let netfilter: ReturnType<typeof netfilterIn> | undefined;
  let watch: FirewallChangeWatch | undefined;
  const nft = (...args: string[]): string => run("ip", ["netns", "exec", ns, "nft", ...args]);
  /** Every command the backend ran, as "nft -f -", "nft -j list table inet dnet", …; cleared by the tests. */
  const ran: string[] = [];
  const counting = (inner: CommandRunner): CommandRunner => (cmd, args, input) => { ran.push([cmd, ...args].join(" ")); return inner(cmd, args, input); };
  /** Lets notifications in flight arrive and be decided (the decision waits for the backend's queue). */
  const settle = async (): Promise<void> => { await new Promise((r) => setTimeout(r, 100)); await fw.check(); };

  before(async () => {
    run("ip", ["netns", "add", ns]);
    run("ip", ["-n", ns, "link", "add", NET.bridge, "type", "bridge"]);
    netfilter = netfilterIn(ns);
    fw = new NftablesBackend({ netns: ns, runner: counting(commandRunner(ns)), nfnetlink: true,
      openNetfilter: netfilter.open, openMonitor: netfilter.monitor, iptablesCompat: false });
    watch = fw.watchChanges((c) => changes.push(c));
  });

  after(async () => {
    watch?.close();
    await fw?.close();
    netfilter?.close();
    tryRun("ip", ["netns", "del", ns]);
  });

  test("our own commits, by nft -f and by nfnetlink, are counted and reported to nobody", async () => {
    assert.ok(watch !== undefined, "the backend watches when given a monitor opener");
    await fw.addNetwork(NET); // nft -f: the first network writes the table
    for (let i = 0; i < 10; i++) await fw.addPortMappings(NET.id, `ep${i}`, [port(i)]); // nfnetlink batches
    await fw.removePortMappings(NET.id, "ep3");
    await fw.pinPort(NET.id, "ep1", { port: "vethw1", mac: "02:42:0a:cc:00:02", addresses: [parseIp("10.204.0.2")] });
    await settle();
    assert.deepEqual(changes, [], "no change reported for our own commits");
    assert.ok(await waitFor(() => (watch?.ownCommits ?? 0) >= 1, 2_000), "our commits were seen and recognised");
    // Bursts fold: not every commit needs a decision of its own, but at least one was made.
    console.log(`13 own commits, ${watch?.ownCommits ?? 0} decisions that they were ours`);
  });

  test("`nft flush ruleset`: our tables are rewritten at once, unlisted, then it is reported with who did it", async () => {
    ran.length = 0;
    const own = watch?.ownCommits ?? 0;
    nft("flush", "ruleset");
    assert.ok(await waitFor(() => changes.length > 0, 5_000), "the flush was reported (the backend itself polls nothing)");
    assert.match(changes[0]?.reason ?? "", /nftables commit by nft\[\d+\]/);
    assert.equal(changes[0]?.rewritten, true, "reported as already rewritten");
    assert.match(nft("list", "table", "inet", "dnet"), /10\.204\.0\.0\/24/, "inet dnet is back when the change is reported");
    assert.match(nft("list", "table", "bridge", "dnet"), /02:42:0a:cc:00:02/, "bridge dnet too");
    assert.deepEqual(ran, ["nft -f -"], "one rewrite of both tables, no listing before it");
    const report = await fw.check();
    assert.deepEqual(report, { drifted: false, problems: [] }, "the check that follows confirms");
    assert.deepEqual(ran, ["nft -f -"], "and needs no listing either: the generation is the rewrite's own");
    await settle();
    assert.equal(changes.length, 1, "the repair's own commit is not reported");
    assert.ok(await waitFor(() => (watch?.ownCommits ?? 0) > own, 2_000), "and counted as ours");
  });

  test("a change by someone else inside our table is rewritten and reported too", async () => {
    const before0 = changes.length;
    ran.length = 0;
    nft("delete", "element", "inet", "dnet", "ports4", "{ tcp . 9001 }");
    assert.ok(await waitFor(() => changes.length > before0, 5_000));
    assert.equal(changes.at(-1)?.rewritten, true);
    assert.match(nft("list", "table", "inet", "dnet"), /tcp \. 9001 /, "the element is back");
    assert.deepEqual(ran, ["nft -f -"]);
    assert.equal((await fw.check()).drifted, false);
  });

  test("someone else's commit amid a burst of our changes is repaired once: our commits heard of late are still ours", async () => {
    const before0 = changes.length;
    ran.length = 0;
    let stop = false;
    const burst = (async () => {
      for (let i = 100; !stop; i = i < 600 ? i + 1 : 100) {
        await fw.addPortMappings(NET.id, `ep${i}`, [port(i)]);
        await fw.removePortMappings(NET.id, `ep${i}`);
        // As a daemon's requests do: the netlink replies are read at once, so without this the loop
        // would never let the watch's timer run.
        await new Promise((r) => setImmediate(r));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    nft("delete", "element", "inet", "dnet", "ports4", "{ tcp . 9002 }");
    assert.ok(await waitFor(() => changes.length > before0, 5_000));
    await new Promise((r) => setTimeout(r, 500)); // the burst goes on meanwhile
    stop = true;
    await burst;
    await settle();
    assert.deepEqual(changes.slice(before0).map((c) => c.reason).length, 1, changes.slice(before0).map((c) => c.reason).join("\n"));
    assert.deepEqual(ran.filter((c) => c === "nft -f -"), ["nft -f -"], "one rewrite, not one after each of our commits");
    assert.match(nft("list", "table", "inet", "dnet"), /tcp \. 9002 /, "the element is back");
  });

  test("a change to another table (Docker's, say) is reported but rewrites nothing of ours", async () => {
    const before0 = changes.length;
    ran.length = 0;
    nft("add", "table", "ip", "someone_else");
    nft("add", "chain", "ip", "someone_else", "FORWARD", "{ type filter hook forward priority 0; }");
    nft("add", "rule", "ip", "someone_else", "FORWARD", "counter");
    nft("delete", "table", "ip", "someone_else");
    assert.ok(await waitFor(() => changes.length > before0, 5_000), "reported (the caller's check sees to it)");
    await settle();
    assert.ok(changes.slice(before0).every((c) => c.rewritten === undefined), "none says rewritten");
    assert.ok(!ran.includes("nft -f -"), `no rewrite of ours: ${ran.join(", ")}`);
  });

  test("close() releases the monitor socket and nothing is reported after it", async () => {
    const sockets = socketFds();
    watch?.close();
    assert.equal(socketFds(), sockets - 1, "one socket fewer");
    const n = changes.length;
    nft("add", "table", "ip", "someone_else");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(changes.length, n);
  });
});
