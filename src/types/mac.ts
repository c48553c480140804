// MAC addresses: parsing, formatting, Docker's 02:42:<IPv4> derivation and random 02:42 MACs.

import { invalidArgument } from "../errors/index.js";
import type { IpAddress } from "./ip.js";
import { randomHex } from "./random.js";

/** A random MAC under Docker's 02:42 prefix (locally administered, unicast). */
export function randomMac(): string {
  return `02:42:${randomHex(4).replace(/(..)(?!$)/g, "$1:")}`;
}

export function parseMac(text: string): Buffer {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) {
    throw invalidArgument("ERR_INVALID_MAC", `invalid MAC address: ${JSON.stringify(text)}`);
  }
  return Buffer.from(text.split(":").map((h) => parseInt(h, 16)));
}

/**
 * A MAC an interface may have: parsed, and neither multicast (the low bit of the first byte; the
 * broadcast address is one) nor all zeros. The kernel refuses both with a bare EADDRNOTAVAIL.
 */
export function parseUnicastMac(text: string): Buffer {
  const bytes = parseMac(text);
  if (((bytes[0] ?? 0) & 1) === 1) {
    throw invalidArgument("ERR_INVALID_MAC", `MAC address ${text} is a multicast address: an interface needs a unicast one (first byte even, e.g. 02:42:…)`);
  }
  if (bytes.every((b) => b === 0)) throw invalidArgument("ERR_INVALID_MAC", `MAC address ${text} is all zeros: an interface needs a unicast one`);
  return bytes;
}

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Docker's MAC for an IPv4 endpoint: 02:42 followed by the four address bytes. */
export function macFromIPv4(ip: IpAddress): string {
  const v = Number(ip.value);
  const bytes = [0x02, 0x42, (v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return formatMac(Uint8Array.from(bytes));
}
