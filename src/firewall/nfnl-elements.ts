// Map element changes as one nfnetlink batch (NEWSETELEM / DELSETELEM), for non-interval maps with concatenated keys.
//
// The bytes match what `nft add/delete element` sends (golden test in nfnl-elements.test.ts), minus
// NFTA_SET_ELEM_LIST_SET_ID, which nft adds to name sets created in the same batch: ours exist already and
// the kernel looks the set up by name first.

import { ipToBytes } from "../types/index.js";
import { NLM_F_CREATE } from "../netlink/constants.js";
import { encodeMessageBody } from "../netlink/schema.js";
import {
  NFNETLINK_V0, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_UNSPEC,
  NFT_MSG_DELSETELEM, NFT_MSG_NEWSETELEM, batchMessage, nftMsgType, setElemListMessage,
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
function component(v: NftValue): Buffer {
  switch (v.t) {
    case "proto": {
      const out = Buffer.alloc(4);
      out.writeUInt8(PROTO_NUMBERS[v.v], 0);
      return out;
    }
    case "port": {
      if (!Number.isInteger(v.v) || v.v < 0 || v.v > 65535) throw new TypeError(`bad port ${v.v}`);
      const out = Buffer.alloc(4);
      out.writeUInt16BE(v.v, 0);
      return out;
    }
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
    // Prefixes live in interval sets, which need range-end elements: they stay on `nft -f`.
    case "prefix": throw new TypeError("nfnetlink element encoding does not handle prefixes");
  }
}

/** The NFTA_DATA_VALUE bytes of a key or map value. */
export function concatValue(values: readonly NftValue[]): Buffer {
  return Buffer.concat(values.map(component));
}

function elementAttrs(e: NftElement, withData: boolean): { key: { value: Buffer }; data?: { value: Buffer } } {
  const key = { value: concatValue(e.key) };
  // A deleted map element is named by its key alone.
  return withData && e.data !== undefined ? { key, data: { value: concatValue(e.data) } } : { key };
}

/** NEWSETELEM (add; NLM_F_CREATE, as `nft add element`) or DELSETELEM for the elements of one set. */
export function setElemRequest(
  op: "add" | "delete", table: string, set: string, elements: readonly NftElement[], family: NftTableSpec["family"] = "inet",
): NetlinkRequest {
  const payload = encodeMessageBody(setElemListMessage, {
    nfgen: { family: family === "bridge" ? NFPROTO_BRIDGE : NFPROTO_INET, version: NFNETLINK_V0, resId: 0 },
    attrs: { table, set, elements: elements.map((e) => elementAttrs(e, op === "add")) },
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
