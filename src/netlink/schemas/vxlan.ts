// VXLAN link kind (linux/if_link.h): IFLA_VXLAN_*, the IFLA_INFO_DATA of "vxlan".

import type { Schema, StructSpec } from "../schema-types.js";

export const IFLA_VXLAN_ID = 1;
export const IFLA_VXLAN_GROUP = 2;
export const IFLA_VXLAN_LINK = 3;
export const IFLA_VXLAN_LOCAL = 4;
export const IFLA_VXLAN_TTL = 5;
export const IFLA_VXLAN_TOS = 6;
export const IFLA_VXLAN_LEARNING = 7;
export const IFLA_VXLAN_AGEING = 8;
export const IFLA_VXLAN_LIMIT = 9;
export const IFLA_VXLAN_PORT_RANGE = 10;
export const IFLA_VXLAN_PROXY = 11;
export const IFLA_VXLAN_RSC = 12;
export const IFLA_VXLAN_L2MISS = 13;
export const IFLA_VXLAN_L3MISS = 14;
export const IFLA_VXLAN_PORT = 15;
export const IFLA_VXLAN_GROUP6 = 16;
export const IFLA_VXLAN_LOCAL6 = 17;
export const IFLA_VXLAN_UDP_CSUM = 18;
export const IFLA_VXLAN_UDP_ZERO_CSUM6_TX = 19;
export const IFLA_VXLAN_UDP_ZERO_CSUM6_RX = 20;
export const IFLA_VXLAN_REMCSUM_TX = 21;
export const IFLA_VXLAN_REMCSUM_RX = 22;
export const IFLA_VXLAN_GBP = 23;
export const IFLA_VXLAN_REMCSUM_NOPARTIAL = 24;
export const IFLA_VXLAN_COLLECT_METADATA = 25;
export const IFLA_VXLAN_LABEL = 26;
export const IFLA_VXLAN_GPE = 27;
export const IFLA_VXLAN_TTL_INHERIT = 28;
export const IFLA_VXLAN_DF = 29;
export const IFLA_VXLAN_VNIFILTER = 30;
export const IFLA_VXLAN_LOCALBYPASS = 31;
export const IFLA_VXLAN_LABEL_POLICY = 32;
export const IFLA_VXLAN_RESERVED_BITS = 33;

/** The IANA VXLAN port; the kernel's own default is still the pre-IANA 8472. */
export const VXLAN_PORT_IANA = 4789;

// struct ifla_vxlan_port_range: source port range, both __be16.
export const vxlanPortRange = {
  size: 4,
  fields: [
    { name: "low", offset: 0, kind: "be16" },
    { name: "high", offset: 2, kind: "be16" },
  ],
} as const satisfies StructSpec;

export const vxlanAttrs = [
  /** The VNI (24 bits), host order. */
  { name: "id", type: IFLA_VXLAN_ID, kind: "u32" },
  /** Multicast group or unicast remote (IPv4; IPv6 goes in group6). */
  { name: "group", type: IFLA_VXLAN_GROUP, kind: "ip" },
  /** ifindex of the underlay device. */
  { name: "link", type: IFLA_VXLAN_LINK, kind: "u32" },
  { name: "local", type: IFLA_VXLAN_LOCAL, kind: "ip" },
  { name: "ttl", type: IFLA_VXLAN_TTL, kind: "u8" },
  { name: "tos", type: IFLA_VXLAN_TOS, kind: "u8" },
  { name: "learning", type: IFLA_VXLAN_LEARNING, kind: "u8" },
  { name: "ageing", type: IFLA_VXLAN_AGEING, kind: "u32" },
  { name: "limit", type: IFLA_VXLAN_LIMIT, kind: "u32" },
  { name: "portRange", type: IFLA_VXLAN_PORT_RANGE, kind: "struct", struct: vxlanPortRange },
  { name: "proxy", type: IFLA_VXLAN_PROXY, kind: "u8" },
  { name: "rsc", type: IFLA_VXLAN_RSC, kind: "u8" },
  { name: "l2miss", type: IFLA_VXLAN_L2MISS, kind: "u8" },
  { name: "l3miss", type: IFLA_VXLAN_L3MISS, kind: "u8" },
  /** UDP destination port. Kernel notes: __be16 — written in host order, 4789 becomes 46354. */
  { name: "port", type: IFLA_VXLAN_PORT, kind: "be16" },
  { name: "group6", type: IFLA_VXLAN_GROUP6, kind: "ip" },
  { name: "local6", type: IFLA_VXLAN_LOCAL6, kind: "ip" },
  { name: "udpCsum", type: IFLA_VXLAN_UDP_CSUM, kind: "u8" },
  { name: "udpZeroCsum6Tx", type: IFLA_VXLAN_UDP_ZERO_CSUM6_TX, kind: "u8" },
  { name: "udpZeroCsum6Rx", type: IFLA_VXLAN_UDP_ZERO_CSUM6_RX, kind: "u8" },
  { name: "remcsumTx", type: IFLA_VXLAN_REMCSUM_TX, kind: "u8" },
  { name: "remcsumRx", type: IFLA_VXLAN_REMCSUM_RX, kind: "u8" },
  { name: "gbp", type: IFLA_VXLAN_GBP, kind: "flag" },
  { name: "remcsumNopartial", type: IFLA_VXLAN_REMCSUM_NOPARTIAL, kind: "flag" },
  { name: "collectMetadata", type: IFLA_VXLAN_COLLECT_METADATA, kind: "u8" },
  /** IPv6 flow label, __be32. */
  { name: "label", type: IFLA_VXLAN_LABEL, kind: "be32" },
  { name: "gpe", type: IFLA_VXLAN_GPE, kind: "flag" },
  { name: "ttlInherit", type: IFLA_VXLAN_TTL_INHERIT, kind: "flag" },
  { name: "df", type: IFLA_VXLAN_DF, kind: "u8" },
  { name: "vnifilter", type: IFLA_VXLAN_VNIFILTER, kind: "u8" },
  { name: "localbypass", type: IFLA_VXLAN_LOCALBYPASS, kind: "u8" },
  { name: "labelPolicy", type: IFLA_VXLAN_LABEL_POLICY, kind: "u32" },
  /** 8 bytes covering the VXLAN header: which reserved bits incoming packets may have set. */
  { name: "reservedBits", type: IFLA_VXLAN_RESERVED_BITS, kind: "binary" },
] as const satisfies Schema;
