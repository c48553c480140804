// Neighbours and bridge FDB entries (linux/neighbour.h): struct ndmsg, NDA_*, NUD_* states and NTF_* flags.

import type { MessageSpec, Schema, StructSpec } from "../schema-types.js";

// struct ndmsg. FDB entries are neighbours with ndm_family AF_BRIDGE (rtnetlink-types.ts).
export const ndmsg = {
  size: 12,
  fields: [
    { name: "family", offset: 0, kind: "u8" },
    { name: "ifindex", offset: 4, kind: "s32" },
    { name: "state", offset: 8, kind: "u16" },
    { name: "flags", offset: 10, kind: "u8" },
    { name: "type", offset: 11, kind: "u8" },
  ],
} as const satisfies StructSpec;

// ndm_state
export const NUD_NONE = 0x00;
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;

// ndm_flags
export const NTF_USE = 1 << 0;
/** The entry lives in the device itself (vxlan's own FDB), as `bridge fdb add … self`. */
export const NTF_SELF = 1 << 1;
/** The entry lives in the bridge the device is a port of, as `bridge fdb add … master`. */
export const NTF_MASTER = 1 << 2;
export const NTF_PROXY = 1 << 3;
export const NTF_EXT_LEARNED = 1 << 4;
export const NTF_OFFLOADED = 1 << 5;
export const NTF_STICKY = 1 << 6;
export const NTF_ROUTER = 1 << 7;

export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_VLAN = 5;
export const NDA_PORT = 6;
export const NDA_VNI = 7;
export const NDA_IFINDEX = 8;
export const NDA_MASTER = 9;
export const NDA_LINK_NETNSID = 10;
export const NDA_SRC_VNI = 11;
export const NDA_PROTOCOL = 12;
export const NDA_NH_ID = 13;
export const NDA_FDB_EXT_ATTRS = 14;
export const NDA_FLAGS_EXT = 15;
export const NDA_NDM_STATE_MASK = 16;
export const NDA_NDM_FLAGS_MASK = 17;

// struct nda_cacheinfo (times in clock ticks)
export const ndaCacheinfo = {
  size: 16,
  fields: [
    { name: "confirmed", offset: 0, kind: "u32" },
    { name: "used", offset: 4, kind: "u32" },
    { name: "updated", offset: 8, kind: "u32" },
    { name: "refcnt", offset: 12, kind: "u32" },
  ],
} as const satisfies StructSpec;

export const neighAttrs = [
  /** The neighbour's IP; for a VXLAN FDB entry, the remote VTEP. */
  { name: "dst", type: NDA_DST, kind: "ip" },
  { name: "lladdr", type: NDA_LLADDR, kind: "mac" },
  { name: "cacheinfo", type: NDA_CACHEINFO, kind: "struct", struct: ndaCacheinfo },
  { name: "probes", type: NDA_PROBES, kind: "u32" },
  { name: "vlan", type: NDA_VLAN, kind: "u16" },
  /** VXLAN remote UDP port, __be16 like IFLA_VXLAN_PORT. */
  { name: "port", type: NDA_PORT, kind: "be16" },
  /** VXLAN remote VNI, host order (unlike the port). */
  { name: "vni", type: NDA_VNI, kind: "u32" },
  /** VXLAN: ifindex of the underlay device to send through. */
  { name: "ifindex", type: NDA_IFINDEX, kind: "u32" },
  { name: "master", type: NDA_MASTER, kind: "u32" },
  { name: "linkNetnsid", type: NDA_LINK_NETNSID, kind: "s32" },
  { name: "srcVni", type: NDA_SRC_VNI, kind: "u32" },
  { name: "protocol", type: NDA_PROTOCOL, kind: "u8" },
  { name: "nhId", type: NDA_NH_ID, kind: "u32" },
  { name: "fdbExtAttrs", type: NDA_FDB_EXT_ATTRS, kind: "binary" },
  { name: "flagsExt", type: NDA_FLAGS_EXT, kind: "u32" },
  { name: "ndmStateMask", type: NDA_NDM_STATE_MASK, kind: "u16" },
  { name: "ndmFlagsMask", type: NDA_NDM_FLAGS_MASK, kind: "u8" },
] as const satisfies Schema;

/** RTM_NEWNEIGH/DELNEIGH/GETNEIGH, for ARP/NDP entries and (family AF_BRIDGE) FDB entries. */
export const neighMessage = { name: "ndm", header: ndmsg, attrs: neighAttrs } as const satisfies MessageSpec;
