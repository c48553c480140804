// Links without their kind-specific data (linux/if_link.h, if.h): struct ifinfomsg, IFF_*, IF_OPER_*, IFLA_*.
// IFLA_LINKINFO lives in rtnetlink-linkinfo.ts: its kinds (veth) refer back to these attributes.

import type { MessageSpec, Schema, StructSpec } from "../schema-types.js";

// struct ifinfomsg
export const ifinfomsg = {
  size: 16,
  fields: [
    { name: "family", offset: 0, kind: "u8" },
    { name: "type", offset: 2, kind: "u16" },
    { name: "index", offset: 4, kind: "s32" },
    { name: "flags", offset: 8, kind: "u32" },
    { name: "change", offset: 12, kind: "u32" },
  ],
} as const satisfies StructSpec;

// ifi_flags / ifi_change (linux/if.h, enum net_device_flags)
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;
export const IFF_MASTER = 0x400;
export const IFF_SLAVE = 0x800;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;
export const IFF_DORMANT = 0x20000;

// IFLA_OPERSTATE values (RFC 2863)
export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_NOTPRESENT = 1;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_TESTING = 4;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;

// ifi_type values (linux/if_arp.h) seen on the links we make
export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_NONE = 0xfffe;

export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_MASTER = 10;
export const IFLA_PROTINFO = 12;
export const IFLA_TXQLEN = 13;
export const IFLA_MAP = 14;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_IFALIAS = 20;
export const IFLA_NUM_VF = 21;
export const IFLA_STATS64 = 23;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_PROMISCUITY = 30;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_PHYS_PORT_ID = 34;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PHYS_SWITCH_ID = 36;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_PHYS_PORT_NAME = 38;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_PAD = 42;
export const IFLA_XDP = 43;
export const IFLA_EVENT = 44;
export const IFLA_NEW_NETNSID = 45;
export const IFLA_TARGET_NETNSID = 46;
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_NEW_IFINDEX = 49;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_PROTO_DOWN_REASON = 55;
export const IFLA_PARENT_DEV_NAME = 56;
export const IFLA_PARENT_DEV_BUS_NAME = 57;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61;
export const IFLA_DEVLINK_PORT = 62;
export const IFLA_GSO_IPV4_MAX_SIZE = 63;
export const IFLA_GRO_IPV4_MAX_SIZE = 64;
export const IFLA_DPLL_PIN = 65;
export const IFLA_MAX_PACING_OFFLOAD_HORIZON = 66;
export const IFLA_NETNS_IMMUTABLE = 67;
export const IFLA_HEADROOM = 68;
export const IFLA_TAILROOM = 69;

/**
 * Every IFLA_* attribute except IFLA_LINKINFO and IFLA_PROTINFO (whose contents depend on the message family).
 * Statistics and per-family blobs stay binary: nothing here interprets them.
 */
export const linkBaseAttrs = [
  { name: "address", type: IFLA_ADDRESS, kind: "mac" },
  { name: "broadcast", type: IFLA_BROADCAST, kind: "mac" },
  { name: "ifname", type: IFLA_IFNAME, kind: "string" },
  { name: "mtu", type: IFLA_MTU, kind: "u32" },
  /** ifindex of the lower device (veth peer, macvlan parent), possibly in the netns IFLA_LINK_NETNSID. */
  { name: "link", type: IFLA_LINK, kind: "u32" },
  { name: "qdisc", type: IFLA_QDISC, kind: "string" },
  { name: "stats", type: IFLA_STATS, kind: "binary" },
  { name: "master", type: IFLA_MASTER, kind: "u32" },
  { name: "txqlen", type: IFLA_TXQLEN, kind: "u32" },
  { name: "map", type: IFLA_MAP, kind: "binary" },
  { name: "operstate", type: IFLA_OPERSTATE, kind: "u8" },
  { name: "linkmode", type: IFLA_LINKMODE, kind: "u8" },
  { name: "netNsPid", type: IFLA_NET_NS_PID, kind: "u32" },
  { name: "ifalias", type: IFLA_IFALIAS, kind: "string" },
  { name: "numVf", type: IFLA_NUM_VF, kind: "u32" },
  { name: "stats64", type: IFLA_STATS64, kind: "binary" },
  { name: "afSpec", type: IFLA_AF_SPEC, kind: "binary" },
  { name: "group", type: IFLA_GROUP, kind: "u32" },
  /** A netns file descriptor: the link is created in (or moved to) that namespace. */
  { name: "netNsFd", type: IFLA_NET_NS_FD, kind: "u32" },
  { name: "extMask", type: IFLA_EXT_MASK, kind: "u32" },
  { name: "promiscuity", type: IFLA_PROMISCUITY, kind: "u32" },
  { name: "numTxQueues", type: IFLA_NUM_TX_QUEUES, kind: "u32" },
  { name: "numRxQueues", type: IFLA_NUM_RX_QUEUES, kind: "u32" },
  { name: "carrier", type: IFLA_CARRIER, kind: "u8" },
  { name: "physPortId", type: IFLA_PHYS_PORT_ID, kind: "binary" },
  { name: "carrierChanges", type: IFLA_CARRIER_CHANGES, kind: "u32" },
  { name: "physSwitchId", type: IFLA_PHYS_SWITCH_ID, kind: "binary" },
  { name: "linkNetnsid", type: IFLA_LINK_NETNSID, kind: "s32" },
  { name: "physPortName", type: IFLA_PHYS_PORT_NAME, kind: "string" },
  { name: "protoDown", type: IFLA_PROTO_DOWN, kind: "u8" },
  { name: "gsoMaxSegs", type: IFLA_GSO_MAX_SEGS, kind: "u32" },
  { name: "gsoMaxSize", type: IFLA_GSO_MAX_SIZE, kind: "u32" },
  { name: "xdp", type: IFLA_XDP, kind: "binary" },
  { name: "event", type: IFLA_EVENT, kind: "u32" },
  { name: "newNetnsid", type: IFLA_NEW_NETNSID, kind: "s32" },
  { name: "targetNetnsid", type: IFLA_TARGET_NETNSID, kind: "s32" },
  { name: "carrierUpCount", type: IFLA_CARRIER_UP_COUNT, kind: "u32" },
  { name: "carrierDownCount", type: IFLA_CARRIER_DOWN_COUNT, kind: "u32" },
  { name: "newIfindex", type: IFLA_NEW_IFINDEX, kind: "s32" },
  { name: "minMtu", type: IFLA_MIN_MTU, kind: "u32" },
  { name: "maxMtu", type: IFLA_MAX_MTU, kind: "u32" },
  /** Alternative names: a nest of IFLA_ALT_IFNAME strings. */
  { name: "propList", type: IFLA_PROP_LIST, kind: "array", itemType: IFLA_ALT_IFNAME, item: { kind: "string" } },
  { name: "altIfname", type: IFLA_ALT_IFNAME, kind: "string" },
  { name: "permAddress", type: IFLA_PERM_ADDRESS, kind: "mac" },
  { name: "protoDownReason", type: IFLA_PROTO_DOWN_REASON, kind: "binary" },
  { name: "parentDevName", type: IFLA_PARENT_DEV_NAME, kind: "string" },
  { name: "parentDevBusName", type: IFLA_PARENT_DEV_BUS_NAME, kind: "string" },
  { name: "groMaxSize", type: IFLA_GRO_MAX_SIZE, kind: "u32" },
  { name: "tsoMaxSize", type: IFLA_TSO_MAX_SIZE, kind: "u32" },
  { name: "tsoMaxSegs", type: IFLA_TSO_MAX_SEGS, kind: "u32" },
  { name: "allmulti", type: IFLA_ALLMULTI, kind: "u32" },
  { name: "devlinkPort", type: IFLA_DEVLINK_PORT, kind: "binary" },
  { name: "gsoIpv4MaxSize", type: IFLA_GSO_IPV4_MAX_SIZE, kind: "u32" },
  { name: "groIpv4MaxSize", type: IFLA_GRO_IPV4_MAX_SIZE, kind: "u32" },
  { name: "dpllPin", type: IFLA_DPLL_PIN, kind: "binary" },
  /** NLA_UINT: 4 or 8 bytes depending on the value, so kept raw. */
  { name: "maxPacingOffloadHorizon", type: IFLA_MAX_PACING_OFFLOAD_HORIZON, kind: "binary" },
  { name: "netnsImmutable", type: IFLA_NETNS_IMMUTABLE, kind: "u8" },
  { name: "headroom", type: IFLA_HEADROOM, kind: "u16" },
  { name: "tailroom", type: IFLA_TAILROOM, kind: "u16" },
] as const satisfies Schema;

/** ifinfomsg + the base attributes: the payload of a veth peer (VETH_INFO_PEER). */
export const linkBaseMessage = { name: "ifi", header: ifinfomsg, attrs: linkBaseAttrs } as const satisfies MessageSpec;
