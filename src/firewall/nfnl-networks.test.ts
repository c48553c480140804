// Root test: networks added and removed over nfnetlink (interval sets included) leave `inet dnet` exactly as `nft -f` does.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { NetlinkError } from "../errors/index.js";
import { netfilterIn, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { parseIp, parsePrefix } from "../types/index.js";
import type { FirewallNetwork } from "./contract.js";
import { commandRunner, type CommandRunner } from "./exec.js";
import type { NftElement } from "./nft-ast.js";
import { NfnlElementWriter } from "./nfnl-writer.js";
import { NftablesBackend } from "./nftables.js";
import { dnetTable } from "./rules.js";

const net = (id: string, bridge: string, v4: string[], v6: string[], more: Partial<FirewallNetwork> = {}): FirewallNetwork => ({
  id, bridge, subnets4: v4.map((s) => parsePrefix(s)), subnets6: v6.map((s) => parsePrefix(s)), internal: false, icc: true, masquerade: true, ...more,
});

// The first makes the table (nft -f on both paths); the others are element changes. Adjacent prefixes
// (10.211.0.0/24 | 10.211.1.0/24 | 10.211.2.0/23, fd00:211::/64 | fd00:211:0:1::/64) share range ends
// in the rbtree sets; one has an SNAT source, one is internal, one has no masquerade.
const NETS: readonly FirewallNetwork[] = [
  net("n0", "brq0", ["10.210.0.0/16"], []),
  net("n1", "brq1", ["10.211.0.1/24"], ["fd00:211::1/64"]),
  net("n2", "brq2", ["10.211.1.0/24"], ["fd00:211:0:1::/64"], { snatSource: parseIp("192.0.2.9") }),
  net("n3", "brq3", ["10.211.2.0/23"], ["fd00:212::/48"], { internal: true }),
  net("n4", "brq4", ["172.31.250.0/30", "10.211.4.0/22"], ["2001:db8:211::/56"], { masquerade: false }),
];

/** One backend in its own scratch netns, with its `nft -f` runs counted. */
interface Side {
  readonly ns: string;
  readonly fw: NftablesBackend;
  readonly calls: string[][];
  readonly netfilter: ReturnType<typeof netfilterIn>;
}

function side(tag: string, nfnetlink: boolean): Side {
  const ns = uniqueName(tag);
  run("ip", ["netns", "add", ns]);
  for (const n of NETS) run("ip", ["-n", ns, "link", "add", n.bridge, "type", "bridge"]);
  const inner = commandRunner(ns);
  const calls: string[][] = [];
  const runner: CommandRunner = async (cmd, args, input) => { calls.push([cmd, ...args]); return inner(cmd, args, input); };
  const netfilter = netfilterIn(ns);
  const fw = new NftablesBackend({ netns: ns, runner, openNetfilter: netfilter.open, nfnetlink, iptablesCompat: false });
  return { ns, fw, calls, netfilter };
}

/** `nft -j list table inet dnet` without handles (they count rules and sets, not what they say). */
function listing(ns: string): unknown {
  const text = run("ip", ["netns", "exec", ns, "nft", "-j", "list", "table", "inet", "dnet"]);
  return JSON.parse(text, (k, v: unknown) => (k === "handle" ? undefined : v));
}

const nftFiles = (s: Side): number => s.calls.filter((c) => c[0] === "nft" && c[1] === "-f").length;

describe("nftables backend: networks over nfnetlink", rootOnly, () => {
  let viaSocket: Side;
  let viaNft: Side;

  before(() => {
    viaSocket = side("tnfnet", true);
    viaNft = side("tnfnft", false);
  });

  after(async () => {
    for (const s of [viaSocket, viaNft]) {
      await s?.fw.close();
      s?.netfilter.close();
      if (s !== undefined) tryRun("ip", ["netns", "del", s.ns]);
    }
  });

  const both = async (fn: (fw: NftablesBackend) => Promise<void>): Promise<void> => {
    await fn(viaSocket.fw);
    await fn(viaNft.fw);
    assert.deepEqual(listing(viaSocket.ns), listing(viaNft.ns), "both paths leave the same table");
  };

  test("add and remove networks (v4, v6, adjacent, SNAT, internal, two subnets): same table as nft -f, one nft run for the first", async () => {
    for (const n of NETS) await both((fw) => fw.addNetwork(n));
    assert.equal(nftFiles(viaSocket), 1, "only the table's creation spawned nft");
    const masq = JSON.stringify(listing(viaSocket.ns));
    for (const s of ["10.211.0.0", "10.211.2.0", "fd00:211:0:1::", "192.0.2.9"]) assert.ok(masq.includes(s), s);
    // The middle one of three adjacent ranges, then its neighbours, then back in another order.
    for (const id of ["n2", "n1", "n3"]) await both((fw) => fw.removeNetwork(id));
    for (const n of [NETS[3], NETS[1], NETS[2]]) await both((fw) => fw.addNetwork(n as FirewallNetwork));
    await both((fw) => fw.removeNetwork("n4"));
    assert.equal(nftFiles(viaSocket), 1, "every later change went through the socket");
    assert.deepEqual(await viaSocket.fw.check(), { drifted: false, problems: [] });
  });

  test("an overlapping subnet is refused before the kernel and changes nothing", async () => {
    const before = listing(viaSocket.ns);
    await assert.rejects(viaSocket.fw.addNetwork(net("nx", "brqx", ["10.211.1.128/25"], [])), { code: "ERR_FIREWALL_SUBNET_OVERLAP" });
    await assert.rejects(viaSocket.fw.addNetwork(net("ny", "brqy", [], ["fd00:211::/56"])), { code: "ERR_FIREWALL_SUBNET_OVERLAP" });
    assert.deepEqual(listing(viaSocket.ns), before);
  });

  test("a batch the kernel refuses late (snat4 holds the range with another source) leaves nothing of its earlier sets", async () => {
    const nft = (...a: string[]): string => run("ip", ["netns", "exec", viaSocket.ns, "nft", ...a]);
    nft("add", "element", "inet", "dnet", "snat4", "{ 10.219.0.0/24 : 192.0.2.1 }"); // someone else's
    const before = listing(viaSocket.ns);
    const writer = NfnlElementWriter.open(viaSocket.netfilter.open);
    try {
      const p = { t: "prefix", v: parsePrefix("10.219.0.0/24") } as const;
      const br = { t: "ifname", v: "brqz" } as const;
      const add = new Map<string, NftElement[]>([
        ["bridges", [{ key: [br] }]], ["nets4", [{ key: [p, br] }]], ["masq4", [{ key: [p] }]],
        ["snat4", [{ key: [p], data: [{ t: "addr", v: parseIp("192.0.2.2") }] }]],
      ]);
      const err = await writer.apply([dnetTable()], add, new Map()).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof NetlinkError, String(err));
      assert.equal(err.operation, "NFT_MSG_NEWSETELEM dnet snat4");
      assert.equal(err.code, "EEXIST");
      assert.deepEqual(listing(viaSocket.ns), before, "bridges, nets4 and masq4 of the same batch were not applied");
    } finally {
      writer.close();
      nft("delete", "element", "inet", "dnet", "snat4", "{ 10.219.0.0/24 }");
    }
  });

  test("the last network's removal deletes the table on both paths", async () => {
    for (const id of ["n3", "n2", "n1", "n0"]) { await viaSocket.fw.removeNetwork(id); await viaNft.fw.removeNetwork(id); }
    for (const s of [viaSocket, viaNft]) {
      assert.equal(tryRun("ip", ["netns", "exec", s.ns, "nft", "list", "table", "inet", "dnet"]), undefined, s.ns);
    }
  });
});
