// One handle per network namespace: its fd, a NETLINK_ROUTE socket and (lazily) a NETLINK_NETFILTER socket.

import { internal } from "../errors/index.js";
import type { NativeAddon } from "../native/index.js";
import { NETLINK_NETFILTER, NETLINK_ROUTE } from "../netlink/constants.js";
import { NetlinkMonitor, type NetlinkMonitorOptions } from "../netlink/monitor.js";
import { NetlinkSocket } from "../netlink/socket.js";
import { closeFd, openNetnsFd } from "./namespace.js";
import { openProcSysNet, readSysctl, writeSysctl } from "./sysctl.js";

export class NetnsHandle {
  /** The netns file, or undefined for the namespace this process runs in. */
  readonly path: string | undefined;
  /** An open fd of the netns (-1 for the process's own netns). */
  readonly nsFd: number;
  readonly native: NativeAddon;
  readonly route: NetlinkSocket;
  #netfilter: NetlinkSocket | undefined;
  #netDirFd: number | undefined;
  #ownNsFd: number | undefined;
  #closed = false;

  private constructor(native: NativeAddon, path: string | undefined, nsFd: number, route: NetlinkSocket) {
    this.native = native;
    this.path = path;
    this.nsFd = nsFd;
    this.route = route;
  }

  /** Opens a handle on the netns at `path`, or on the process's own netns when path is undefined. */
  static open(native: NativeAddon, path?: string): NetnsHandle {
    const nsFd = path === undefined ? -1 : openNetnsFd(path);
    try {
      const route = NetlinkSocket.open(native, { protocol: NETLINK_ROUTE, nsFd });
      return new NetnsHandle(native, path, nsFd, route);
    } catch (err) {
      if (nsFd >= 0) closeFd(nsFd);
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `fn` on a fresh rtnetlink socket of this netns, closed afterwards: for a request that blocks for
   * long in the kernel and is sent off-thread (deleting a group of links). On the shared socket it would
   * stay pending for 20–100 ms while every other operation's requests and replies go through that socket
   * too; a socket of its own keeps the shared one to short exchanges (one per reap, so opening is cheap).
   */
  async withOwnRouteSocket<T>(fn: (socket: NetlinkSocket) => Promise<T>): Promise<T> {
    const socket = this.openSocket(NETLINK_ROUTE);
    try {
      return await fn(socket);
    } finally {
      socket.close();
    }
  }

  /**
   * An fd naming this netns in a request (IFLA_NET_NS_FD): nsFd, or for the process's own netns an fd of
   * the main thread's, opened on first use (sockets of other netns create links in this one with it).
   */
  attrNsFd(): number {
    this.#assertOpen();
    if (this.nsFd >= 0) return this.nsFd;
    this.#ownNsFd ??= openNetnsFd("/proc/thread-self/ns/net");
    return this.#ownNsFd;
  }

  /**
   * A new netlink socket of this netns that the caller owns and closes: for a user that keeps a socket of
   * its own, sized for its batches (the firewall's port-map writer), instead of sharing this handle's.
   */
  openSocket(protocol: number, options: { readonly receiveBufferBytes?: number } = {}): NetlinkSocket {
    this.#assertOpen();
    return NetlinkSocket.open(this.native, { ...options, protocol, nsFd: this.nsFd });
  }

  /** A new listening socket of this netns, bound to multicast groups (see NetlinkMonitor); the caller closes it. */
  openMonitor(protocol: number, options: Omit<NetlinkMonitorOptions, "protocol" | "nsFd">): NetlinkMonitor {
    this.#assertOpen();
    return NetlinkMonitor.open(this.native, { ...options, protocol, nsFd: this.nsFd });
  }

  /** The nfnetlink socket of this netns, opened on first use. */
  netfilter(): NetlinkSocket {
    this.#assertOpen();
    this.#netfilter ??= NetlinkSocket.open(this.native, { protocol: NETLINK_NETFILTER, nsFd: this.nsFd });
    return this.#netfilter;
  }

  readSysctl(key: string): string {
    this.#assertOpen();
    return readSysctl(this.native, this.nsFd, key, this.#procSysNet());
  }

  writeSysctl(key: string, value: string): void {
    this.#assertOpen();
    writeSysctl(this.native, this.nsFd, key, value, this.#procSysNet());
  }

  /** This netns's /proc/sys/net, opened on first use (see openSysctl). */
  #procSysNet(): number {
    this.#netDirFd ??= openProcSysNet(this.native, this.nsFd);
    return this.#netDirFd;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.route.close();
    this.#netfilter?.close();
    if (this.#netDirFd !== undefined) closeFd(this.#netDirFd);
    if (this.#ownNsFd !== undefined) closeFd(this.#ownNsFd);
    if (this.nsFd >= 0) closeFd(this.nsFd);
  }

  #assertOpen(): void {
    if (this.#closed) throw internal("ERR_HANDLE_CLOSED", `netns handle ${this.path ?? "(host)"} is closed`);
  }
}

/** Handles cached by netns path; closed when their namespace goes away or the cache is closed. */
export class HandleCache {
  readonly #native: NativeAddon;
  readonly #handles = new Map<string, NetnsHandle>();
  #host: NetnsHandle | undefined;

  constructor(native: NativeAddon) {
    this.#native = native;
  }

  /** The handle of the process's own netns. */
  host(): NetnsHandle {
    this.#host ??= NetnsHandle.open(this.#native);
    return this.#host;
  }

  get(path: string): NetnsHandle {
    let handle = this.#handles.get(path);
    if (handle === undefined) {
      handle = NetnsHandle.open(this.#native, path);
      this.#handles.set(path, handle);
    }
    return handle;
  }

  /** Closes the cached handle of `path` (call before deleting that namespace). */
  release(path: string): void {
    this.#handles.get(path)?.close();
    this.#handles.delete(path);
  }

  get size(): number {
    return this.#handles.size + (this.#host === undefined ? 0 : 1);
  }

  closeAll(): void {
    for (const handle of this.#handles.values()) handle.close();
    this.#handles.clear();
    this.#host?.close();
    this.#host = undefined;
  }
}
