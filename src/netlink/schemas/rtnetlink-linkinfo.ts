// IFLA_LINKINFO (linux/if_link.h): IFLA_INFO_*, the table of link kinds, and the complete link messages.
// Kinds without IFLA_INFO_DATA (dummy) need no entry.

import type { MessageSpec, Schema } from "../schema-types.js";
import { bridgeAttrs, brportAttrs } from "./bridge.js";
import { ipvlanAttrs } from "./ipvlan.js";
import { macvlanAttrs } from "./macvlan.js";
import { IFLA_LINKINFO, IFLA_PROTINFO, ifinfomsg, linkBaseAttrs } from "./rtnetlink-link.js";
import { vethAttrs } from "./veth.js";
import { vlanAttrs } from "./vlan.js";
import { vxlanAttrs } from "./vxlan.js";

export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_XSTATS = 3;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;

/** IFLA_INFO_DATA by IFLA_INFO_KIND. Kinds not listed still decode: their data is kept raw. */
export const linkKinds = {
  veth: vethAttrs,
  bridge: bridgeAttrs,
  vxlan: vxlanAttrs,
  macvlan: macvlanAttrs,
  ipvlan: ipvlanAttrs,
  vlan: vlanAttrs,
} as const satisfies Readonly<Record<string, Schema>>;

/** IFLA_INFO_SLAVE_DATA by IFLA_INFO_SLAVE_KIND (the kind of the master). */
export const linkSlaveKinds = {
  bridge: brportAttrs,
} as const satisfies Readonly<Record<string, Schema>>;

// Kind names go out unterminated, as iproute2 and vishvananda/netlink send them (NLA_STRING takes both);
// the kernel's own dumps terminate them.
export const linkInfoAttrs = [
  { name: "kind", type: IFLA_INFO_KIND, kind: "string", nul: false },
  { name: "data", type: IFLA_INFO_DATA, kind: "by-kind", selector: "kind", table: linkKinds },
  { name: "xstats", type: IFLA_INFO_XSTATS, kind: "binary" },
  { name: "slaveKind", type: IFLA_INFO_SLAVE_KIND, kind: "string", nul: false },
  { name: "slaveData", type: IFLA_INFO_SLAVE_DATA, kind: "by-kind", selector: "slaveKind", table: linkSlaveKinds },
] as const satisfies Schema;

export const linkAttrs = [
  ...linkBaseAttrs,
  { name: "linkinfo", type: IFLA_LINKINFO, kind: "nested", schema: linkInfoAttrs },
] as const satisfies Schema;

/** RTM_NEWLINK/DELLINK/GETLINK/SETLINK with ifi_family AF_UNSPEC (every link operation but bridge ports). */
export const linkMessage = { name: "ifi", header: ifinfomsg, attrs: linkAttrs } as const satisfies MessageSpec;

/** The same with ifi_family AF_BRIDGE, where IFLA_PROTINFO holds the bridge port settings (hairpin …). */
export const bridgeLinkMessage = {
  name: "ifi",
  header: ifinfomsg,
  attrs: [...linkAttrs, { name: "protinfo", type: IFLA_PROTINFO, kind: "nested", schema: brportAttrs }],
} as const satisfies MessageSpec;
