// veth link kind (linux/veth.h): the peer is described by a whole ifinfomsg + IFLA_* inside VETH_INFO_PEER.

import type { Schema } from "../schema-types.js";
import { linkBaseMessage } from "./rtnetlink-link.js";

export const VETH_INFO_PEER = 1;

export const vethAttrs = [
  // Kernel notes: the payload is struct ifinfomsg then IFLA_* attributes, not a plain nest. IFLA_NET_NS_FD
  // here creates the peer directly inside another netns, which avoids a ~19 ms move later.
  { name: "peer", type: VETH_INFO_PEER, kind: "message", message: linkBaseMessage },
] as const satisfies Schema;
