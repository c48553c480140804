// Routes (linux/rtnetlink.h): struct rtmsg, RTA_* and RTAX_* attributes, RTN_/RT_SCOPE_/RT_TABLE_/RTPROT_ values.

import type { MessageSpec, Schema, StructSpec } from "../schema-types.js";

// struct rtmsg
export const rtmsg = {
  size: 12,
  fields: [
    { name: "family", offset: 0, kind: "u8" },
    { name: "dstLen", offset: 1, kind: "u8" },
    { name: "srcLen", offset: 2, kind: "u8" },
    { name: "tos", offset: 3, kind: "u8" },
    /** Table id when < 256; larger ids go in RTA_TABLE (and this says RT_TABLE_COMPAT). */
    { name: "table", offset: 4, kind: "u8" },
    { name: "protocol", offset: 5, kind: "u8" },
    { name: "scope", offset: 6, kind: "u8" },
    { name: "type", offset: 7, kind: "u8" },
    { name: "flags", offset: 8, kind: "u32" },
  ],
} as const satisfies StructSpec;

// rtm_type
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;

// rtm_protocol
export const RTPROT_UNSPEC = 0;
export const RTPROT_REDIRECT = 1;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_RA = 9;
export const RTPROT_DHCP = 16;

// rtm_scope
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

// rtm_table / RTA_TABLE
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

// rtm_flags (and rtnh_flags of multipath next hops)
export const RTNH_F_DEAD = 1;
export const RTNH_F_PERVASIVE = 2;
/** The gateway is on the link even though no local prefix covers it (`ip route … onlink`). */
export const RTNH_F_ONLINK = 4;
export const RTNH_F_OFFLOAD = 8;
export const RTNH_F_LINKDOWN = 16;
export const RTNH_F_UNRESOLVED = 32;
export const RTNH_F_TRAP = 64;
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;

export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_MFC_STATS = 17;
export const RTA_VIA = 18;
export const RTA_NEWDST = 19;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_ENCAP = 22;
export const RTA_EXPIRES = 23;
export const RTA_PAD = 24;
export const RTA_UID = 25;
export const RTA_TTL_PROPAGATE = 26;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;

// RTA_METRICS nest (enum RTAX_*)
export const RTAX_LOCK = 1;
export const RTAX_MTU = 2;
export const RTAX_WINDOW = 3;
export const RTAX_RTT = 4;
export const RTAX_RTTVAR = 5;
export const RTAX_SSTHRESH = 6;
export const RTAX_CWND = 7;
export const RTAX_ADVMSS = 8;
export const RTAX_REORDERING = 9;
export const RTAX_HOPLIMIT = 10;
export const RTAX_INITCWND = 11;
export const RTAX_FEATURES = 12;
export const RTAX_RTO_MIN = 13;
export const RTAX_INITRWND = 14;
export const RTAX_QUICKACK = 15;
export const RTAX_CC_ALGO = 16;
export const RTAX_FASTOPEN_NO_COOKIE = 17;

export const routeMetricsAttrs = [
  { name: "lock", type: RTAX_LOCK, kind: "u32" },
  { name: "mtu", type: RTAX_MTU, kind: "u32" },
  { name: "window", type: RTAX_WINDOW, kind: "u32" },
  { name: "rtt", type: RTAX_RTT, kind: "u32" },
  { name: "rttvar", type: RTAX_RTTVAR, kind: "u32" },
  { name: "ssthresh", type: RTAX_SSTHRESH, kind: "u32" },
  { name: "cwnd", type: RTAX_CWND, kind: "u32" },
  { name: "advmss", type: RTAX_ADVMSS, kind: "u32" },
  { name: "reordering", type: RTAX_REORDERING, kind: "u32" },
  { name: "hoplimit", type: RTAX_HOPLIMIT, kind: "u32" },
  { name: "initcwnd", type: RTAX_INITCWND, kind: "u32" },
  { name: "features", type: RTAX_FEATURES, kind: "u32" },
  { name: "rtoMin", type: RTAX_RTO_MIN, kind: "u32" },
  { name: "initrwnd", type: RTAX_INITRWND, kind: "u32" },
  { name: "quickack", type: RTAX_QUICKACK, kind: "u32" },
  { name: "ccAlgo", type: RTAX_CC_ALGO, kind: "string" },
  { name: "fastopenNoCookie", type: RTAX_FASTOPEN_NO_COOKIE, kind: "u32" },
] as const satisfies Schema;

// struct rta_cacheinfo
export const rtaCacheinfo = {
  size: 32,
  fields: [
    { name: "clntref", offset: 0, kind: "u32" },
    { name: "lastuse", offset: 4, kind: "u32" },
    { name: "expires", offset: 8, kind: "s32" },
    { name: "error", offset: 12, kind: "u32" },
    { name: "used", offset: 16, kind: "u32" },
    { name: "id", offset: 20, kind: "u32" },
    { name: "ts", offset: 24, kind: "u32" },
    { name: "tsage", offset: 28, kind: "u32" },
  ],
} as const satisfies StructSpec;

export const routeAttrs = [
  { name: "dst", type: RTA_DST, kind: "ip" },
  { name: "src", type: RTA_SRC, kind: "ip" },
  { name: "iif", type: RTA_IIF, kind: "u32" },
  { name: "oif", type: RTA_OIF, kind: "u32" },
  { name: "gateway", type: RTA_GATEWAY, kind: "ip" },
  /** The metric. */
  { name: "priority", type: RTA_PRIORITY, kind: "u32" },
  { name: "prefsrc", type: RTA_PREFSRC, kind: "ip" },
  { name: "metrics", type: RTA_METRICS, kind: "nested", schema: routeMetricsAttrs },
  /** struct rtnexthop records (not attributes), kept raw. */
  { name: "multipath", type: RTA_MULTIPATH, kind: "binary" },
  { name: "flow", type: RTA_FLOW, kind: "u32" },
  { name: "cacheinfo", type: RTA_CACHEINFO, kind: "struct", struct: rtaCacheinfo },
  { name: "table", type: RTA_TABLE, kind: "u32" },
  { name: "mark", type: RTA_MARK, kind: "u32" },
  { name: "mfcStats", type: RTA_MFC_STATS, kind: "binary" },
  /** struct rtvia: a family then an address of that family (IPv4 routes via IPv6 gateways). */
  { name: "via", type: RTA_VIA, kind: "binary" },
  { name: "newdst", type: RTA_NEWDST, kind: "binary" },
  { name: "pref", type: RTA_PREF, kind: "u8" },
  { name: "encapType", type: RTA_ENCAP_TYPE, kind: "u16" },
  { name: "encap", type: RTA_ENCAP, kind: "binary" },
  { name: "expires", type: RTA_EXPIRES, kind: "u32" },
  { name: "uid", type: RTA_UID, kind: "u32" },
  { name: "ttlPropagate", type: RTA_TTL_PROPAGATE, kind: "u8" },
  { name: "ipProto", type: RTA_IP_PROTO, kind: "u8" },
  { name: "sport", type: RTA_SPORT, kind: "be16" },
  { name: "dport", type: RTA_DPORT, kind: "be16" },
  { name: "nhId", type: RTA_NH_ID, kind: "u32" },
] as const satisfies Schema;

/** RTM_NEWROUTE/DELROUTE/GETROUTE. */
export const routeMessage = { name: "rtm", header: rtmsg, attrs: routeAttrs } as const satisfies MessageSpec;
