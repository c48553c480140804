// The `bridge dnet` table: anti-spoofing for bridge ports pinned to their endpoint's MAC and addresses.
// A pinned port (the host end of an endpoint's veth) may only send frames from its own MAC, ARP with its
// own MAC and IPv4 address as sender, IPv4 and IPv6 from its own addresses (IPv6 link-local and the
// unspecified address of duplicate address detection too), and neighbour advertisements only for its
// own IPv6 addresses; VLAN-tagged frames, which would slip past these checks, not at all. Without it a
// sandbox can take a neighbour's IP (`ip addr add` + a gratuitous ARP) and receive its traffic.

import type { IpAddress } from "../types/index.js";
import type { PortPin } from "./contract.js";
import { ElementBuilder } from "./rules.js";
import type { Constant, Match, NftRule, NftSetSpec, NftTableSpec, NftValue, Selector } from "./nft-ast.js";

/** Set names of the bridge table (distinct from the inet table's, so one element map can hold both). */
export const PIN = Object.freeze({
  pinned: "pinned", // ports under protection
  mac: "pin_mac", // port . its MAC
  v4: "pin_v4", // port . MAC . IPv4 address
  v6: "pin_v6", // port . MAC . IPv6 address
  nd: "pin_nd", // port . MAC . IPv6 address it may advertise (its own, and its EUI-64 link-local)
} as const);

export const PIN_SETS: ReadonlySet<string> = new Set(Object.values(PIN));

const SETS: readonly NftSetSpec[] = Object.freeze([
  { name: PIN.pinned, key: ["ifname"], interval: false },
  { name: PIN.mac, key: ["ifname", "ether_addr"], interval: false },
  { name: PIN.v4, key: ["ifname", "ether_addr", "ipv4_addr"], interval: false },
  { name: PIN.v6, key: ["ifname", "ether_addr", "ipv6_addr"], interval: false },
  // The advertised target is a raw field (nft 1.0.6 has no name for it): declared by that expression.
  { name: PIN.nd, key: ["ifname", "ether_addr", "ipv6_addr"], typeof: "iifname . ether saddr . @th,64,128", interval: false },
]);

const unlessIn = (keys: readonly Selector[], set: string): Match => ({ kind: "lookup", keys, set, negate: true });
const is = (key: Selector, value: Constant): Match => ({ kind: "cmp", key, value });
const drop = (...matches: Match[]): NftRule => ({ matches, verdict: { kind: "drop" } });
const accept = (...matches: Match[]): NftRule => ({ matches, verdict: { kind: "accept" } });

const PIN_RULES: readonly NftRule[] = [
  drop(unlessIn(["iifname", "ether saddr"], PIN.mac)),
  drop(is("ether type", "8021q")),
  drop(is("ether type", "8021ad")),
  // An ARP probe (RFC 5227) names no sender address: it claims nothing.
  accept(is("meta protocol", "arp"), is("arp saddr ip", "0.0.0.0")),
  drop(is("meta protocol", "arp"), unlessIn(["iifname", "arp saddr ether", "arp saddr ip"], PIN.v4)),
  drop(is("meta protocol", "ip"), unlessIn(["iifname", "ether saddr", "ip saddr"], PIN.v4)),
  drop(is("icmpv6 type", "nd-neighbor-advert"), unlessIn(["iifname", "ether saddr", "@th,64,128"], PIN.nd)),
  accept(is("ip6 saddr", "fe80::/10")),
  accept(is("ip6 saddr", "::")),
  drop(is("meta protocol", "ip6"), unlessIn(["iifname", "ether saddr", "ip6 saddr"], PIN.v6)),
];

/** The whole bridge table with no elements, named like the inet table (its family tells them apart). */
export function pinTable(name: string): NftTableSpec {
  return {
    family: "bridge",
    name,
    sets: SETS,
    chains: [
      { name: "prerouting", hook: { type: "filter", hook: "prerouting", priority: -300 }, rules: [{ matches: [{ kind: "lookup", keys: ["iifname"], set: PIN.pinned, negate: false }], verdict: { kind: "jump", chain: "pin" } }] },
      { name: "pin", rules: PIN_RULES },
    ],
  };
}

/** The elements of one pinned port. */
export function pinElements(pin: PortPin, b = new ElementBuilder()): ElementBuilder {
  const port: NftValue = { t: "ifname", v: pin.port };
  const mac: NftValue = { t: "ether", v: pin.mac };
  b.add(PIN.pinned, [port]).add(PIN.mac, [port, mac]);
  for (const a of pin.addresses) {
    if (a.family === 4) { b.add(PIN.v4, [port, mac, { t: "addr", v: a }]); continue; }
    b.add(PIN.v6, [port, mac, { t: "addr", v: a }]).add(PIN.nd, [port, mac, { t: "u128", v: a }]);
  }
  if (pin.addresses.some((a) => a.family === 6)) b.add(PIN.nd, [port, mac, { t: "u128", v: eui64LinkLocal(pin.mac) }]);
  return b;
}

/** The link-local address the kernel gives an interface with this MAC (addr_gen_mode eui64, its default). */
export function eui64LinkLocal(mac: string): IpAddress {
  const b = mac.split(":").map((h) => parseInt(h, 16));
  const iid = [(b[0] ?? 0) ^ 0x02, b[1] ?? 0, b[2] ?? 0, 0xff, 0xfe, b[3] ?? 0, b[4] ?? 0, b[5] ?? 0];
  return { family: 6, value: (0xfe80n << 112n) | iid.reduce((v, x) => (v << 8n) | BigInt(x), 0n) };
}
