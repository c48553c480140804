// Typed nftables values (tables, sets, chains, rules, elements) and their rendering to `nft -f` text.

import { formatIp, formatPrefix, type IpAddress, type IpPrefix } from "../types/index.js";
import type { PortProto } from "./contract.js";
import { validateBridgeName } from "./validate.js";

/** Packet fields a rule may read. A closed list: nothing user-supplied is ever rendered as a selector. */
export type Selector =
  | "iifname" | "oifname" | "ip saddr" | "ip daddr" | "ip6 saddr" | "ip6 daddr"
  | "meta l4proto" | "th dport" | "ct state" | "ct status" | "fib daddr type"
  // The bridge table's (port pinning): the frame's source, ARP's sender, the target of a neighbour advertisement.
  | "ether saddr" | "ether type" | "meta protocol" | "arp saddr ether" | "arp saddr ip" | "icmpv6 type" | "@th,64,128";

/** Constants a rule may compare with (also a closed list). */
export type Constant = "dnat" | "new" | "local" | "127.0.0.0/8"
  | "arp" | "ip" | "ip6" | "8021q" | "8021ad" | "nd-neighbor-advert" | "fe80::/10" | "::" | "0.0.0.0";

export type Match =
  | { readonly kind: "lookup"; readonly keys: readonly Selector[]; readonly set: string; readonly negate: boolean }
  | { readonly kind: "cmp"; readonly key: Selector; readonly value: Constant; readonly negate?: boolean }
  /** An interface name starting with `prefix` (nft's `iifname "pre*"`); the prefix is a constant of ours. */
  | { readonly kind: "ifprefix"; readonly key: "iifname" | "oifname"; readonly prefix: string };

export type Verdict =
  | { readonly kind: "accept" | "drop" | "masquerade" }
  /** Not a verdict but the rule's last statement: the packet is not tracked by conntrack (raw priority only). */
  | { readonly kind: "notrack" }
  | { readonly kind: "jump"; readonly chain: string }
  /** `dnat ip to <keys> map @m` / `snat ip6 to …`: the address (and port) come from a map. */
  | { readonly kind: "dnat" | "snat"; readonly family: "ip" | "ip6"; readonly keys: readonly Selector[]; readonly map: string };

export interface NftRule {
  readonly matches: readonly Match[];
  readonly verdict: Verdict;
}

export type NftDataType = "ifname" | "ipv4_addr" | "ipv6_addr" | "inet_proto" | "inet_service" | "ether_addr";

export interface NftSetSpec {
  readonly name: string;
  /** Key type; several = a concatenation. */
  readonly key: readonly NftDataType[];
  /** Present for a map. */
  readonly data?: readonly NftDataType[];
  /** Needed for prefixes (subnets) as keys. */
  readonly interval: boolean;
  /**
   * Declared by the expression it is matched with instead of `key` (which still says what each
   * component holds): for a raw payload field, which has no data type of its own.
   */
  readonly typeof?: string;
}

export interface NftHook {
  readonly type: "filter" | "nat";
  readonly hook: "prerouting" | "forward" | "output" | "postrouting";
  /** A number; rendered as nft's names where they exist (filter, dstnat, srcnat). */
  readonly priority: number;
}

export interface NftChainSpec {
  readonly name: string;
  readonly hook?: NftHook;
  readonly rules: readonly NftRule[];
}

export interface NftTableSpec {
  readonly family: "inet" | "bridge";
  readonly name: string;
  readonly sets: readonly NftSetSpec[];
  readonly chains: readonly NftChainSpec[];
}

export type NftValue =
  | { readonly t: "ifname"; readonly v: string }
  | { readonly t: "addr"; readonly v: IpAddress }
  | { readonly t: "prefix"; readonly v: IpPrefix }
  | { readonly t: "proto"; readonly v: PortProto }
  | { readonly t: "port"; readonly v: number }
  /** A port range in an interval map's key (`10000-19999`); lo < hi. */
  | { readonly t: "portRange"; readonly lo: number; readonly hi: number }

  | { readonly t: "ether"; readonly v: string }
  /** An IPv6 address as the 128-bit integer a raw payload field compares with. */
  | { readonly t: "u128"; readonly v: IpAddress };

export interface NftElement {
  readonly key: readonly NftValue[];
  readonly data?: readonly NftValue[];
}

/** The elements of each set, by set name. */
export type ElementsBySet = ReadonlyMap<string, readonly NftElement[]>;

const NAME_RE = /^[a-z][a-z0-9_]{0,30}$/;

/** Table, set and chain names are ours (constants), but check anyway: `fwd` and friends are keywords. */
function name(n: string): string {
  if (!NAME_RE.test(n)) throw new TypeError(`bad nft object name ${JSON.stringify(n)}`);
  return n;
}

function renderValue(v: NftValue): string {
  switch (v.t) {
    case "ifname": return `"${validateBridgeName(v.v)}"`;
    case "addr": return formatIp(v.v);
    case "prefix": return formatPrefix(v.v);
    case "proto": return v.v;
    case "port": return String(checkedPort(v.v));
    case "portRange": {
      if (checkedPort(v.lo) >= checkedPort(v.hi)) throw new TypeError(`bad port range ${v.lo}-${v.hi}`);
      return `${v.lo}-${v.hi}`;
    }
    case "ether": {
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(v.v)) throw new TypeError(`bad MAC ${v.v}`);
      return v.v;
    }
    case "u128": return u128Text(v.v);
  }
}

function checkedPort(p: number): number {
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new TypeError(`bad port ${p}`);
  return p;
}

/** How nft writes (and lists) an IPv6 address held in a raw 128-bit field. */
export function u128Text(ip: IpAddress): string {
  if (ip.family !== 6) throw new TypeError("a 128-bit field holds an IPv6 address");
  return `0x${ip.value.toString(16)}`;
}

export function renderElement(e: NftElement): string {
  const key = e.key.map(renderValue).join(" . ");
  return e.data === undefined ? key : `${key} : ${e.data.map(renderValue).join(" . ")}`;
}

function renderMatch(m: Match): string {
  if (m.kind === "cmp") return `${m.key} ${m.negate === true ? "!= " : ""}${m.value}`;
  if (m.kind === "ifprefix") {
    if (!/^[a-z]{1,8}$/.test(m.prefix)) throw new TypeError(`bad interface prefix ${JSON.stringify(m.prefix)}`);
    return `${m.key} "${m.prefix}*"`;
  }
  return `${m.keys.join(" . ")} ${m.negate ? "!= " : ""}@${name(m.set)}`;
}

function renderVerdict(v: Verdict): string {
  switch (v.kind) {
    case "accept": case "drop": case "masquerade": case "notrack": return v.kind;
    case "jump": return `jump ${name(v.chain)}`;
    case "dnat": case "snat": return `${v.kind} ${v.family} to ${v.keys.join(" . ")} map @${name(v.map)}`;
  }
}

export function renderRule(r: NftRule): string {
  return [...r.matches.map(renderMatch), renderVerdict(r.verdict)].join(" ");
}

function renderPriority(h: NftHook): string {
  if (h.type === "filter" && h.priority === 0) return "filter";
  if (h.type === "nat" && h.hook === "prerouting" && h.priority === -100) return "dstnat";
  if (h.type === "nat" && h.hook === "postrouting" && h.priority === 100) return "srcnat";
  return String(h.priority);
}

function renderSet(s: NftSetSpec): string[] {
  const kind = s.data === undefined ? "set" : "map";
  const type = s.data === undefined ? s.key.join(" . ") : `${s.key.join(" . ")} : ${s.data.join(" . ")}`;
  const declared = s.typeof === undefined ? `type ${type}` : `typeof ${s.typeof}`;
  return [`\t${kind} ${name(s.name)} {`, `\t\t${declared}`, ...(s.interval ? ["\t\tflags interval"] : []), "\t}"];
}

function renderChain(c: NftChainSpec): string[] {
  const head = c.hook === undefined ? [] :
    [`\t\ttype ${c.hook.type} hook ${c.hook.hook} priority ${renderPriority(c.hook)}; policy accept;`];
  return [`\tchain ${name(c.name)} {`, ...head, ...c.rules.map((r) => `\t\t${renderRule(r)}`), "\t}"];
}

/** `add element` / `delete element` lines, one per non-empty set, in the order of `sets`. */
export function renderElements(op: "add" | "delete", t: NftTableSpec, elements: ElementsBySet): string[] {
  const out: string[] = [];
  for (const s of t.sets) {
    const list = elements.get(s.name) ?? [];
    if (list.length === 0) continue;
    // A deleted map element is named by its key alone.
    const items = list.map((e) => (op === "delete" ? renderElement({ key: e.key }) : renderElement(e)));
    out.push(`${op} element ${t.family} ${name(t.name)} ${name(s.name)} { ${items.join(", ")} }`);
  }
  return out;
}

/**
 * One transaction that replaces the table with `t` holding exactly `elements`. The leading
 * `add table` makes the `delete table` safe when it does not exist; nothing outside the table is touched.
 */
export function renderReplaceTable(t: NftTableSpec, elements: ElementsBySet): string {
  const id = `${t.family} ${name(t.name)}`;
  const body = [...t.sets.flatMap(renderSet), ...t.chains.flatMap(renderChain)];
  return [`add table ${id}`, `delete table ${id}`, `table ${id} {`, ...body, "}",
    ...renderElements("add", t, elements)].join("\n") + "\n";
}

/** Deletes the table if it exists. */
export function renderDeleteTable(t: NftTableSpec): string {
  const id = `${t.family} ${name(t.name)}`;
  return `add table ${id}\ndelete table ${id}\n`;
}

/** One transaction of element changes: deletes first, so a key can move to another value. */
export function renderElementChanges(t: NftTableSpec, add: ElementsBySet, del: ElementsBySet): string {
  const lines = [...renderElements("delete", t, del), ...renderElements("add", t, add)];
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
