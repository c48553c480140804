// Root end-to-end test: dnet next to Docker's iptables-nft layout (FORWARD policy DROP, DOCKER-USER).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { netfilterIn, rootOnly, uniqueName } from "../testing/kernel.js";
import { parseIp, parsePrefix } from "../types/index.js";
import type { FirewallNetwork } from "./contract.js";
import { NftablesBackend } from "./nftables.js";
import { OUT, Topology } from "./testing-topology.js";

const A: FirewallNetwork = {
  id: "net-a", bridge: "bra", subnets4: [parsePrefix("10.202.1.0/24")], subnets6: [parsePrefix("fd00:202:1::/64")],
  internal: false, icc: true, masquerade: true,
};
const B: FirewallNetwork = {
  id: "net-b", bridge: "brb", subnets4: [parsePrefix("10.202.2.0/24")], subnets6: [], internal: false, icc: true, masquerade: true,
};
const PUBLISH = [
  { proto: "tcp" as const, hostPort: 8080, hostPortEnd: 8080, containerIp: parseIp("10.202.1.2"), containerPort: 80 },
  { proto: "tcp" as const, hostPort: 8080, hostPortEnd: 8080, containerIp: parseIp("fd00:202:1::2"), containerPort: 80 },
];

describe("coexistence with Docker's iptables (FORWARD policy DROP)", rootOnly, () => {
  const topo = new Topology(uniqueName("fw"));
  let fw: NftablesBackend;
  let netfilter: ReturnType<typeof netfilterIn> | undefined;
  const ipt = (tool: "iptables" | "ip6tables", ...args: string[]): string => topo.exec(topo.host, tool, ["-w", ...args]);
  const snapshot = (): string => `${ipt("iptables", "-S")}\n${ipt("ip6tables", "-S")}`;

  before(async () => {
    topo.build([{ key: "a", v4: "10.202.1", v6: "fd00:202:1", sandboxes: 2 }, { key: "b", v4: "10.202.2", sandboxes: 1 }]);
    await Promise.all([topo.serve(topo.outside, ["tcp:80"]), topo.serve(topo.ns("a1"), ["tcp:80"])]);
    // What dockerd does at start (iptables-nft), plus a rule of "Docker's" that must survive us.
    for (const tool of ["iptables", "ip6tables"] as const) {
      ipt(tool, "-N", "DOCKER-USER");
      ipt(tool, "-A", "DOCKER-USER", "-j", "RETURN");
      ipt(tool, "-I", "FORWARD", "-j", "DOCKER-USER");
      ipt(tool, "-N", "DOCKER");
      ipt(tool, "-A", "FORWARD", "-o", "docker0", "-j", "DOCKER");
      ipt(tool, "-P", "FORWARD", "DROP");
    }
    netfilter = netfilterIn(topo.host);
    fw = new NftablesBackend({ netns: topo.host, openNetfilter: netfilter.open });
  });

  after(async () => {
    await fw?.close();
    netfilter?.close();
    topo.teardown();
  });

  test("baseline: the DROP policy blocks bridged and routed traffic", () => {
    assert.ok(!topo.ping(topo.ns("a1"), "10.202.1.3"), "a1 → a2 (bridged, through br_netfilter)");
    assert.ok(!topo.ping(topo.ns("a1"), OUT.peer4), "a1 → outside");
  });

  test("with DOCKER-USER: our networks work, isolation stays, Docker's rules and policy are untouched", async () => {
    const docker = snapshot();
    await fw.addNetwork(A);
    await fw.addNetwork(B);
    await fw.addPortMappings(A.id, "ep-a1", PUBLISH);
    const user = ipt("iptables", "-S", "DOCKER-USER").trim().split("\n");
    assert.equal(user.length, 1 + 8 + 1, user.join("\n"));
    assert.ok(user.includes('-A DOCKER-USER -i dnpbnet-a+ -o dnpbnet-a+ -m comment --comment "dnet:net-a:pb" -j ACCEPT'), "port bridges' traffic");
    assert.equal(user.at(-1), "-A DOCKER-USER -j RETURN", "inserted above Docker's RETURN");
    assert.ok(user.includes('-A DOCKER-USER -i bra -m comment --comment "dnet:net-a:out" -j ACCEPT'));
    assert.equal(ipt("ip6tables", "-S", "DOCKER-USER").trim().split("\n").length, 1 + 4 + 1, "v6 only for net-a");
    assert.ok(topo.ping(topo.ns("a1"), "10.202.1.3"), "a1 → a2");
    assert.equal(topo.curl(topo.ns("a1"), OUT.peer4, 80), `${OUT.host4} 80`, "masqueraded way out");
    assert.equal(topo.curl(topo.outside, OUT.host4, 8080), `${OUT.peer4} 80`, "published v4 port");
    assert.equal(topo.curl(topo.outside, OUT.host6, 8080), `${OUT.peer6} 80`, "published v6 port");
    assert.equal(topo.curl(topo.ns("a2"), OUT.host4, 8080), "10.202.1.1 80", "hairpin");
    assert.ok(!topo.ping(topo.ns("a1"), "10.202.2.2"), "isolation still holds: accept in iptables, drop in dnet");
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });

    ipt("iptables", "-D", "DOCKER-USER", "-i", "bra", "-m", "comment", "--comment", "dnet:net-a:out", "-j", "ACCEPT");
    const report = await fw.check();
    assert.deepEqual(report.problems, ["iptables FORWARD policy is DROP and DOCKER-USER lacks rule dnet:net-a:out"]);
    assert.ok(!topo.ping(topo.ns("a1"), "10.202.1.3"), "the missing rule shows");
    await fw.restore();
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    assert.ok(topo.ping(topo.ns("a1"), "10.202.1.3"), "restored");

    await fw.removeNetwork(A.id);
    await fw.removeNetwork(B.id);
    assert.equal(snapshot(), docker, "exactly Docker's rules and policies are left");
  });

  test("without DOCKER-USER the rules go into FORWARD, and come out again", async () => {
    for (const tool of ["iptables", "ip6tables"] as const) {
      ipt(tool, "-D", "FORWARD", "-j", "DOCKER-USER");
      ipt(tool, "-F", "DOCKER-USER");
      ipt(tool, "-X", "DOCKER-USER");
    }
    const before = snapshot();
    await fw.addNetwork(A);
    const forward = ipt("iptables", "-S", "FORWARD").trim().split("\n");
    assert.equal(forward.filter((l) => l.includes("dnet:net-a:")).length, 4);
    assert.equal(forward[1]?.includes("dnet:net-a:"), true, "inserted at the top");
    assert.ok(topo.ping(topo.ns("a1"), "10.202.1.3"));
    assert.equal(topo.curl(topo.ns("a1"), OUT.peer4, 80), `${OUT.host4} 80`);
    await fw.removeNetwork(A.id);
    assert.equal(snapshot(), before);
    assert.ok(!topo.ping(topo.ns("a1"), "10.202.1.3"), "back to Docker's DROP");
  });
});
