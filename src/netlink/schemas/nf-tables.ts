// nfnetlink batches and nf_tables set elements (linux/netfilter/nfnetlink.h, nf_tables.h): nfgenmsg, NFTA_SET_ELEM_*.

import type { MessageSpec, Schema, StructSpec } from "../schema-types.js";

// struct nfgenmsg; res_id is big-endian (the batch frames put the subsystem id there).
export const nfgenmsg = {
  size: 4,
  fields: [
    { name: "family", offset: 0, kind: "u8" },
    { name: "version", offset: 1, kind: "u8" },
    { name: "resId", offset: 2, kind: "be16" },
  ],
} as const satisfies StructSpec;

export const NFNETLINK_V0 = 0;
export const NFNL_SUBSYS_NFTABLES = 10;
/** Batch frames (NLMSG_MIN_TYPE and the one after it): everything between them commits or aborts together. */
export const NFNL_MSG_BATCH_BEGIN = 0x10;
export const NFNL_MSG_BATCH_END = 0x11;

export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;

// enum nf_tables_msg_types; the nlmsg_type is (NFNL_SUBSYS_NFTABLES << 8) | this.
export const NFT_MSG_NEWGEN = 15;
export const NFT_MSG_GETGEN = 16;
export const NFTA_GEN_ID = 1;
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_GETCHAIN = 4;
export const NFTA_GEN_PROC_PID = 2;
export const NFTA_GEN_PROC_NAME = 3;
/** The multicast group nf_tables announces every change on (enum nfnetlink_groups). */
export const NFNLGRP_NFTABLES = 7;
export const NFT_MSG_NEWSETELEM = 12;
export const NFT_MSG_GETSETELEM = 13;
export const NFT_MSG_DELSETELEM = 14;

/** nlmsg_type of an nf_tables message. */
export function nftMsgType(msg: number): number {
  return (NFNL_SUBSYS_NFTABLES << 8) | msg;
}

// enum nft_chain_attributes (what a chain dump is read for: its table, name and a base chain's policy)
export const NFTA_CHAIN_TABLE = 1;
export const NFTA_CHAIN_NAME = 3;
export const NFTA_CHAIN_POLICY = 5;
/** The verdict values a base chain's policy holds (linux/netfilter.h). */
export const NF_DROP = 0;

// enum nft_data_attributes
export const NFTA_DATA_VALUE = 1;
export const NFTA_DATA_VERDICT = 2;

// enum nft_list_attributes
export const NFTA_LIST_ELEM = 1;

// enum nft_set_elem_attributes
export const NFTA_SET_ELEM_KEY = 1;
export const NFTA_SET_ELEM_DATA = 2;
export const NFTA_SET_ELEM_FLAGS = 3;
export const NFTA_SET_ELEM_TIMEOUT = 4;
export const NFTA_SET_ELEM_KEY_END = 10;
/** enum nft_set_elem_flags: the element ends a range [start, end) of a single-field interval set. */
export const NFT_SET_ELEM_INTERVAL_END = 1;

// enum nft_set_elem_list_attributes
export const NFTA_SET_ELEM_LIST_TABLE = 1;
export const NFTA_SET_ELEM_LIST_SET = 2;
export const NFTA_SET_ELEM_LIST_ELEMENTS = 3;
export const NFTA_SET_ELEM_LIST_SET_ID = 4;

/** Register-sized data: a key or map value, a concatenation with every component padded to 4 bytes. */
export const nftDataAttrs = [
  { name: "value", type: NFTA_DATA_VALUE, kind: "binary" },
] as const satisfies Schema;

export const setElemAttrs = [
  { name: "key", type: NFTA_SET_ELEM_KEY, kind: "nested", schema: nftDataAttrs },
  // The last key of a range in a concatenated interval set (pipapo); nft puts it before the data.
  { name: "keyEnd", type: NFTA_SET_ELEM_KEY_END, kind: "nested", schema: nftDataAttrs },
  { name: "data", type: NFTA_SET_ELEM_DATA, kind: "nested", schema: nftDataAttrs },
  { name: "flags", type: NFTA_SET_ELEM_FLAGS, kind: "be32" },
] as const satisfies Schema;

export const setElemListAttrs = [
  { name: "table", type: NFTA_SET_ELEM_LIST_TABLE, kind: "string" },
  { name: "set", type: NFTA_SET_ELEM_LIST_SET, kind: "string" },
  // The children are nominally NFTA_LIST_ELEM, but libnftnl numbers them 1, 2, 3 … and the kernel
  // (nla_for_each_nested) ignores the type: we number them like nft, so the bytes are the same.
  { name: "elements", type: NFTA_SET_ELEM_LIST_ELEMENTS, kind: "array", item: { kind: "nested", schema: setElemAttrs } },
  { name: "setId", type: NFTA_SET_ELEM_LIST_SET_ID, kind: "be32" },
] as const satisfies Schema;

/** NFT_MSG_NEWSETELEM / DELSETELEM / GETSETELEM. */
export const setElemListMessage = {
  name: "nfgen",
  header: nfgenmsg,
  attrs: setElemListAttrs,
} as const satisfies MessageSpec;

/** The payload of both batch frames: an empty message addressed to a subsystem. */
export const batchMessage = {
  name: "nfgen",
  header: nfgenmsg,
  attrs: [],
} as const satisfies MessageSpec;
