// Reverse-lookup names (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa) to and from IP addresses.

import { formatIp, ipFromBytes, parseIp, type IpAddress } from "../types/index.js";

const V4_SUFFIX = ".in-addr.arpa";
const V6_SUFFIX = ".ip6.arpa";
const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const NIBBLE = /^[0-9a-f]$/;

/** The address a lower-case reverse name (no trailing dot) stands for, canonically formatted; else undefined. */
export function reverseNameToIp(name: string): string | undefined {
  if (name.endsWith(V4_SUFFIX)) {
    const labels = name.slice(0, -V4_SUFFIX.length).split(".");
    if (labels.length !== 4 || !labels.every((l) => OCTET.test(l) && Number(l) <= 255)) return undefined;
    return labels.reverse().join(".");
  }
  if (name.endsWith(V6_SUFFIX)) {
    const labels = name.slice(0, -V6_SUFFIX.length).split(".");
    if (labels.length !== 32 || !labels.every((l) => NIBBLE.test(l))) return undefined;
    const hex = labels.reverse().join("");
    return formatIp(ipFromBytes(Buffer.from(hex, "hex")));
  }
  return undefined;
}

/** The reverse name of an address, without the trailing dot (what `dig -x` asks for). */
export function ipToReverseName(ip: IpAddress | string): string {
  const addr = typeof ip === "string" ? parseIp(ip) : ip;
  if (addr.family === 4) {
    return `${[0n, 8n, 16n, 24n].map((s) => String((addr.value >> s) & 0xffn)).join(".")}${V4_SUFFIX}`;
  }
  return `${addr.value.toString(16).padStart(32, "0").split("").reverse().join(".")}${V6_SUFFIX}`;
}
