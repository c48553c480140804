// A netlink socket that only listens: bound to multicast groups (RTMGRP_LINK …) inside a netns, it hands
// every notification the kernel broadcasts to a callback, read from the event loop as it arrives.

import type { NativeAddon, WatchHandle } from "../native/index.js";
import { SOCK_RAW } from "../native/index.js";
import { AF_NETLINK, NETLINK_ROUTE, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE } from "./constants.js";
import { decodeMessages, type RawMessage } from "./message.js";

/** rtnetlink multicast groups (linux/rtnetlink.h, the legacy bit masks bind() takes). */
export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;

const ENOBUFS = 105;

export interface NetlinkMonitorOptions {
  readonly protocol?: number;
  /** An open netns fd; omitted: the caller's netns. */
  readonly nsFd?: number;
  /** Bit mask of the multicast groups to join. */
  readonly groups: number;
  readonly receiveBufferBytes?: number;
  /** Each notification, in order. */
  readonly onMessage: (msg: RawMessage) => void;
  /**
   * The kernel dropped notifications (ENOBUFS: the receive buffer overflowed during a burst): the
   * listener must re-read the state it follows instead of trusting the stream.
   */
  readonly onOverrun: () => void;
}

export class NetlinkMonitor {
  readonly #native: NativeAddon;
  readonly #fd: number;
  readonly #watch: WatchHandle;
  #closed = false;

  private constructor(native: NativeAddon, fd: number, o: NetlinkMonitorOptions) {
    this.#native = native;
    this.#fd = fd;
    this.#watch = native.watch(fd, () => this.#drain(o), false);
  }

  static open(native: NativeAddon, o: NetlinkMonitorOptions): NetlinkMonitor {
    const fd = native.socketAt(o.nsFd ?? -1, AF_NETLINK, SOCK_RAW, o.protocol ?? NETLINK_ROUTE);
    try {
      // Bursts (a netns deleted with 100 veths) must not overflow it; an overflow is still handled.
      const rcv = o.receiveBufferBytes ?? 4 << 20;
      try { native.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcv); } catch { native.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, rcv); }
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0);
      addr.writeUInt32LE(o.groups >>> 0, 8); // nl_groups
      native.bind(fd, addr);
      return new NetlinkMonitor(native, fd, o);
    } catch (err) {
      native.close(fd);
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.unwatch(this.#watch);
    this.#native.close(this.#fd);
  }

  #drain(o: NetlinkMonitorOptions): void {
    for (;;) {
      if (this.#closed) return;
      let data: Buffer | null;
      try {
        data = this.#native.recv(this.#fd);
      } catch (err) {
        // Whatever was lost, the listener re-reads the state; only ENOBUFS leaves more to read now.
        o.onOverrun();
        if (-((err as { errno?: number }).errno ?? 0) === ENOBUFS) continue;
        return;
      }
      if (data === null) return;
      for (const msg of decodeMessages(data)) {
        if (msg.type === NLMSG_NOOP || msg.type === NLMSG_DONE || msg.type === NLMSG_ERROR) continue;
        o.onMessage(msg);
      }
    }
  }
}
