// macvlan link kind (linux/if_link.h): IFLA_MACVLAN_* and the MACVLAN_MODE_* values.

import type { Schema } from "../schema-types.js";

export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;
export const IFLA_MACVLAN_MACADDR_MODE = 3;
export const IFLA_MACVLAN_MACADDR = 4;
export const IFLA_MACVLAN_MACADDR_DATA = 5;
export const IFLA_MACVLAN_MACADDR_COUNT = 6;
export const IFLA_MACVLAN_BC_QUEUE_LEN = 7;
export const IFLA_MACVLAN_BC_QUEUE_LEN_USED = 8;
export const IFLA_MACVLAN_BC_CUTOFF = 9;

// enum macvlan_mode (bit values)
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;
export const MACVLAN_MODE_SOURCE = 16;

export const MACVLAN_FLAG_NOPROMISC = 1;
export const MACVLAN_FLAG_NODST = 2;

export const macvlanAttrs = [
  { name: "mode", type: IFLA_MACVLAN_MODE, kind: "u32" },
  { name: "flags", type: IFLA_MACVLAN_FLAGS, kind: "u16" },
  { name: "macaddrMode", type: IFLA_MACVLAN_MACADDR_MODE, kind: "u32" },
  { name: "macaddr", type: IFLA_MACVLAN_MACADDR, kind: "mac" },
  { name: "macaddrData", type: IFLA_MACVLAN_MACADDR_DATA, kind: "binary" },
  { name: "macaddrCount", type: IFLA_MACVLAN_MACADDR_COUNT, kind: "u32" },
  { name: "bcQueueLen", type: IFLA_MACVLAN_BC_QUEUE_LEN, kind: "u32" },
  { name: "bcQueueLenUsed", type: IFLA_MACVLAN_BC_QUEUE_LEN_USED, kind: "u32" },
  { name: "bcCutoff", type: IFLA_MACVLAN_BC_CUTOFF, kind: "s32" },
] as const satisfies Schema;
