// Sandbox.statistics(): the counters of the sandbox's endpoint interfaces, keyed by in-sandbox name,
// equal to what `ip -j -s link` shows in the netns once traffic has stopped.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { nsJson, openHarness, uniqueName, type Harness } from "./harness.test.js";

interface IpStats { ifname: string; stats64?: { rx: { bytes: number; packets: number; errors: number; dropped: number }; tx: { bytes: number; packets: number; errors: number; dropped: number } } }

describe("Sandbox.statistics (root)", rootOnly, () => {
  let h: Harness;
  before(async () => { h = await openHarness(); });
  after(async () => { await h?.close(); });

  it("reports eth0 and eth1 (not lo) with the kernel's counters; a sandbox without endpoints has none", async () => {
    const prefix = uniqueName("st");
    const a = await h.controller.createNetwork({ name: `${prefix}-a`, driver: "testveth", ipam: { config: [{ subnet: "10.236.1.0/24" }] } });
    const b = await h.controller.createNetwork({ name: `${prefix}-b`, driver: "testveth", ipam: { config: [{ subnet: "10.236.2.0/24" }] } });
    const sb = await h.controller.createSandbox({ containerId: uniqueName("ctr") });
    assert.deepEqual([...(await sb.statistics()).keys()], []);
    const ea = await a.createEndpoint({ name: "sa" });
    const eb = await b.createEndpoint({ name: "sb" });
    try {
      await ea.join(sb);
      await eb.join(sb);
      // Traffic out of eth0: ARP requests for an address nobody has (the ping itself fails).
      try { execFileSync("nsenter", [`--net=${sb.key}`, "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.236.1.77"], { stdio: "ignore" }); } catch { /* unanswered */ }
      const stats = await sb.Statistics();
      assert.deepEqual([...stats.keys()].sort(), ["eth0", "eth1"]);
      const eth0 = stats.get("eth0");
      assert.ok(eth0 !== undefined && eth0.txPackets > 0n, "ARP requests were sent");
      const oracle = nsJson<IpStats[]>(sb.key, ["-s", "link", "show", "eth0"])[0]?.stats64;
      assert.ok(oracle !== undefined);
      assert.deepEqual(
        [eth0.txPackets, eth0.txBytes, eth0.rxPackets, eth0.rxBytes, eth0.txErrors, eth0.rxDropped].map(Number),
        [oracle.tx.packets, oracle.tx.bytes, oracle.rx.packets, oracle.rx.bytes, oracle.tx.errors, oracle.rx.dropped],
      );
    } finally {
      await ea.leave(sb).catch(() => {});
      await eb.leave(sb).catch(() => {});
      await ea.delete(); await eb.delete(); await sb.delete(); await a.delete(); await b.delete();
    }
  });
});
