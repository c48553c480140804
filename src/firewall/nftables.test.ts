// Root end-to-end test of the nftables backend with real packets in scratch namespaces.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { netfilterIn, rootOnly, uniqueName } from "../testing/kernel.js";
import { parseIp, parsePrefix } from "../types/index.js";
import type { FirewallNetwork } from "./contract.js";
import { NftablesBackend } from "./nftables.js";
import { OUT, Topology } from "./testing-topology.js";

const NETS: Record<string, FirewallNetwork> = {
  a: { id: "net-a", bridge: "bra", subnets4: [parsePrefix("10.201.1.1/24")], subnets6: [parsePrefix("fd00:201:1::1/64")],
    internal: false, icc: true, masquerade: true },
  b: { id: "net-b", bridge: "brb", subnets4: [parsePrefix("10.201.2.1/24")], subnets6: [],
    internal: false, icc: true, masquerade: true, snatSource: parseIp(OUT.host4b) },
  c: { id: "net-c", bridge: "brc", subnets4: [parsePrefix("10.201.3.1/24")], subnets6: [],
    internal: false, icc: false, masquerade: true },
  i: { id: "net-i", bridge: "bri", subnets4: [parsePrefix("10.201.4.1/24")], subnets6: [],
    internal: true, icc: true, masquerade: true },
};

function net(key: string): FirewallNetwork {
  const n = NETS[key];
  if (n === undefined) throw new Error(`no network ${key}`);
  return n;
}

describe("nftables backend: real packets in scratch namespaces", rootOnly, () => {
  const topo = new Topology(uniqueName("fw"));
  let fw: NftablesBackend;
  let netfilter: ReturnType<typeof netfilterIn> | undefined;

  /** `nft -j list table inet dnet` in HOST, or undefined when the table does not exist. */
  const listTable = (): string | undefined => {
    try { return topo.exec(topo.host, "nft", ["-j", "list", "table", "inet", "dnet"]); } catch { return undefined; }
  };
  /** Elements of one set as nft prints them in JSON. */
  const elements = (set: string): unknown[] => {
    const doc = JSON.parse(listTable() ?? "{}") as { nftables?: Array<Record<string, { name?: string; elem?: unknown[] }>> };
    const item = (doc.nftables ?? []).map((i) => i.set ?? i.map).find((s) => s?.name === set);
    assert.ok(item !== undefined, `set ${set} exists`);
    return item.elem ?? [];
  };

  before(async () => {
    topo.build([
      { key: "a", v4: "10.201.1", v6: "fd00:201:1", sandboxes: 2 },
      { key: "b", v4: "10.201.2", sandboxes: 2 },
      { key: "c", v4: "10.201.3", sandboxes: 2 },
      { key: "i", v4: "10.201.4", sandboxes: 2 },
    ]);
    await Promise.all([
      topo.serve(topo.outside, ["tcp:80"]),
      topo.serve(topo.ns("a1"), ["tcp:80", "udp:5353", "tcp:9000", "tcp:9001", "tcp:9002"]),
      topo.serve(topo.ns("c1"), ["tcp:80"]),
    ]);
    netfilter = netfilterIn(topo.host);
    fw = new NftablesBackend({ netns: topo.host, openNetfilter: netfilter.open });
  });

  after(async () => {
    await fw?.close();
    netfilter?.close();
    topo.teardown();
  });

  test("baseline without the firewall: networks reach each other (the checks below are not vacuous)", () => {
    assert.ok(topo.ping(topo.ns("a1"), "10.201.2.2"), "a1 → b1");
    assert.ok(topo.ping(topo.ns("c1"), "10.201.3.3"), "c1 → c2");
    assert.equal(topo.curl(topo.ns("a1"), OUT.peer4, 80), undefined, "no NAT yet: the outside cannot answer");
  });

  test("addNetwork programs four networks; adding the same one again is a no-op", async () => {
    for (const k of ["a", "b", "c", "i"]) await fw.addNetwork(net(k));
    await fw.addNetwork(net("a"));
    await assert.rejects(fw.addNetwork({ ...net("a"), icc: false }), { code: "ERR_FIREWALL_NETWORK_EXISTS" });
    await assert.rejects(fw.addNetwork({ ...net("a"), id: "other" }), { code: "ERR_FIREWALL_BRIDGE_IN_USE" });
    await assert.rejects(fw.addNetwork({ ...net("a"), id: "other", bridge: "brz" }), { code: "ERR_FIREWALL_SUBNET_OVERLAP" });
    assert.deepEqual(elements("bridges").sort(), ["bra", "brb", "brc", "bri"]);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  });

  test("same network: sandboxes ping each other", () => {
    assert.ok(topo.ping(topo.ns("a1"), "10.201.1.3"));
    assert.ok(topo.ping(topo.ns("b2"), "10.201.2.2"));
    assert.ok(topo.ping(topo.ns("i1"), "10.201.4.3"), "internal network, intra");
  });

  test("different networks cannot reach each other", () => {
    assert.ok(!topo.ping(topo.ns("a1"), "10.201.2.2"), "a1 → b1");
    assert.ok(!topo.ping(topo.ns("b1"), "10.201.1.2"), "b1 → a1");
    assert.ok(!topo.ping(topo.ns("a2"), "10.201.3.2"), "a2 → c1");
  });

  test("ICC off blocks intra-network traffic but not the way out", () => {
    assert.ok(!topo.ping(topo.ns("c1"), "10.201.3.3"), "c1 → c2");
    assert.equal(topo.curl(topo.ns("c2"), "10.201.3.2", 80), undefined, "c2 → c1:80");
    assert.equal(topo.curl(topo.ns("c1"), OUT.peer4, 80), `${OUT.host4} 80`);
  });

  test("masquerade and SNAT: the outside sees the host's address", () => {
    assert.equal(topo.curl(topo.ns("a1"), OUT.peer4, 80), `${OUT.host4} 80`);
    assert.equal(topo.curl(topo.ns("b1"), OUT.peer4, 80), `${OUT.host4b} 80`, "SNAT to snatSource");
  });

  test("internal network: nothing leaves the subnet; intra and the gateway still work", () => {
    assert.ok(topo.ping(topo.ns("i2"), "10.201.4.2"));
    assert.ok(topo.ping(topo.ns("i1"), "10.201.4.1"), "gateway (host input, as in Docker)");
    assert.equal(topo.curl(topo.ns("i1"), OUT.peer4, 80), undefined);
    assert.ok(!topo.ping(topo.ns("i1"), OUT.peer4));
    assert.ok(!topo.ping(topo.ns("i1"), "10.201.1.2"), "i1 → a1");
  });

  test("published ports answer from outside, from the host, by hairpin and from other networks", async () => {
    await fw.addPortMappings("net-a", "ep-a1", [
      { proto: "tcp", hostPort: 8080, hostPortEnd: 8080, containerIp: parseIp("10.201.1.2"), containerPort: 80 },
      { proto: "udp", hostPort: 5353, hostPortEnd: 5353, containerIp: parseIp("10.201.1.2"), containerPort: 5353 },
      { proto: "tcp", hostPort: 18000, hostPortEnd: 18002, containerIp: parseIp("10.201.1.2"), containerPort: 9000 },
      { proto: "tcp", hostIp: parseIp(OUT.host4), hostPort: 8081, hostPortEnd: 8081, containerIp: parseIp("10.201.1.2"), containerPort: 80 },
      { proto: "tcp", hostIp: parseIp(OUT.host6), hostPort: 8082, hostPortEnd: 8082, containerIp: parseIp("fd00:201:1::2"), containerPort: 80 },
    ]);
    const out = topo.outside;
    assert.equal(topo.curl(out, OUT.host4, 8080), `${OUT.peer4} 80`, "tcp, the client address is kept");
    assert.equal(topo.curl(out, OUT.host4b, 8080), `${OUT.peer4} 80`, "every local address");
    assert.equal(topo.udp(out, OUT.host4, 5353), `${OUT.peer4} 5353`, "udp");
    assert.equal(topo.curl(out, OUT.host4, 18000), `${OUT.peer4} 9000`, "range, first");
    assert.equal(topo.curl(out, OUT.host4, 18002), `${OUT.peer4} 9002`, "range, last");
    assert.equal(topo.curl(out, OUT.host4, 8081), `${OUT.peer4} 80`, "bound to a host IPv4");
    assert.equal(topo.curl(out, OUT.host4b, 8081), undefined, "not on the other host address");
    assert.equal(topo.curl(out, OUT.host6, 8082), `${OUT.peer6} 80`, "bound to a host IPv6");
    assert.equal(topo.curl(topo.host, "127.0.0.1", 8080), "10.201.1.1 80", "host loopback");
    assert.equal(topo.curl(topo.host, OUT.host4, 8080), `${OUT.host4} 80`, "host's own address");
    assert.equal(topo.curl(topo.host, "10.201.1.1", 18001), "10.201.1.1 9001", "host's bridge address");
    assert.equal(topo.curl(topo.ns("a2"), OUT.host4, 8080), "10.201.1.1 80", "hairpin from a sibling");
    assert.equal(topo.curl(topo.ns("a1"), OUT.host4, 8080), "10.201.1.1 80", "hairpin to itself");
    // Docker's `-s subnet ! -o br` NAT applies on the way to another bridge too: b1 is seen as its SNAT source.
    assert.equal(topo.curl(topo.ns("b1"), OUT.host4, 8080), `${OUT.host4b} 80`, "from another network");
  });

  test("a published port of an ICC-off network is reachable by its sibling through the host address", async () => {
    await fw.addPortMappings("net-c", "ep-c1", [
      { proto: "tcp", hostPort: 8090, hostPortEnd: 8090, containerIp: parseIp("10.201.3.2"), containerPort: 80 },
    ]);
    assert.equal(topo.curl(topo.ns("c2"), OUT.host4, 8090), "10.201.3.1 80");
    assert.equal(topo.curl(topo.ns("c2"), "10.201.3.2", 80), undefined, "but not directly");
  });

  test("port conflicts, internal networks and unknown networks are refused and change nothing", async () => {
    const before = listTable();
    const m = { proto: "tcp" as const, hostPort: 8080, hostPortEnd: 8080, containerIp: parseIp("10.201.1.3"), containerPort: 80 };
    await assert.rejects(fw.addPortMappings("net-a", "ep-a2", [m]), { code: "ERR_FIREWALL_PORT_IN_USE" });
    await assert.rejects(fw.addPortMappings("net-a", "ep-a2", [{ ...m, hostPort: 18001, hostPortEnd: 18005 }]), { code: "ERR_FIREWALL_PORT_IN_USE" });
    await assert.rejects(fw.addPortMappings("net-i", "ep-i1", [{ ...m, hostPort: 7000, hostPortEnd: 7000, containerIp: parseIp("10.201.4.2") }]),
      { code: "ERR_FIREWALL_INTERNAL_PORTS" });
    await assert.rejects(fw.addPortMappings("nope", "ep", [m]), { code: "ERR_FIREWALL_NETWORK_NOT_FOUND" });
    await assert.rejects(fw.addPortMappings("net-a", "ep-a2", [{ ...m, containerIp: parseIp("10.9.9.9") }]), { kind: "invalid-argument" });
    assert.equal(listTable(), before);
  });

  test("a UDP client that keeps its port follows the published port to its new container (conntrack cleared)", async () => {
    await topo.serve(topo.ns("a2"), ["udp:5354"]);
    const [a1, a2] = [parseIp("10.201.1.2"), parseIp("10.201.1.3")];
    await fw.addPortMappings("net-a", "ep-u1", [{ proto: "udp", hostPort: 5360, hostPortEnd: 5360, containerIp: a1, containerPort: 5353 }]);
    assert.equal(topo.udp(topo.outside, OUT.host4, 5360, 40123), `${OUT.peer4} 5353`, "a1 answers");
    await fw.removePortMappings("net-a", "ep-u1");
    await fw.addPortMappings("net-a", "ep-u2", [{ proto: "udp", hostPort: 5360, hostPortEnd: 5360, containerIp: a2, containerPort: 5354 }]);
    // Without clearing, the flow's entry would still DNAT to a1:5353.
    assert.equal(topo.udp(topo.outside, OUT.host4, 5360, 40123), `${OUT.peer4} 5354`, "a2 answers the same flow");
    await fw.removePortMappings("net-a", "ep-u2");
  });

  test("a range onto the same ports answers on each of its ports; removed on purpose, its TCP and UDP flows go too", async () => {
    const a1 = parseIp("10.201.1.2");
    const range = { proto: "tcp" as const, hostPort: 9000, hostPortEnd: 9002, containerIp: a1, containerPort: 9000 };
    const udp = { proto: "udp" as const, hostPort: 5370, hostPortEnd: 5370, containerIp: a1, containerPort: 5353 };
    await fw.addPortMappings("net-a", "ep-r", [range, udp]);
    assert.deepEqual(elements("ranges4"), [[{ concat: ["tcp", { range: [9000, 9002] }] }, "10.201.1.2"]]);
    assert.equal(topo.curl(topo.outside, OUT.host4, 9001), `${OUT.peer4} 9001`, "the port stays the port");
    assert.equal(topo.curl(topo.outside, OUT.host4, 9002), `${OUT.peer4} 9002`);
    assert.equal(topo.udp(topo.outside, OUT.host4, 5370, 40124), `${OUT.peer4} 5353`);
    const flows = (): string[] => topo.exec(topo.host, "cat", ["/proc/net/nf_conntrack"]).split("\n")
      .filter((l) => / dport=(9001|9002|5370) /.test(l) && l.includes(`src=${OUT.peer4} `));
    assert.equal(flows().length, 3, "a conntrack entry per flow (TCP ones in TIME_WAIT)");
    await fw.removePortMappings("net-a", "ep-r", [range, udp]);
    assert.deepEqual(flows(), [], "their entries are gone");
    assert.deepEqual(elements("ranges4"), []);
    assert.equal(topo.curl(topo.outside, OUT.host4, 9001), undefined);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  });

  test("removePortMappings leaves no element of the endpoint", async () => {
    await fw.removePortMappings("net-a", "ep-a1");
    await fw.removePortMappings("net-a", "ep-a1");
    assert.deepEqual(elements("ports4"), [[{ concat: ["tcp", 8090] }, { concat: ["10.201.3.2", 80] }]]);
    assert.deepEqual(elements("ports6"), []);
    assert.deepEqual(elements("hostports4"), []);
    assert.deepEqual(elements("hostports6"), []);
    assert.equal(topo.curl(topo.outside, OUT.host4, 8080), undefined);
    assert.equal(topo.udp(topo.outside, OUT.host4, 5353), undefined);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  });

  test("drift: a deleted table is reported and restored, with connectivity", async () => {
    topo.exec(topo.host, "nft", ["delete", "table", "inet", "dnet"]);
    const report = await fw.check();
    assert.equal(report.drifted, true);
    assert.deepEqual(report.problems, ["table inet dnet is missing"]);
    assert.ok(topo.ping(topo.ns("a1"), "10.201.2.2"), "isolation is gone while drifted");
    await fw.restore();
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    assert.ok(!topo.ping(topo.ns("a1"), "10.201.2.2"), "isolation is back");
    assert.equal(topo.curl(topo.ns("a1"), OUT.peer4, 80), `${OUT.host4} 80`, "masquerade is back");
  });

  test("drift: a flushed set and a flushed chain are reported; the next change repairs them", async () => {
    topo.exec(topo.host, "nft", ["flush", "set", "inet", "dnet", "masq4"]);
    topo.exec(topo.host, "nft", ["flush", "chain", "inet", "dnet", "forward"]);
    const report = await fw.check();
    assert.equal(report.drifted, true);
    assert.ok(report.problems.includes("chain forward of inet dnet has 0 rule(s), expected 8"), report.problems.join("; "));
    assert.ok(report.problems.includes("set masq4 of inet dnet lacks element 10.201.1.0/24"), report.problems.join("; "));
    await fw.addPortMappings("net-a", "ep-a1", [
      { proto: "tcp", hostPort: 8080, hostPortEnd: 8080, containerIp: parseIp("10.201.1.2"), containerPort: 80 },
    ]);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    assert.equal(topo.curl(topo.outside, OUT.host4, 8080), `${OUT.peer4} 80`);
  });

  test("removeNetwork removes everything of the network; the last one removes the table", async () => {
    await fw.removeNetwork("net-c");
    await fw.removeNetwork("net-c");
    const text = listTable() ?? "";
    assert.ok(!text.includes("brc") && !text.includes("10.201.3."), "nothing of net-c is left");
    assert.deepEqual(elements("bridges").sort(), ["bra", "brb", "bri"]);
    assert.deepEqual(elements("icc_off"), []);
    for (const k of ["a", "b", "i"]) await fw.removeNetwork(net(k).id);
    assert.equal(listTable(), undefined);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    assert.ok(topo.ping(topo.ns("a1"), "10.201.2.2"), "back to the baseline");
  });
});
