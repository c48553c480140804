// Set and map element changes as one nfnetlink batch (NEWSETELEM / DELSETELEM): exact keys (hash),
// concatenated intervals (pipapo: one element, its range as key and key end) and single-field intervals
// (rbtree: a prefix is two elements, its first address and, flagged INTERVAL_END, the one after its last).
//
// The bytes match what `nft add/delete element` sends (golden test in nfnl-elements.test.ts), minus
// NFTA_SET_ELEM_LIST_SET_ID, which nft adds to name sets created in the same batch: ours exist already and
// the kernel looks the set up by name first.

import { ipToBytes, prefixFirst, prefixLast, familyBits, type IpPrefix } from "../types/index.js";
import { NLM_F_CREATE } from "../netlink/constants.js";
import { encodeMessageBody } from "../netlink/schema.js";
import {
  NFNETLINK_V0, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_UNSPEC,
  NFT_MSG_DELSETELEM, NFT_MSG_NEWSETELEM, NFT_SET_ELEM_INTERVAL_END, batchMessage, nftMsgType, setElemListMessage,
} from "../netlink/schemas/nf-tables.js";
import type { NetlinkFrame, NetlinkRequest } from "../netlink/socket.js";
import type { ElementsBySet, NftElement, NftSetSpec, NftTableSpec, NftValue } from "./nft-ast.js";

/** Elements per message: an IPv6 hostports element is 68 bytes, and a nest (the element list) holds at most 64 KiB. */
const ELEMENTS_PER_MESSAGE = 512;

const PROTO_NUMBERS = Object.freeze({ tcp: 6, udp: 17, sctp: 132 } as const);

/** The frames around an nf_tables batch; the subsystem goes in res_id. */
export function nftBatchFrames(): { readonly begin: NetlinkFrame; readonly end: NetlinkFrame } {
  const payload = encodeMessageBody(batchMessage, { nfgen: { family: NFPROTO_UNSPEC, version: NFNETLINK_V0, resId: NFNL_SUBSYS_NFTABLES }, attrs: {} });
  return { begin: { type: NFNL_MSG_BATCH_BEGIN, payload }, end: { type: NFNL_MSG_BATCH_END, payload } };
}

/**
 * One concatenation component in its register layout: each is padded to 4 bytes (NFT_REG32_SIZE),
 * inet_service is big-endian, inet_proto one byte.
 */
function component(v: NftValue, end: boolean): Buffer {
  switch (v.t) {
    case "proto": {
      const out = Buffer.alloc(4);
      out.writeUInt8(PROTO_NUMBERS[v.v], 0);
      return out;
    }
    case "port": return portBytes(v.v);
    case "portRange": return portBytes(end ? v.hi : v.lo);
    case "addr": case "u128": return ipToBytes(v.v);
    case "ifname": {
      // IFNAMSIZ bytes, NUL-padded (names are checked to be at most 15 bytes before they get here).
      const out = Buffer.alloc(16);
      if (out.write(v.v, "utf8") > 15) throw new TypeError(`interface name too long: ${v.v}`);
      return out;
    }
    case "ether": {
      const out = Buffer.alloc(8); // 6 bytes, padded to two registers
      v.v.split(":").forEach((h, i) => out.writeUInt8(parseInt(h, 16), i));
      return out;
    }
    // In a concatenation (pipapo) the key end is inclusive: the prefix's last address.
    case "prefix": return prefixBytes(v.v, end ? prefixLast(v.v) : prefixFirst(v.v));
  }
}

function prefixBytes(p: IpPrefix, value: bigint): Buffer {
  return ipToBytes({ family: p.family, value });
}

/**
 * True when the prefix runs to the family's last address: its rbtree range has no end element, which
 * nft marks "open" in the element's user data. Our subnets never do (reserved ranges are refused), so
 * such a change simply stays on `nft -f`.
 */
export function endsAtTop(p: IpPrefix): boolean {
  return prefixLast(p) === (1n << BigInt(familyBits(p.family))) - 1n;
}

function portBytes(port: number): Buffer {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`bad port ${port}`);
  const out = Buffer.alloc(4);
  out.writeUInt16BE(port, 0);
  return out;
}

/** The NFTA_DATA_VALUE bytes of a key or map value; `end`: a range's last port (a key end). */
export function concatValue(values: readonly NftValue[], end = false): Buffer {
  return Buffer.concat(values.map((v) => component(v, end)));
}

interface ElementAttrs { flags?: number; key: { value: Buffer }; keyEnd?: { value: Buffer }; data?: { value: Buffer } }

/** The kernel elements of one of ours: one, or two for a prefix in a single-field interval set. */
function elementAttrs(e: NftElement, withData: boolean): ElementAttrs[] {
  const only = e.key.length === 1 ? e.key[0] : undefined;
  // The encoder writes attributes in the order they are set here, which is nft's.
  const out: ElementAttrs = { key: { value: concatValue(e.key) } };
  // A concatenated interval element is named by its key and key end, in adds and deletes alike (as nft).
  if (only?.t !== "prefix" && e.key.some((v) => v.t === "portRange" || v.t === "prefix")) out.keyEnd = { value: concatValue(e.key, true) };
  // A deleted map element is named by its key alone.
  if (withData && e.data !== undefined) out.data = { value: concatValue(e.data) };
  if (only?.t !== "prefix") return [out];
  // rbtree: [first, last + 1), the end a key of its own (no data), in adds and deletes alike (as nft).
  if (endsAtTop(only.v)) throw new TypeError("a prefix up to the last address has no range end element");
  return [out, { flags: NFT_SET_ELEM_INTERVAL_END, key: { value: prefixBytes(only.v, prefixLast(only.v) + 1n) } }];
}

/** NEWSETELEM (add; NLM_F_CREATE, as `nft add element`) or DELSETELEM for the elements of one set. */
export function setElemRequest(
  op: "add" | "delete", table: string, set: string, elements: readonly NftElement[], family: NftTableSpec["family"] = "inet",
): NetlinkRequest {
  const payload = encodeMessageBody(setElemListMessage, {
    nfgen: { family: family === "bridge" ? NFPROTO_BRIDGE : NFPROTO_INET, version: NFNETLINK_V0, resId: 0 },
    attrs: { table, set, elements: elements.flatMap((e) => elementAttrs(e, op === "add")) },
  });
  return op === "add"
    ? { type: nftMsgType(NFT_MSG_NEWSETELEM), flags: NLM_F_CREATE, payload, describe: `NFT_MSG_NEWSETELEM ${table} ${set}` }
    : { type: nftMsgType(NFT_MSG_DELSETELEM), payload, describe: `NFT_MSG_DELSETELEM ${table} ${set}` };
}

/**
 * The requests of one element change, deletes first (so a key can move to another value), in the
 * order of the table's sets; only the sets in `sets` (the caller checks that nothing else changes).
 */
export function elementChangeRequests(t: NftTableSpec, add: ElementsBySet, del: ElementsBySet, sets: ReadonlySet<string>): NetlinkRequest[] {
  const out: NetlinkRequest[] = [];
  const chosen: readonly NftSetSpec[] = t.sets.filter((s) => sets.has(s.name));
  for (const [op, elements] of [["delete", del], ["add", add]] as const) {
    for (const s of chosen) {
      const list = elements.get(s.name) ?? [];
      for (let i = 0; i < list.length; i += ELEMENTS_PER_MESSAGE) {
        out.push(setElemRequest(op, t.name, s.name, list.slice(i, i + ELEMENTS_PER_MESSAGE), t.family));
      }
    }
  }
  return out;
}
