// Pure tests (no root): exact rendered rulesets and elements, validation of everything interpolated.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIp, parsePrefix } from "../types/index.js";
import type { FirewallNetwork, PortMapping } from "./contract.js";
import { canonicalElement, canonicalJsonElement, parseListedTable, tableDrift } from "./drift.js";
import { compatRules, parseForwardStates, restoreLine } from "./iptables-compat.js";
import { renderDeleteTable, renderElementChanges, renderElements, renderReplaceTable } from "./nft-ast.js";
import { desiredElements, dnetTable, mappingElements, networkElements } from "./rules.js";
import { validateMapping, validateNetwork } from "./validate.js";

const web: FirewallNetwork = validateNetwork({
  id: "3f9a", bridge: "br-3f9a", subnets4: [parsePrefix("172.18.0.1/16")], subnets6: [parsePrefix("fd00:dead:beef::1/64")],
  internal: false, icc: true, masquerade: true,
});
const db: FirewallNetwork = validateNetwork({
  id: "77aa", bridge: "br-77aa", subnets4: [parsePrefix("172.19.0.0/16")], subnets6: [],
  internal: true, icc: false, masquerade: true,
});
const snat: FirewallNetwork = validateNetwork({
  id: "5c5c", bridge: "docker1", subnets4: [parsePrefix("172.20.0.0/24")], subnets6: [parsePrefix("fd00:1::/64")],
  internal: false, icc: true, masquerade: true, snatSource: parseIp("192.0.2.10"),
});
const map = (m: Partial<PortMapping>): PortMapping => validateMapping(web, {
  proto: "tcp", hostPort: 8080, hostPortEnd: 8080, containerIp: parseIp("172.18.0.2"), containerPort: 80, ...m,
});

const TABLE = `add table inet dnet
delete table inet dnet
table inet dnet {
\tset bridges {
\t\ttype ifname
\t}
\tset intra {
\t\ttype ifname . ifname
\t}
\tset icc_off {
\t\ttype ifname
\t}
\tset internal {
\t\ttype ifname
\t}
\tset internal4 {
\t\ttype ifname . ipv4_addr
\t\tflags interval
\t}
\tset internal6 {
\t\ttype ifname . ipv6_addr
\t\tflags interval
\t}
\tset nets4 {
\t\ttype ipv4_addr . ifname
\t\tflags interval
\t}
\tset nets6 {
\t\ttype ipv6_addr . ifname
\t\tflags interval
\t}
\tset masq4 {
\t\ttype ipv4_addr
\t\tflags interval
\t}
\tset masq6 {
\t\ttype ipv6_addr
\t\tflags interval
\t}
\tmap snat4 {
\t\ttype ipv4_addr : ipv4_addr
\t\tflags interval
\t}
\tmap snat6 {
\t\ttype ipv6_addr : ipv6_addr
\t\tflags interval
\t}
\tmap ports4 {
\t\ttype inet_proto . inet_service : ipv4_addr . inet_service
\t}
\tmap ports6 {
\t\ttype inet_proto . inet_service : ipv6_addr . inet_service
\t}
\tmap hostports4 {
\t\ttype ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service
\t}
\tmap hostports6 {
\t\ttype ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service
\t}
\tmap ranges4 {
\t\ttype inet_proto . inet_service : ipv4_addr
\t\tflags interval
\t}
\tmap ranges6 {
\t\ttype inet_proto . inet_service : ipv6_addr
\t\tflags interval
\t}
\tmap hostranges4 {
\t\ttype ipv4_addr . inet_proto . inet_service : ipv4_addr
\t\tflags interval
\t}
\tmap hostranges6 {
\t\ttype ipv6_addr . inet_proto . inet_service : ipv6_addr
\t\tflags interval
\t}
\tchain raw {
\t\ttype filter hook prerouting priority -300; policy accept;
\t\tiifname "dnpb*" fib daddr type != local notrack
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\tiifname @internal iifname . ip daddr != @internal4 drop
\t\tiifname @internal iifname . ip6 daddr != @internal6 drop
\t\toifname @internal oifname . ip saddr != @internal4 drop
\t\toifname @internal oifname . ip6 saddr != @internal6 drop
\t\tct status dnat accept
\t\tiifname @icc_off oifname @icc_off drop
\t\tiifname @bridges oifname @bridges iifname . oifname != @intra drop
\t\toifname @bridges iifname != @bridges ct state new drop
\t}
\tchain prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tfib daddr type local jump hostports
\t}
\tchain output {
\t\ttype nat hook output priority -100; policy accept;
\t\tfib daddr type local jump hostports
\t}
\tchain hostports {
\t\tdnat ip to ip daddr . meta l4proto . th dport map @hostports4
\t\tdnat ip to ip daddr . meta l4proto . th dport map @hostranges4
\t\tdnat ip to meta l4proto . th dport map @ports4
\t\tdnat ip to meta l4proto . th dport map @ranges4
\t\tdnat ip6 to ip6 daddr . meta l4proto . th dport map @hostports6
\t\tdnat ip6 to ip6 daddr . meta l4proto . th dport map @hostranges6
\t\tdnat ip6 to meta l4proto . th dport map @ports6
\t\tdnat ip6 to meta l4proto . th dport map @ranges6
\t}
\tchain postrouting {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\toifname "dnpb*" accept
\t\tct status dnat oifname @bridges ip saddr 127.0.0.0/8 masquerade
\t\tct status dnat ip saddr . oifname @nets4 masquerade
\t\tct status dnat ip6 saddr . oifname @nets6 masquerade
\t\tip saddr . oifname != @nets4 snat ip to ip saddr map @snat4
\t\tip6 saddr . oifname != @nets6 snat ip6 to ip6 saddr map @snat6
\t\tip saddr @masq4 ip saddr . oifname != @nets4 masquerade
\t\tip6 saddr @masq6 ip6 saddr . oifname != @nets6 masquerade
\t}
}
`;

test("the whole table for a dual-stack network with two published ports, exactly", () => {
  const text = renderReplaceTable(dnetTable(), desiredElements([{
    net: web,
    endpoints: new Map([["ep1", [map({}), map({ proto: "udp", hostIp: parseIp("::1"), hostPort: 53, hostPortEnd: 53,
      containerIp: parseIp("fd00:dead:beef::2"), containerPort: 5353 })]]]),
  }]));
  assert.equal(text, `${TABLE}add element inet dnet bridges { "br-3f9a" }
add element inet dnet intra { "br-3f9a" . "br-3f9a" }
add element inet dnet nets4 { 172.18.0.0/16 . "br-3f9a" }
add element inet dnet nets6 { fd00:dead:beef::/64 . "br-3f9a" }
add element inet dnet masq4 { 172.18.0.0/16 }
add element inet dnet masq6 { fd00:dead:beef::/64 }
add element inet dnet ports4 { tcp . 8080 : 172.18.0.2 . 80 }
add element inet dnet hostports6 { ::1 . udp . 53 : fd00:dead:beef::2 . 5353 }
`);
});

test("an internal ICC-off network: no NAT elements, internal and icc_off elements", () => {
  const text = renderElements("add", dnetTable(), networkElements(db).build()).join("\n");
  assert.equal(text, `add element inet dnet bridges { "br-77aa" }
add element inet dnet intra { "br-77aa" . "br-77aa" }
add element inet dnet icc_off { "br-77aa" }
add element inet dnet internal { "br-77aa" }
add element inet dnet internal4 { "br-77aa" . 172.19.0.0/16 }
add element inet dnet nets4 { 172.19.0.0/16 . "br-77aa" }`);
});

test("SNAT replaces masquerade for the family of the source only", () => {
  const text = renderElements("add", dnetTable(), networkElements(snat).build()).join("\n");
  assert.match(text, /^add element inet dnet snat4 \{ 172\.20\.0\.0\/24 : 192\.0\.2\.10 \}$/m);
  assert.match(text, /^add element inet dnet masq6 \{ fd00:1::\/64 \}$/m);
  assert.doesNotMatch(text, /masq4|snat6/);
  const noMasq = validateNetwork({ ...snat, masquerade: false });
  assert.doesNotMatch(renderElements("add", dnetTable(), networkElements(noMasq).build()).join("\n"), /masq|snat/);
});

test("a range onto the same ports is one interval element per family, whatever its length", () => {
  const v4 = map({ hostPort: 10000, hostPortEnd: 19999, containerPort: 10000 });
  const v6 = map({ proto: "udp", hostIp: parseIp("fd00:dead:beef::1"), hostPort: 10000, hostPortEnd: 19999, containerIp: parseIp("fd00:dead:beef::2"), containerPort: 10000 });
  assert.equal(renderElements("add", dnetTable(), mappingElements([v4, v6]).build()).join("\n"),
    `add element inet dnet ranges4 { tcp . 10000-19999 : 172.18.0.2 }
add element inet dnet hostranges6 { fd00:dead:beef::1 . udp . 10000-19999 : fd00:dead:beef::2 }`);
  assert.equal(renderElements("delete", dnetTable(), mappingElements([v4]).build()).join("\n"),
    "delete element inet dnet ranges4 { tcp . 10000-19999 }");
});

test("a shifted range (host ports other than the container's) becomes one map element per port; a delta deletes by key before adding", () => {
  const range = map({ hostPort: 9000, hostPortEnd: 9002, containerPort: 7000, hostIp: parseIp("192.0.2.1") });
  const del = mappingElements([map({})]).build();
  const add = mappingElements([range]).build();
  assert.equal(renderElementChanges(dnetTable(), add, del), `delete element inet dnet ports4 { tcp . 8080 }
add element inet dnet hostports4 { 192.0.2.1 . tcp . 9000 : 172.18.0.2 . 7000, 192.0.2.1 . tcp . 9001 : 172.18.0.2 . 7001, 192.0.2.1 . tcp . 9002 : 172.18.0.2 . 7002 }
`);
  assert.equal(renderDeleteTable(dnetTable()), "add table inet dnet\ndelete table inet dnet\n");
});

test("host binding address: the network default applies to its family; unspecified means every address", () => {
  const bound = validateNetwork({ ...web, hostBindingIp: parseIp("192.0.2.7") });
  assert.equal(validateMapping(bound, { proto: "tcp", hostPort: 1, hostPortEnd: 1, containerIp: parseIp("172.18.0.2"), containerPort: 1 })
    .hostIp?.value, parseIp("192.0.2.7").value);
  assert.equal(validateMapping(bound, { proto: "tcp", hostPort: 1, hostPortEnd: 1, containerIp: parseIp("fd00:dead:beef::2"), containerPort: 1 })
    .hostIp, undefined);
  assert.equal(map({ hostIp: parseIp("0.0.0.0") }).hostIp, undefined);
});

test("bad names and values are refused with typed errors", () => {
  const bad = (patch: Record<string, unknown>, code: string): void =>
    assert.throws(() => validateNetwork({ ...web, ...patch } as FirewallNetwork), { code, kind: "invalid-argument" });
  bad({ bridge: "br-0123456789abc" }, "ERR_FIREWALL_INVALID_BRIDGE"); // 16 bytes
  bad({ bridge: 'br"x' }, "ERR_FIREWALL_INVALID_BRIDGE");
  bad({ bridge: "br x" }, "ERR_FIREWALL_INVALID_BRIDGE");
  bad({ bridge: "br*" }, "ERR_FIREWALL_INVALID_BRIDGE");
  bad({ bridge: "br+" }, "ERR_FIREWALL_INVALID_BRIDGE");
  bad({ bridge: "br;x" }, "ERR_FIREWALL_INVALID_BRIDGE");
  bad({ bridge: "" }, "ERR_FIREWALL_INVALID_BRIDGE");
  bad({ id: "a b" }, "ERR_FIREWALL_INVALID_ID");
  bad({ id: "x".repeat(129) }, "ERR_FIREWALL_INVALID_ID");
  bad({ subnets4: [parsePrefix("fd00::/64")] }, "ERR_FIREWALL_INVALID_SUBNET");
  bad({ subnets4: ["10.0.0.0/8"] }, "ERR_FIREWALL_INVALID_SUBNET");
  bad({ snatSource: parseIp("0.0.0.0") }, "ERR_FIREWALL_INVALID_IP");
  bad({ icc: "yes" }, "ERR_FIREWALL_INVALID_NETWORK");
  const badMap = (patch: Record<string, unknown>, code: string): void =>
    assert.throws(() => map(patch as Partial<PortMapping>), { code, kind: "invalid-argument" });
  badMap({ proto: "icmp" }, "ERR_FIREWALL_INVALID_MAPPING");
  badMap({ hostPort: 0 }, "ERR_FIREWALL_INVALID_PORT");
  badMap({ hostPort: 70000, hostPortEnd: 70000 }, "ERR_FIREWALL_INVALID_PORT");
  badMap({ hostPortEnd: 8079 }, "ERR_FIREWALL_INVALID_PORT");
  badMap({ hostPortEnd: 8090, containerPort: 65530 }, "ERR_FIREWALL_INVALID_PORT");
  badMap({ hostPort: 1.5 }, "ERR_FIREWALL_INVALID_PORT");
  badMap({ hostIp: parseIp("::1") }, "ERR_FIREWALL_INVALID_IP");
  badMap({ containerIp: parseIp("10.0.0.2") }, "ERR_FIREWALL_INVALID_MAPPING");
  // Even an element built by hand cannot smuggle a quote into the ruleset.
  assert.throws(() => renderElements("add", dnetTable(), new Map([["bridges", [{ key: [{ t: "ifname", v: 'x" }; flush ruleset; #' }] }]]])),
    { code: "ERR_FIREWALL_INVALID_BRIDGE" });
});

test("drift: nft's JSON elements canonicalise like ours", () => {
  const ours = [...desiredElements([{ net: snat, endpoints: new Map([["e", [validateMapping(snat, {
    proto: "sctp", hostIp: parseIp("192.0.2.1"), hostPort: 5, hostPortEnd: 5, containerIp: parseIp("172.20.0.2"), containerPort: 6,
  })]]]) }]).values()].flat().map(canonicalElement);
  assert.ok(ours.includes("172.20.0.0/24 : 192.0.2.10"));
  assert.ok(ours.includes("192.0.2.1 . sctp . 5 : 172.20.0.2 . 6"));
  assert.equal(canonicalJsonElement([{ prefix: { addr: "172.20.0.0", len: 24 } }, "192.0.2.10"]), "172.20.0.0/24 : 192.0.2.10");
  assert.equal(canonicalJsonElement({ concat: ["192.0.2.1", "sctp", 5] }), "192.0.2.1 . sctp . 5");
  assert.equal(canonicalJsonElement({ elem: { val: "br0", comment: "x" } }), "br0");
  assert.equal(canonicalElement({ key: [{ t: "prefix", v: parsePrefix("10.0.0.1/32") }] }), "10.0.0.1");
});

test("drift: a listed table is compared chain by chain and set by set", () => {
  const listed = parseListedTable(JSON.stringify({ nftables: [
    { metainfo: {} },
    { table: { family: "inet", name: "dnet" } },
    { chain: { name: "forward", type: "filter", hook: "forward", prio: 0 } },
    { rule: { chain: "forward" } },
    { chain: { name: "extra" } },
    { set: { name: "bridges", elem: ["br-3f9a", "br-old"] } },
  ] }));
  const problems = tableDrift(listed, dnetTable(), networkElements(web).build());
  assert.ok(problems.includes("chain forward of inet dnet has 1 rule(s), expected 8"));
  assert.ok(problems.includes("chain prerouting of inet dnet is missing"));
  assert.ok(problems.includes("unexpected chain extra in inet dnet"));
  assert.ok(problems.includes("set bridges of inet dnet has unexpected element br-old"));
  assert.ok(problems.includes("set masq4 of inet dnet is missing"));
  assert.ok(!problems.some((p) => p.includes("lacks element br-3f9a")));
});

test("iptables compat: tagged rules per network, restore lines, DROP policy detection", () => {
  const rules = compatRules(web);
  assert.deepEqual(rules.map((r) => restoreLine("-I", "DOCKER-USER", r.spec)), [
    '-I DOCKER-USER -i br-3f9a -m comment --comment "dnet:3f9a:out" -j ACCEPT',
    '-I DOCKER-USER -o br-3f9a -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "dnet:3f9a:est" -j ACCEPT',
    '-I DOCKER-USER -o br-3f9a -m conntrack --ctstate DNAT -m comment --comment "dnet:3f9a:dnat" -j ACCEPT',
    '-I DOCKER-USER -i dnpb3f9a+ -o dnpb3f9a+ -m comment --comment "dnet:3f9a:pb" -j ACCEPT',
  ]);
  const chains = (family: string, name: string, policy?: string): object =>
    ({ chain: { family, table: "filter", name, ...(policy === undefined ? {} : { policy }) } });
  assert.deepEqual(parseForwardStates(JSON.stringify({ nftables: [
    { metainfo: {} }, chains("ip", "FORWARD", "drop"), chains("ip", "DOCKER-USER"), chains("ip6", "FORWARD", "accept"),
    { chain: { family: "inet", table: "dnet", name: "forward", policy: "accept" } },
  ] })), [
    { family: "ip", dropPolicy: true, dockerUser: true },
    { family: "ip6", dropPolicy: false, dockerUser: false },
  ]);
});
