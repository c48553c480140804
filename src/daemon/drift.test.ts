// Firewall drift: when someone deletes dnet's nftables table, the running daemon restores it within 2 s; a
// repair of drift inside the table rewrites it in one transaction, so the table is never seen missing.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { TestDaemon } from "../testing/test-daemon.js";
import { countLines, waitFor } from "../testing/test-clients.js";

/** Drift repaired: rewritten at once on the nftables watch's notice, or found by a check. */
const REPAIRED = /firewall drifted; rules re-applied|our tables rewritten at once/;

describe("firewall drift (root)", rootOnly, () => {
  const d = new TestDaemon([]);
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  it("a deleted `inet dnet` table is back within 2 s, with the network's rules", async () => {
    await d.client.createNetwork({ Name: "drift1", IPAM: { Config: [{ Subnet: "10.246.7.0/24" }] } });
    const listed = (): string => { try { return d.inHost("nft", ["list", "table", "inet", "dnet"]); } catch { return ""; } };
    assert.match(listed(), /10\.246\.7\.0\/24/, "the network's subnet is in our table");
    const repairs = (): number => countLines(d.log, REPAIRED);
    const before0 = repairs();
    d.inHost("nft", ["delete", "table", "inet", "dnet"]);
    // The nftables watch may put it back within milliseconds, before anyone looks: the log says it did.
    assert.ok(await waitFor(() => repairs() > before0 && /10\.246\.7\.0\/24/.test(listed()), 2_000), "restored within 2 s");
    await d.client.removeNetwork("drift1");
  });
  it("repairs of real drift never leave the table missing: a tight poll of `nft list table` never fails", { timeout: 90_000 }, async () => {
    await d.client.createNetwork({ Name: "drift2", IPAM: { Config: [{ Subnet: "10.246.8.0/24" }] } });
    const bridge = `br-${(await d.client.inspectNetwork("drift2")).Id.slice(0, 12)}`;
    const stop = join(d.tmp, "stop-poll");
    const poller = spawn("nsenter", [`--net=/run/netns/${d.hostNetns}`, "bash", "-c",
      `n=0; f=0; while [ ! -e ${stop} ]; do n=$((n+1)); nft list table inet dnet >/dev/null 2>&1 || f=$((f+1)); done; echo "$n $f"`], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    poller.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    const done = new Promise<void>((r) => poller.once("exit", () => r()));
    const drifts = [
      ["delete", "element", "inet", "dnet", "bridges", `{ "${bridge}" }`],
      ["flush", "chain", "inet", "dnet", "forward"],
      ["add", "rule", "inet", "dnet", "forward", "accept"],
      ["delete", "element", "inet", "dnet", "nets4", `{ 10.246.8.0/24 . "${bridge}" }`],
    ];
    const repaired = (): number => countLines(d.log, REPAIRED);
    const rounds = 12;
    try {
      for (let i = 0; i < rounds; i++) {
        const before0 = repaired();
        d.inHost("nft", drifts[i % drifts.length] as string[]);
        assert.ok(await waitFor(() => repaired() > before0, 5_000), `drift ${i} repaired:\n${d.log.slice(-1500)}`);
      }
    } finally {
      // The poller stops even when a round failed, so the file does not wait for it forever.
      writeFileSync(stop, "");
      await done;
    }
    const [polls, failures] = out.trim().split(" ").map(Number);
    console.log(`${rounds} drift repairs, ${polls} polls of nft list table inet dnet, ${failures} failures`);
    // Repairs follow the drift within ms now (the nftables watch), so fewer polls fit in than at 1 s each.
    assert.ok((polls ?? 0) > rounds * 2, `the poll ran (${out})`);
    assert.equal(failures, 0, "the table was never missing");
    await d.client.removeNetwork("drift2");
  });
});
