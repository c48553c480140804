// Test helpers: golden hex → payload, and translations of `ip -j` / `bridge -j` values into kernel values.

import assert from "node:assert/strict";
import { decodeMessages, type RawMessage } from "../message.js";
import { GOLDEN, type GoldenMessage } from "./golden.js";

/** The one netlink message a golden entry holds. */
export function messageOf(g: { readonly hex: string }): RawMessage {
  const [msg, ...rest] = decodeMessages(Buffer.from(g.hex, "hex"));
  assert.ok(msg !== undefined && rest.length === 0);
  return msg;
}

/** A field of an `ip -j` object that the test expects to be there. */
export function field(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  assert.ok(key in obj, `ip -j printed no ${key}: ${JSON.stringify(obj)}`);
  return obj[key];
}

export function ifindexOf(name: unknown): number {
  const index = GOLDEN.index[String(name)];
  assert.ok(index !== undefined, `no golden link named ${String(name)}`);
  return index;
}

export function goldenLink(name: string): GoldenMessage {
  const g = GOLDEN.links.find((l) => l.ip["ifname"] === name);
  assert.ok(g !== undefined, `no golden link ${name}`);
  return g;
}

/** iproute2 prints booleans for u8 on/off attributes. */
export function bit(v: unknown): number {
  return v === true ? 1 : v === false ? 0 : Number(v);
}

const IFF_NAMES: readonly [number, string][] = [
  [0x1, "UP"], [0x2, "BROADCAST"], [0x8, "LOOPBACK"], [0x10, "POINTOPOINT"], [0x80, "NOARP"], [0x100, "PROMISC"],
  [0x200, "ALLMULTI"], [0x400, "MASTER"], [0x800, "SLAVE"], [0x1000, "MULTICAST"], [0x10000, "LOWER_UP"],
];

/** The flag names `ip link` prints for ifi_flags (it hides RUNNING and adds NO-CARRIER). */
export function ifFlagNames(flags: number): string[] {
  const out = IFF_NAMES.filter(([bitv]) => (flags & bitv) !== 0).map(([, name]) => name);
  if ((flags & 0x1) !== 0 && (flags & 0x10000) === 0) out.push("NO-CARRIER");
  return out.sort();
}

export const OPERSTATE_NAMES = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];
export const BR_STATE_NAMES = ["disabled", "listening", "learning", "forwarding", "blocking"];

/** iproute2's rendering of struct ifla_bridge_id: "8000.2:33:40:ab:91:21" (MAC bytes unpadded, as ether_ntoa). */
export function bridgeIdText(id: Uint8Array | undefined): string {
  assert.ok(id !== undefined && id.length === 8);
  const b = Buffer.from(id);
  return `${b.subarray(0, 2).toString("hex")}.${[...b.subarray(2)].map((x) => x.toString(16)).join(":")}`;
}
