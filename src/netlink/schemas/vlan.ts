// 802.1Q VLAN link kind (linux/if_link.h, linux/if_vlan.h): IFLA_VLAN_*, the IFLA_INFO_DATA of "vlan".

import type { Schema, StructSpec } from "../schema-types.js";

export const IFLA_VLAN_ID = 1;
export const IFLA_VLAN_FLAGS = 2;
export const IFLA_VLAN_EGRESS_QOS = 3;
export const IFLA_VLAN_INGRESS_QOS = 4;
export const IFLA_VLAN_PROTOCOL = 5;

export const IFLA_VLAN_QOS_MAPPING = 1;

// enum vlan_flags
export const VLAN_FLAG_REORDER_HDR = 0x1;
export const VLAN_FLAG_GVRP = 0x2;
export const VLAN_FLAG_LOOSE_BINDING = 0x4;
export const VLAN_FLAG_MVRP = 0x8;
export const VLAN_FLAG_BRIDGE_BINDING = 0x10;

/** ETH_P_8021Q and ETH_P_8021AD (linux/if_ether.h), the values of IFLA_VLAN_PROTOCOL. */
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;

/** The 802.1Q VLAN IDs a link may carry (0 and 4095 are reserved). */
export const VLAN_ID_MIN = 1;
export const VLAN_ID_MAX = 4094;

/** struct ifla_vlan_flags { __u32 flags; __u32 mask; } */
export const iflaVlanFlags = {
  size: 8,
  fields: [
    { name: "flags", offset: 0, kind: "u32" },
    { name: "mask", offset: 4, kind: "u32" },
  ],
} as const satisfies StructSpec;

/** struct ifla_vlan_qos_mapping { __u32 from; __u32 to; } */
export const iflaVlanQosMapping = {
  size: 8,
  fields: [
    { name: "from", offset: 0, kind: "u32" },
    { name: "to", offset: 4, kind: "u32" },
  ],
} as const satisfies StructSpec;

const qosMappings = { kind: "array", item: { kind: "struct", struct: iflaVlanQosMapping }, itemType: IFLA_VLAN_QOS_MAPPING } as const;

export const vlanAttrs = [
  { name: "id", type: IFLA_VLAN_ID, kind: "u16" },
  { name: "flags", type: IFLA_VLAN_FLAGS, kind: "struct", struct: iflaVlanFlags },
  { name: "egressQos", type: IFLA_VLAN_EGRESS_QOS, ...qosMappings },
  { name: "ingressQos", type: IFLA_VLAN_INGRESS_QOS, ...qosMappings },
  // __be16, like IFLA_VXLAN_PORT.
  { name: "protocol", type: IFLA_VLAN_PROTOCOL, kind: "be16" },
] as const satisfies Schema;
