// Address ranges no network may use: loopback, multicast, "this network", IPv4-mapped IPv6. The kernel
// either accepts them on a bridge and breaks the host (127.0.0.1/24) or refuses them late with a raw
// EADDRNOTAVAIL; they are refused up front instead.

import { invalidArgument } from "../errors/index.js";
import { formatIp, formatPrefix, parsePrefix, prefixesOverlap, type IpAddress, type IpPrefix } from "./ip.js";

interface SpecialRange {
  readonly prefix: IpPrefix;
  readonly what: string;
}

const SPECIAL: readonly SpecialRange[] = Object.freeze([
  { prefix: parsePrefix("0.0.0.0/8"), what: "\"this network\" range" },
  { prefix: parsePrefix("127.0.0.0/8"), what: "loopback range" },
  { prefix: parsePrefix("224.0.0.0/4"), what: "multicast range" },
  { prefix: parsePrefix("255.255.255.255/32"), what: "broadcast address" },
  { prefix: parsePrefix("::/128"), what: "unspecified address" },
  { prefix: parsePrefix("::1/128"), what: "loopback address" },
  { prefix: parsePrefix("::ffff:0:0/96"), what: "IPv4-mapped range" },
  { prefix: parsePrefix("ff00::/8"), what: "multicast range" },
]);

/** The special range `p` overlaps, as "the loopback range 127.0.0.0/8", or undefined. */
export function specialRangeOf(p: IpPrefix): string | undefined {
  const hit = SPECIAL.find((s) => prefixesOverlap(s.prefix, p));
  return hit === undefined ? undefined : `the ${hit.what} ${formatPrefix(hit.prefix)}`;
}

/** Refuses a subnet, range or address (`what` names it: "subnet", "gateway") in a special range. */
export function refuseSpecialRange(what: string, p: IpPrefix | IpAddress): void {
  const prefix: IpPrefix = "length" in p ? p : { family: p.family, address: p.value, length: p.family === 4 ? 32 : 128 };
  const range = specialRangeOf(prefix);
  if (range === undefined) return;
  const text = "length" in p ? formatPrefix(p) : formatIp(p);
  throw invalidArgument("ERR_RESERVED_ADDRESS", `${what} ${text} is in ${range}: a network cannot use it`);
}
