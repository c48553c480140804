// Root end-to-end test of bridge options: a pre-existing bridge is used and left in place on delete
// (without the gateway address dnet put on it); inhibit_ipv4 on the user's bridge and on one dnet makes;
// IPv6 dual stack (v6 gateway on the bridge, v6 forwarding, v6 between sandboxes, masqueraded out,
// published on [::], hairpin). The controller runs in a scratch netns H. Not root: skipped with a reason.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootOnly } from "../../testing/kernel.js";
import { ONET } from "../../testing/bridge-scenarios-opts.js";
import { OUTSIDE as O, ScratchHost, type Report } from "../../testing/bridge-topology.js";

interface LinkView { readonly kind: string; readonly mtu: number; readonly mac: string; readonly addrs: readonly string[] }

describe("bridge e2e: bridge options and IPv6", { ...rootOnly, timeout: 180_000 }, () => {
  let host: ScratchHost | undefined;
  let br: Report = {};
  let v6: Report = {};
  const seenIn = (r: Report, key: string): unknown => {
    assert.ok(key in r, `the scenario did not record "${key}"`);
    return r[key];
  };

  before(async () => {
    host = new ScratchHost("bo").build();
    br = await host.run("bridges");
    v6 = await host.run("ipv6");
  });

  after(() => host?.teardown());

  test("com.docker.network.bridge.name of an existing bridge: used as is, gets the gateway, carries traffic", () => {
    const pre = seenIn(br, "pre: brpre while in use") as LinkView;
    assert.equal(pre.kind, "bridge");
    assert.deepEqual(pre.addrs, [`${ONET.pre}.1/24`]);
    assert.equal(seenIn(br, "pre: ports of brpre"), 2);
    assert.equal(seenIn(br, "pre: brpre mcast_snooping"), 1, "a user's bridge keeps its multicast snooping");
    assert.equal(seenIn(br, "pre: ping p2 → p1"), true);
    assert.equal(seenIn(br, "pre: curl outside → host:8083"), `p1 ${ONET.pre}.2 ${O.peerIp}`);
    assert.equal(seenIn(br, "pre: curl p1 → internet"), `out ${O.internetIp} ${O.hostIp}`);
  });

  test("deleting the network leaves the pre-existing bridge in place, without our address, route or rules", () => {
    const after = seenIn(br, "pre: brpre after delete");
    assert.notEqual(after, "gone");
    assert.equal((after as LinkView).kind, "bridge");
    assert.deepEqual((after as LinkView).addrs, []);
    assert.deepEqual(seenIn(br, "pre: routes after delete"), []);
    assert.equal(seenIn(br, "pre: ruleset mentions brpre"), false);
  });

  test("inhibit_ipv4 on the user's bridge: its address stays the only one, sandboxes route through it", () => {
    assert.deepEqual(seenIn(br, "inh: brinh addresses"), [`${ONET.inh}.254/24`]);
    assert.ok((seenIn(br, "inh: i1 routes") as string[]).includes(`default via ${ONET.inh}.254 dev eth0`));
    assert.equal(seenIn(br, "inh: ping i1 → user's gateway"), true);
    assert.equal(seenIn(br, "inh: curl i1 → internet"), `out ${O.internetIp} ${O.hostIp}`);
    assert.deepEqual(seenIn(br, "inh: brinh after delete"), [`${ONET.inh}.254/24`], "the user's address is the user's");
  });

  test("inhibit_ipv4 on a bridge dnet creates: no IPv4 on it, yet sandboxes get the gateway (Docker's behaviour)", () => {
    assert.deepEqual(seenIn(br, "inh2: bridge addresses"), []);
    assert.ok((seenIn(br, "inh2: j1 routes") as string[]).includes(`default via ${ONET.inh2}.1 dev eth0`));
  });

  test("IPv6: the v6 gateway on the bridge, v6 forwarding on in H", () => {
    assert.deepEqual((seenIn(v6, "bridge") as LinkView).addrs, [`${ONET.v6}.1/24`, `${ONET.v6p}::1/64`]);
    assert.equal(seenIn(v6, "v6 forwarding in H"), "1");
  });

  test("IPv6: sandboxes get both addresses and both default routes via the gateway endpoint", () => {
    assert.deepEqual(seenIn(v6, "addresses"), { s1: `${ONET.v6}.2`, s1v6: `${ONET.v6p}::2`, s2: `${ONET.v6}.3`, s2v6: `${ONET.v6p}::3` });
    const eth0 = (seenIn(v6, "s1 links") as Record<string, LinkView>).eth0;
    assert.deepEqual(eth0?.addrs, [`${ONET.v6}.2/24`, `${ONET.v6p}::2/64`]);
    assert.equal(eth0?.mac, "02:42:0a:f3:06:02", "the MAC still comes from the IPv4 address");
    const routes = seenIn(v6, "s1 routes") as string[];
    assert.ok(routes.includes(`default via ${ONET.v6}.1 dev eth0`));
    assert.ok(routes.includes(`default via ${ONET.v6p}::1 dev eth0`));
    assert.equal(seenIn(v6, "s1 eth0 disable_ipv6"), "0", "IPv6 stays on where the network has it");
  });

  test("IPv6 traffic: between sandboxes, to the gateway, masqueraded to the outside", () => {
    assert.equal(seenIn(v6, "ping6 s1 → s2"), true);
    assert.equal(seenIn(v6, "ping6 s1 → gateway"), true);
    assert.equal(seenIn(v6, "ping s1 → s2"), true);
    assert.equal(seenIn(v6, "curl6 s1 → internet"), `out ${O.internetIp6} ${O.hostIp6}`);
    assert.equal(seenIn(v6, "curl s1 → internet"), `out ${O.internetIp} ${O.hostIp}`);
  });

  test("IPv6 published ports: on [::] and 0.0.0.0 with the same host port, hairpin too; nothing else gets in", () => {
    assert.deepEqual(seenIn(v6, "s1 portmap"), [
      { Proto: "tcp", IP: `${ONET.v6}.2`, Port: 80, HostIP: "0.0.0.0", HostPort: 8086, HostPortEnd: 8086 },
      { Proto: "tcp", IP: `${ONET.v6p}::2`, Port: 80, HostIP: "::", HostPort: 8086, HostPortEnd: 8086 },
    ]);
    assert.equal(seenIn(v6, "curl6 outside → host:8086"), `s1 ${ONET.v6p}::2 ${O.peerIp6}`);
    assert.equal(seenIn(v6, "curl outside → host:8086"), `s1 ${ONET.v6}.2 ${O.peerIp}`);
    assert.equal(seenIn(v6, "curl6 s2 → host:8086 (hairpin)"), `s1 ${ONET.v6p}::2 ${ONET.v6p}::1`);
    assert.equal(seenIn(v6, "curl6 outside → s1 directly"), "FAIL");
  });
});
