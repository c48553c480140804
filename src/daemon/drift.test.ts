// Firewall drift: when someone deletes dnet's nftables table, the running daemon restores it within 2 s.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { TestDaemon } from "../testing/test-daemon.js";

describe("firewall drift (root)", rootOnly, () => {
  const d = new TestDaemon([]);
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  it("a deleted `inet dnet` table is back within 2 s, with the network's rules", async () => {
    await d.client.createNetwork({ Name: "drift1", IPAM: { Config: [{ Subnet: "10.246.7.0/24" }] } });
    const listed = (): string => { try { return d.inHost("nft", ["list", "table", "inet", "dnet"]); } catch { return ""; } };
    assert.match(listed(), /10\.246\.7\.0\/24/, "the network's subnet is in our table");
    d.inHost("nft", ["delete", "table", "inet", "dnet"]);
    assert.equal(listed(), "", "the table is gone");
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline && !/10\.246\.7\.0\/24/.test(listed())) await new Promise((r) => setTimeout(r, 50));
    assert.match(listed(), /10\.246\.7\.0\/24/, "restored within 2 s");
    await d.client.removeNetwork("drift1");
  });
});
