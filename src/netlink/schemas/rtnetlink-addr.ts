// Addresses (linux/if_addr.h): struct ifaddrmsg, IFA_* attributes and IFA_F_* flags.

import type { MessageSpec, Schema, StructSpec } from "../schema-types.js";

// struct ifaddrmsg
export const ifaddrmsg = {
  size: 8,
  fields: [
    { name: "family", offset: 0, kind: "u8" },
    { name: "prefixlen", offset: 1, kind: "u8" },
    /** Only the low 8 IFA_F_* bits; IFA_FLAGS carries all 32. */
    { name: "flags", offset: 2, kind: "u8" },
    { name: "scope", offset: 3, kind: "u8" },
    { name: "index", offset: 4, kind: "u32" },
  ],
} as const satisfies StructSpec;

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_TARGET_NETNSID = 10;
export const IFA_PROTO = 11;

export const IFA_F_SECONDARY = 0x01;
export const IFA_F_TEMPORARY = IFA_F_SECONDARY;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

/** Lifetime value meaning "forever". */
export const INFINITY_LIFE_TIME = 0xffffffff;

// struct ifa_cacheinfo (lifetimes in seconds, stamps in hundredths of a second since boot)
export const ifaCacheinfo = {
  size: 16,
  fields: [
    { name: "prefered", offset: 0, kind: "u32" },
    { name: "valid", offset: 4, kind: "u32" },
    { name: "cstamp", offset: 8, kind: "u32" },
    { name: "tstamp", offset: 12, kind: "u32" },
  ],
} as const satisfies StructSpec;

// IPv4: `local` is the interface's address and `address` the peer (equal unless point-to-point).
// IPv6: only `address` is sent by the kernel.
export const addrAttrs = [
  { name: "address", type: IFA_ADDRESS, kind: "ip" },
  { name: "local", type: IFA_LOCAL, kind: "ip" },
  { name: "label", type: IFA_LABEL, kind: "string" },
  { name: "broadcast", type: IFA_BROADCAST, kind: "ip" },
  { name: "anycast", type: IFA_ANYCAST, kind: "ip" },
  { name: "cacheinfo", type: IFA_CACHEINFO, kind: "struct", struct: ifaCacheinfo },
  { name: "multicast", type: IFA_MULTICAST, kind: "ip" },
  { name: "flags", type: IFA_FLAGS, kind: "u32" },
  { name: "rtPriority", type: IFA_RT_PRIORITY, kind: "u32" },
  { name: "targetNetnsid", type: IFA_TARGET_NETNSID, kind: "s32" },
  { name: "proto", type: IFA_PROTO, kind: "u8" },
] as const satisfies Schema;

/** RTM_NEWADDR/DELADDR/GETADDR. */
export const addrMessage = { name: "ifa", header: ifaddrmsg, attrs: addrAttrs } as const satisfies MessageSpec;
