// IP addresses and prefixes as values: parsing, formatting and prefix arithmetic on bigints.

import { invalidArgument } from "../errors/index.js";

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  /** The address as an unsigned integer (32 or 128 bits). */
  readonly value: bigint;
}

export interface IpPrefix {
  readonly family: IpFamily;
  /** The address as written (host bits may be set, e.g. a gateway "10.0.0.1/24"). */
  readonly address: bigint;
  readonly length: number;
}

export function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIPv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const groups = s.split(":");
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? "");
  const right = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (left === undefined || right === undefined) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Parses an IPv4 or IPv6 address; returns undefined when it is not one. */
export function tryParseIp(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const zoneless = text.includes("%") ? undefined : parseIPv6(text);
    return zoneless === undefined ? undefined : { family: 6, value: zoneless };
  }
  const v4 = parseIPv4(text);
  return v4 === undefined ? undefined : { family: 4, value: v4 };
}

export function parseIp(text: string, what = "IP address"): IpAddress {
  const ip = tryParseIp(text);
  if (ip === undefined) throw invalidArgument("ERR_INVALID_IP", `invalid ${what}: ${JSON.stringify(text)}`);
  return ip;
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (length ≥ 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

export function tryParsePrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = tryParseIp(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const length = Number(lenText);
  if (length > familyBits(ip.family)) return undefined;
  return { family: ip.family, address: ip.value, length };
}

/** Parses "addr/len" (CIDR notation); host bits are kept as written. */
export function parsePrefix(text: string, what = "CIDR"): IpPrefix {
  const p = tryParsePrefix(text);
  if (p === undefined) throw invalidArgument("ERR_INVALID_CIDR", `invalid ${what}: ${JSON.stringify(text)}`);
  return p;
}

export function prefixMask(family: IpFamily, length: number): bigint {
  const bits = BigInt(familyBits(family));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(length))) - 1n);
}

/** The network itself: host bits cleared. */
export function prefixNetwork(p: IpPrefix): IpPrefix {
  return { family: p.family, address: p.address & prefixMask(p.family, p.length), length: p.length };
}

/** Number of addresses covered by the prefix. */
export function prefixSize(p: IpPrefix): bigint {
  return 1n << BigInt(familyBits(p.family) - p.length);
}

export function prefixFirst(p: IpPrefix): bigint {
  return p.address & prefixMask(p.family, p.length);
}

export function prefixLast(p: IpPrefix): bigint {
  return prefixFirst(p) + prefixSize(p) - 1n;
}

export function prefixContainsIp(p: IpPrefix, ip: IpAddress): boolean {
  return p.family === ip.family && ip.value >= prefixFirst(p) && ip.value <= prefixLast(p);
}

/** True when `inner` lies entirely inside `outer`. */
export function prefixContains(outer: IpPrefix, inner: IpPrefix): boolean {
  return outer.family === inner.family && outer.length <= inner.length &&
    prefixFirst(inner) >= prefixFirst(outer) && prefixLast(inner) <= prefixLast(outer);
}

export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}

export function formatPrefix(p: IpPrefix): string {
  return `${formatIp({ family: p.family, value: p.address })}/${p.length}`;
}

export function ipOf(p: IpPrefix): IpAddress {
  return { family: p.family, value: p.address };
}

export function ipEquals(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

/** IPv4 or IPv6 address as network-order bytes (4 or 16). */
export function ipToBytes(ip: IpAddress): Buffer {
  const len = ip.family === 4 ? 4 : 16;
  const out = Buffer.alloc(len);
  let v = ip.value;
  for (let i = len - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

export function ipFromBytes(bytes: Uint8Array): IpAddress {
  if (bytes.length !== 4 && bytes.length !== 16) {
    throw invalidArgument("ERR_INVALID_IP", `an IP address has 4 or 16 bytes, not ${bytes.length}`);
  }
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value: v };
}

export function isLinkLocal(ip: IpAddress): boolean {
  if (ip.family === 4) return (ip.value >> 16n) === 0xa9fen; // 169.254.0.0/16
  return (ip.value >> 118n) === 0x3fan; // fe80::/10
}
