// The `inet dnet` table as typed values: a static ruleset over sets/maps, and the elements per network/endpoint.
//
// Every rule is static; networks and endpoints only add or delete set/map elements, so a change is
// one small transaction: one NEWSETELEM/DELSETELEM batch (nfnl-writer.ts), or `nft -f` without that socket.
//
// ICC off: on this kernel (6.18 here) NFT_BRIDGE_META is not built, so a `bridge` family table cannot
// match `meta ibrname`, and the firewall never sees endpoint port names. Intra-bridge traffic therefore
// reaches the inet forward hook only through br_netfilter (bridge-nf-call-iptables/ip6tables = 1, which
// Docker also requires for ICC off), where iif and oif are both the bridge. The backend checks and sets
// those sysctls for ICC-off networks. Bridge port isolation (IFLA_BRPORT_ISOLATED on every endpoint
// port) would work without br_netfilter, but is a per-endpoint link attribute the bridge driver owns.
//
// Port bridges (contract.ts' PORT_BRIDGE_PREFIX) are a network's extra bridges behind its bridge. Frames
// they bridge pass br_netfilter's hooks with iif = oif = the port bridge; they are not tracked (a frame
// crossing the veth trunk loses its conntrack entry, so tracking them there too would make a second
// entry clash with the first) and never NATed there, except frames for a host address: those are tracked
// in the port bridge so that a published port reached from a sandbox behind it is DNATed there and routed
// to the network's bridge (DNATed on the network's bridge, the frame would have to go back out the trunk
// it came in on, which a bridge refuses). ICC off on a port bridge is bridge port isolation (the driver's).

import { invalidArgument } from "../errors/index.js";
import type { IpPrefix } from "../types/index.js";
import { PORT_BRIDGE_PREFIX, type FirewallNetwork, type PortMapping } from "./contract.js";
import type { ElementsBySet, Match, NftElement, NftRule, NftSetSpec, NftTableSpec, NftValue, Selector } from "./nft-ast.js";

export const TABLE_FAMILY = "inet";
export const TABLE_NAME = "dnet";

/** Set and map names of the table. */
export const S = Object.freeze({
  bridges: "bridges", // every dnet bridge
  intra: "intra", // "br" . "br" per bridge: the only allowed bridge-to-bridge pairs
  iccOff: "icc_off", // bridges with ICC off
  internal: "internal", // internal bridges
  internal4: "internal4", internal6: "internal6", // "br" . subnet of internal networks
  nets4: "nets4", nets6: "nets6", // subnet . "br" of every network (hairpin, NAT exclusion)
  masq4: "masq4", masq6: "masq6", // subnets to masquerade
  snat4: "snat4", snat6: "snat6", // subnet : SNAT source
  ports4: "ports4", ports6: "ports6", // proto . port : addr . port (every local address)
  hostports4: "hostports4", hostports6: "hostports6", // host addr . proto . port : addr . port
  ranges4: "ranges4", ranges6: "ranges6", // proto . first-last : addr (host port = container port)
  hostranges4: "hostranges4", hostranges6: "hostranges6", // host addr . proto . first-last : addr
} as const);

const SETS: readonly NftSetSpec[] = Object.freeze([
  { name: S.bridges, key: ["ifname"], interval: false },
  { name: S.intra, key: ["ifname", "ifname"], interval: false },
  { name: S.iccOff, key: ["ifname"], interval: false },
  { name: S.internal, key: ["ifname"], interval: false },
  { name: S.internal4, key: ["ifname", "ipv4_addr"], interval: true },
  { name: S.internal6, key: ["ifname", "ipv6_addr"], interval: true },
  { name: S.nets4, key: ["ipv4_addr", "ifname"], interval: true },
  { name: S.nets6, key: ["ipv6_addr", "ifname"], interval: true },
  { name: S.masq4, key: ["ipv4_addr"], interval: true },
  { name: S.masq6, key: ["ipv6_addr"], interval: true },
  { name: S.snat4, key: ["ipv4_addr"], data: ["ipv4_addr"], interval: true },
  { name: S.snat6, key: ["ipv6_addr"], data: ["ipv6_addr"], interval: true },
  { name: S.ports4, key: ["inet_proto", "inet_service"], data: ["ipv4_addr", "inet_service"], interval: false },
  { name: S.ports6, key: ["inet_proto", "inet_service"], data: ["ipv6_addr", "inet_service"], interval: false },
  { name: S.hostports4, key: ["ipv4_addr", "inet_proto", "inet_service"], data: ["ipv4_addr", "inet_service"], interval: false },
  { name: S.hostports6, key: ["ipv6_addr", "inet_proto", "inet_service"], data: ["ipv6_addr", "inet_service"], interval: false },
  { name: S.ranges4, key: ["inet_proto", "inet_service"], data: ["ipv4_addr"], interval: true },
  { name: S.ranges6, key: ["inet_proto", "inet_service"], data: ["ipv6_addr"], interval: true },
  { name: S.hostranges4, key: ["ipv4_addr", "inet_proto", "inet_service"], data: ["ipv4_addr"], interval: true },
  { name: S.hostranges6, key: ["ipv6_addr", "inet_proto", "inet_service"], data: ["ipv6_addr"], interval: true },
]);

const inSet = (keys: readonly Selector[], set: string): Match => ({ kind: "lookup", keys, set, negate: false });
const notInSet = (keys: readonly Selector[], set: string): Match => ({ kind: "lookup", keys, set, negate: true });
const rule = (verdict: NftRule["verdict"], ...matches: Match[]): NftRule => ({ matches, verdict });
const DNATED: Match = { kind: "cmp", key: "ct status", value: "dnat" };
const ACCEPT = { kind: "accept" } as const;
const DROP = { kind: "drop" } as const;
const MASQ = { kind: "masquerade" } as const;

/** filter/forward: internal networks, then published ports, ICC, isolation, unsolicited inbound. */
const FORWARD: readonly NftRule[] = [
  // Internal: nothing leaves or enters the network's own subnets (Docker's DOCKER-ISOLATION-STAGE-1 pair).
  rule(DROP, inSet(["iifname"], S.internal), notInSet(["iifname", "ip daddr"], S.internal4)),
  rule(DROP, inSet(["iifname"], S.internal), notInSet(["iifname", "ip6 daddr"], S.internal6)),
  rule(DROP, inSet(["oifname"], S.internal), notInSet(["oifname", "ip saddr"], S.internal4)),
  rule(DROP, inSet(["oifname"], S.internal), notInSet(["oifname", "ip6 saddr"], S.internal6)),
  // Published ports are reachable from everywhere, other networks and hairpin included (replies too:
  // the status belongs to the connection). Without a userland proxy this is what Docker's proxy gave.
  rule(ACCEPT, DNATED),
  // ICC off. With br_netfilter, bridged traffic shows iif = oif = the bridge (see the file comment).
  rule(DROP, inSet(["iifname"], S.iccOff), inSet(["oifname"], S.iccOff)),
  // Isolation between dnet networks.
  rule(DROP, inSet(["iifname"], S.bridges), inSet(["oifname"], S.bridges), notInSet(["iifname", "oifname"], S.intra)),
  // No new connections into a network from outside it unless DNATed (what Docker's FORWARD DROP gives).
  rule(DROP, inSet(["oifname"], S.bridges), notInSet(["iifname"], S.bridges), { kind: "cmp", key: "ct state", value: "new" }),
];

/** filter/prerouting at raw priority: what port bridges bridge stays untracked (see the file comment). */
const RAW: readonly NftRule[] = [
  rule({ kind: "notrack" }, { kind: "ifprefix", key: "iifname", prefix: PORT_BRIDGE_PREFIX }, { kind: "cmp", key: "fib daddr type", value: "local", negate: true }),
];

const TO_HOSTPORTS: readonly NftRule[] = [rule({ kind: "jump", chain: "hostports" }, { kind: "cmp", key: "fib daddr type", value: "local" })];

/**
 * Host-port DNAT, a specific host address before "every address". A failed map lookup ends the rule.
 * Ranges whose host ports are the container ports are one interval element each, DNATed to the address
 * alone (the port stays). nft cannot express a shifted range in one element: `dnat to ip . port-range`
 * picks a port from the range instead of adding an offset (the kernel's port-offset NAT, iptables'
 * `--to-destination ip:a-b/base`, has no syntax in nft 1.0.6), so those get one exact element per port.
 */
const HOSTPORTS: readonly NftRule[] = [
  rule({ kind: "dnat", family: "ip", keys: ["ip daddr", "meta l4proto", "th dport"], map: S.hostports4 }),
  rule({ kind: "dnat", family: "ip", keys: ["ip daddr", "meta l4proto", "th dport"], map: S.hostranges4 }),
  rule({ kind: "dnat", family: "ip", keys: ["meta l4proto", "th dport"], map: S.ports4 }),
  rule({ kind: "dnat", family: "ip", keys: ["meta l4proto", "th dport"], map: S.ranges4 }),
  rule({ kind: "dnat", family: "ip6", keys: ["ip6 daddr", "meta l4proto", "th dport"], map: S.hostports6 }),
  rule({ kind: "dnat", family: "ip6", keys: ["ip6 daddr", "meta l4proto", "th dport"], map: S.hostranges6 }),
  rule({ kind: "dnat", family: "ip6", keys: ["meta l4proto", "th dport"], map: S.ports6 }),
  rule({ kind: "dnat", family: "ip6", keys: ["meta l4proto", "th dport"], map: S.ranges6 }),
];

const POSTROUTING: readonly NftRule[] = [
  // Bridged on a port bridge (it has no address to masquerade to): NATed, if at all, on the network's bridge.
  rule(ACCEPT, { kind: "ifprefix", key: "oifname", prefix: PORT_BRIDGE_PREFIX }),
  // From the host's loopback to a published port (needs route_localnet=1 on the bridge).
  rule(MASQ, DNATED, inSet(["oifname"], S.bridges), { kind: "cmp", key: "ip saddr", value: "127.0.0.0/8" }),
  // Hairpin: a container reached a published port of its own network through a host address.
  rule(MASQ, DNATED, inSet(["ip saddr", "oifname"], S.nets4)),
  rule(MASQ, DNATED, inSet(["ip6 saddr", "oifname"], S.nets6)),
  // Outbound, leaving through another interface than the network's bridge.
  rule({ kind: "snat", family: "ip", keys: ["ip saddr"], map: S.snat4 }, notInSet(["ip saddr", "oifname"], S.nets4)),
  rule({ kind: "snat", family: "ip6", keys: ["ip6 saddr"], map: S.snat6 }, notInSet(["ip6 saddr", "oifname"], S.nets6)),
  rule(MASQ, inSet(["ip saddr"], S.masq4), notInSet(["ip saddr", "oifname"], S.nets4)),
  rule(MASQ, inSet(["ip6 saddr"], S.masq6), notInSet(["ip6 saddr", "oifname"], S.nets6)),
];

/** The whole table with no elements; `name` lets two controllers share a netns without sharing a table. */
export function dnetTable(name: string = TABLE_NAME): NftTableSpec {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(name)) {
    throw invalidArgument("ERR_FIREWALL_INVALID_TABLE", `invalid nft table name ${JSON.stringify(name)}: use [a-z][a-z0-9_]{0,30}`);
  }
  return {
    family: TABLE_FAMILY,
    name,
    sets: SETS,
    chains: [
      { name: "raw", hook: { type: "filter", hook: "prerouting", priority: -300 }, rules: RAW },
      { name: "forward", hook: { type: "filter", hook: "forward", priority: 0 }, rules: FORWARD },
      { name: "prerouting", hook: { type: "nat", hook: "prerouting", priority: -100 }, rules: TO_HOSTPORTS },
      { name: "output", hook: { type: "nat", hook: "output", priority: -100 }, rules: TO_HOSTPORTS },
      { name: "hostports", rules: HOSTPORTS },
      { name: "postrouting", hook: { type: "nat", hook: "postrouting", priority: 100 }, rules: POSTROUTING },
    ],
  };
}

/** Collects elements per set name. */
export class ElementBuilder {
  readonly #map = new Map<string, NftElement[]>();

  add(set: string, key: readonly NftValue[], data?: readonly NftValue[]): this {
    let list = this.#map.get(set);
    if (list === undefined) { list = []; this.#map.set(set, list); }
    list.push(data === undefined ? { key } : { key, data });
    return this;
  }

  build(): ElementsBySet {
    return this.#map;
  }
}

const ifname = (v: string): NftValue => ({ t: "ifname", v });
const prefix = (v: IpPrefix): NftValue => ({ t: "prefix", v });

/** The elements one network contributes (not its port mappings). */
export function networkElements(net: FirewallNetwork, b = new ElementBuilder()): ElementBuilder {
  const br = ifname(net.bridge);
  b.add(S.bridges, [br]).add(S.intra, [br, br]);
  if (!net.icc) b.add(S.iccOff, [br]);
  if (net.internal) b.add(S.internal, [br]);
  for (const [subnets, fam] of [[net.subnets4, 4], [net.subnets6, 6]] as const) {
    for (const s of subnets) {
      b.add(fam === 4 ? S.nets4 : S.nets6, [prefix(s), br]);
      if (net.internal) { b.add(fam === 4 ? S.internal4 : S.internal6, [br, prefix(s)]); continue; }
      if (!net.masquerade) continue;
      if (net.snatSource?.family === fam) b.add(fam === 4 ? S.snat4 : S.snat6, [prefix(s)], [{ t: "addr", v: net.snatSource }]);
      else b.add(fam === 4 ? S.masq4 : S.masq6, [prefix(s)]);
    }
  }
  return b;
}

/** True when the mapping is one interval element: a range whose host ports are its container ports. */
export function isSamePortRange(m: PortMapping): boolean {
  return m.hostPortEnd > m.hostPort && m.containerPort === m.hostPort;
}

/**
 * The map elements of validated mappings: one interval element for a range onto the same ports, else
 * one per host port (nft maps cannot add an offset, see HOSTPORTS).
 */
export function mappingElements(mappings: Iterable<PortMapping>, b = new ElementBuilder()): ElementBuilder {
  for (const m of mappings) {
    const v4 = m.containerIp.family === 4;
    if (isSamePortRange(m)) {
      const key: NftValue[] = [{ t: "proto", v: m.proto }, { t: "portRange", lo: m.hostPort, hi: m.hostPortEnd }];
      const data: NftValue[] = [{ t: "addr", v: m.containerIp }];
      if (m.hostIp === undefined) b.add(v4 ? S.ranges4 : S.ranges6, key, data);
      else b.add(v4 ? S.hostranges4 : S.hostranges6, [{ t: "addr", v: m.hostIp }, ...key], data);
      continue;
    }
    for (let p = m.hostPort; p <= m.hostPortEnd; p++) {
      const key: NftValue[] = [{ t: "proto", v: m.proto }, { t: "port", v: p }];
      const data: NftValue[] = [{ t: "addr", v: m.containerIp }, { t: "port", v: m.containerPort + (p - m.hostPort) }];
      if (m.hostIp === undefined) b.add(v4 ? S.ports4 : S.ports6, key, data);
      else b.add(v4 ? S.hostports4 : S.hostports6, [{ t: "addr", v: m.hostIp }, ...key], data);
    }
  }
  return b;
}

/** What the firewall holds for one network: its config and the mappings of each endpoint. */
export interface NetworkState {
  readonly net: FirewallNetwork;
  readonly endpoints: ReadonlyMap<string, Iterable<PortMapping>>;
}

/** Every element of the desired state (added to `b`, which may hold others already). */
export function desiredElements(state: Iterable<NetworkState>, b = new ElementBuilder()): ElementsBySet {
  for (const n of state) {
    networkElements(n.net, b);
    for (const list of n.endpoints.values()) mappingElements(list, b);
  }
  return b.build();
}
