// Link events of one network namespace: RTM_NEWLINK / RTM_DELLINK (and RTM_DELADDR) notifications read
// from a monitor socket inside it, as they happen — how a link deleted behind our back is noticed.

import {
  NetlinkMonitor, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_LINK, RTM_DELADDR, RTM_DELLINK, RTM_NEWLINK, decodeAddrMessage,
  decodeLinkMessage,
} from "../netlink/index.js";
import type { NetnsHandle } from "./handle.js";
import { toLink, type Link } from "./link.js";

const AF_UNSPEC = 0;

export interface LinkEvent {
  /** RTM_DELLINK: the link is gone. Otherwise it was created or changed (master, flags, name …). */
  readonly deleted: boolean;
  readonly link: Link;
}

/** An address was removed from the link with this index (someone ran `ip addr del`, or the link went). */
export interface AddressRemoved {
  readonly addressRemovedFrom: number;
}

export interface LinkWatch {
  close(): void;
}

/**
 * Calls `onEvent` for each link created, changed or deleted in the netns of `h`, and with "overrun" when
 * the kernel dropped events (a burst filled the socket): then re-read the links instead of trusting the
 * stream. Per-family notifications (a bridge's AF_BRIDGE port messages) are left out: a port leaving a
 * bridge also shows as the port's own RTM_NEWLINK without a master.
 */
export function watchLinks(h: NetnsHandle, onEvent: (e: LinkEvent | AddressRemoved | "overrun") => void): LinkWatch {
  const monitor = NetlinkMonitor.open(h.native, {
    nsFd: h.nsFd, groups: RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
    onOverrun: () => onEvent("overrun"),
    onMessage: (msg) => {
      if (msg.type === RTM_DELADDR) { onEvent({ addressRemovedFrom: decodeAddrMessage(msg.payload).ifa.index }); return; }
      if (msg.type !== RTM_NEWLINK && msg.type !== RTM_DELLINK) return;
      const decoded = decodeLinkMessage(msg.payload);
      if (decoded.ifi.family !== AF_UNSPEC) return;
      onEvent({ deleted: msg.type === RTM_DELLINK, link: toLink(decoded) });
    },
  });
  return { close: () => monitor.close() };
}
