// ipvlan link kind (linux/if_link.h): IFLA_IPVLAN_MODE/FLAGS and their values.

import type { Schema } from "../schema-types.js";

export const IFLA_IPVLAN_MODE = 1;
export const IFLA_IPVLAN_FLAGS = 2;

// enum ipvlan_mode
export const IPVLAN_MODE_L2 = 0;
export const IPVLAN_MODE_L3 = 1;
export const IPVLAN_MODE_L3S = 2;

export const IPVLAN_F_PRIVATE = 0x01;
export const IPVLAN_F_VEPA = 0x02;

export const ipvlanAttrs = [
  { name: "mode", type: IFLA_IPVLAN_MODE, kind: "u16" },
  { name: "flags", type: IFLA_IPVLAN_FLAGS, kind: "u16" },
] as const satisfies Schema;
