// Typed rtnetlink payloads (link, addr, route, neigh): builders and parsers over the schema tables.

import type { RawMessage } from "./message.js";
import {
  decodeMessageBody, encodeMessageBody, type AttrsOf, type EncodeOptions, type MessageOf, type Mode,
} from "./schema.js";
import type { brportAttrs } from "./schemas/bridge.js";
import { addrMessage } from "./schemas/rtnetlink-addr.js";
import { bridgeLinkMessage, linkMessage, type linkKinds } from "./schemas/rtnetlink-linkinfo.js";
import { neighMessage } from "./schemas/rtnetlink-neigh.js";
import { routeMessage } from "./schemas/rtnetlink-route.js";
import {
  AF_BRIDGE, RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH, RTM_DELROUTE, RTM_GETADDR, RTM_GETLINK, RTM_GETNEIGH,
  RTM_GETROUTE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE, RTM_SETLINK,
} from "./schemas/rtnetlink-types.js";

/** A link as decoded: `{ ifi: { family, type, index, flags, change }, attrs: { ifname, mtu, linkinfo, … } }`. */
export type LinkMessage = MessageOf<typeof bridgeLinkMessage>;
/** A link to encode: every header field and attribute optional (missing header fields are 0). */
export type LinkMessageInit = MessageOf<typeof bridgeLinkMessage, "in">;
export type LinkAttrs = LinkMessage["attrs"];
export type LinkInfo = NonNullable<LinkAttrs["linkinfo"]>;

/** IFLA_INFO_DATA of one link kind, e.g. `LinkKindData<"vxlan">`; "in" for what encoding accepts. */
export type LinkKind = keyof typeof linkKinds;
export type LinkKindData<K extends LinkKind, M extends Mode = "out"> = AttrsOf<(typeof linkKinds)[K], M>;
/** IFLA_BRPORT_*: a bridge port's settings (IFLA_PROTINFO, or IFLA_INFO_SLAVE_DATA of slave kind "bridge"). */
export type BridgePortAttrs<M extends Mode = "out"> = AttrsOf<typeof brportAttrs, M>;

export type AddrMessage = MessageOf<typeof addrMessage>;
export type AddrMessageInit = MessageOf<typeof addrMessage, "in">;
export type RouteMessage = MessageOf<typeof routeMessage>;
export type RouteMessageInit = MessageOf<typeof routeMessage, "in">;
export type NeighMessage = MessageOf<typeof neighMessage>;
export type NeighMessageInit = MessageOf<typeof neighMessage, "in">;

// IFLA_PROTINFO means bridge port settings only in AF_BRIDGE messages (AF_INET6 ones carry IFLA_INET6_*),
// so other families decode it raw, and encoding it there is refused.

/** ifinfomsg + IFLA_*: the payload of RTM_NEWLINK/SETLINK/DELLINK/GETLINK. */
export function encodeLinkMessage(msg: LinkMessageInit, options?: EncodeOptions): Buffer {
  return msg.ifi?.family === AF_BRIDGE
    ? encodeMessageBody(bridgeLinkMessage, msg, options)
    : encodeMessageBody(linkMessage, msg, options);
}

export function decodeLinkMessage(payload: Buffer): LinkMessage {
  return payload[0] === AF_BRIDGE ? decodeMessageBody(bridgeLinkMessage, payload) : decodeMessageBody(linkMessage, payload);
}

/** ifaddrmsg + IFA_*: the payload of RTM_NEWADDR/DELADDR/GETADDR. */
export function encodeAddrMessage(msg: AddrMessageInit, options?: EncodeOptions): Buffer {
  return encodeMessageBody(addrMessage, msg, options);
}

export function decodeAddrMessage(payload: Buffer): AddrMessage {
  return decodeMessageBody(addrMessage, payload);
}

/** rtmsg + RTA_*: the payload of RTM_NEWROUTE/DELROUTE/GETROUTE. */
export function encodeRouteMessage(msg: RouteMessageInit, options?: EncodeOptions): Buffer {
  return encodeMessageBody(routeMessage, msg, options);
}

export function decodeRouteMessage(payload: Buffer): RouteMessage {
  return decodeMessageBody(routeMessage, payload);
}

/** ndmsg + NDA_*: the payload of RTM_NEWNEIGH/DELNEIGH/GETNEIGH (FDB entries: ndm.family AF_BRIDGE). */
export function encodeNeighMessage(msg: NeighMessageInit, options?: EncodeOptions): Buffer {
  return encodeMessageBody(neighMessage, msg, options);
}

export function decodeNeighMessage(payload: Buffer): NeighMessage {
  return decodeMessageBody(neighMessage, payload);
}

/** One received rtnetlink message, decoded by its nlmsg_type (dump replies and multicast events). */
export type RtnlMessage =
  | { readonly object: "link"; readonly type: number; readonly value: LinkMessage }
  | { readonly object: "addr"; readonly type: number; readonly value: AddrMessage }
  | { readonly object: "route"; readonly type: number; readonly value: RouteMessage }
  | { readonly object: "neigh"; readonly type: number; readonly value: NeighMessage };

type Decoder = (type: number, payload: Buffer) => RtnlMessage;

const DECODERS: Readonly<Record<number, Decoder>> = Object.freeze({
  ...byTypes([RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK], (type, p) => ({ object: "link", type, value: decodeLinkMessage(p) })),
  ...byTypes([RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR], (type, p) => ({ object: "addr", type, value: decodeAddrMessage(p) })),
  ...byTypes([RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE], (type, p) => ({ object: "route", type, value: decodeRouteMessage(p) })),
  ...byTypes([RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH], (type, p) => ({ object: "neigh", type, value: decodeNeighMessage(p) })),
});

function byTypes(types: readonly number[], fn: Decoder): Record<number, Decoder> {
  return Object.fromEntries(types.map((t) => [t, fn]));
}

/** Decodes a link/addr/route/neigh message; undefined for other types (NLMSG_DONE, NLMSG_ERROR, rules …). */
export function decodeRtnlMessage(msg: Pick<RawMessage, "type" | "payload">): RtnlMessage | undefined {
  const decode = Object.hasOwn(DECODERS, msg.type) ? DECODERS[msg.type] : undefined;
  return decode?.(msg.type, msg.payload);
}
