// Typed facade over the nsnl addon (native-src/nsnl.c): the only door to syscalls Node lacks.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** An opaque handle returned by `watch`. */
export interface WatchHandle { readonly __watch: unique symbol }

/** Errors thrown by the addon look like Node's system errors. */
export interface NativeError extends Error {
  readonly code: string;
  /** Negative errno, as in Node's own system errors. */
  readonly errno: number;
  readonly syscall: string;
}

export interface NativeAddon {
  /** socket() inside the netns of `nsFd` (-1: the caller's netns); close-on-exec and non-blocking. */
  socketAt(nsFd: number, domain: number, type: number, protocol: number): number;
  setsockoptInt(fd: number, level: number, name: number, value: number): void;
  /** bind() with raw sockaddr bytes. */
  bind(fd: number, sockaddr: Buffer): void;
  /** send() the whole buffer (for netlink: to the kernel). Returns bytes sent. */
  send(fd: number, data: Buffer): number;
  /**
   * send() from a thread-pool thread; `done` gets null or a Node-shaped error. The kernel's work for an
   * rtnetlink request happens inside send, so the calling thread goes on meanwhile.
   */
  sendAsync(fd: number, data: Buffer, done: (err: Error | null) => void): void;
  /** Every datagram queued now, concatenated, or null if none. Never blocks. */
  recv(fd: number): Buffer | null;
  close(fd: number): void;
  /** flock(LOCK_EX | LOCK_NB) on an open file: false when another open file holds the lock. */
  tryLockFile(fd: number): boolean;
  /**
   * Calls `onReadable(status)` from the event loop whenever `fd` is readable. `keepAlive` false (a
   * listener that waits forever, like a link monitor): the watch alone does not keep the process running.
   */
  watch(fd: number, onReadable: (status: number) => void, keepAlive?: boolean): WatchHandle;
  unwatch(handle: WatchHandle): void;
  /** mkdir + make the directory a shared mount (what `ip netns add` does once). */
  netnsPrepareDir(dir: string): void;
  /** Creates a new netns bind-mounted at `path`; the file must not exist. */
  netnsCreate(path: string): void;
  /** Bind-mounts an existing netns (e.g. /proc/<pid>/ns/net) at `path`, which must not exist. */
  netnsAdopt(source: string, path: string): void;
  /** Detaches the bind mount at `path` and removes the file. */
  netnsDelete(path: string): void;
  /**
   * open() inside the netns of `nsFd`; the fd stays bound to that netns (used for /proc/sys/net). With
   * `dirFd`, openat() relative to that directory fd.
   */
  openAt(nsFd: number, path: string, flags: number, dirFd?: number): number;
  /**
   * A bound UDP, or bound and listening TCP, socket inside the netns of `nsFd`, with SO_REUSEADDR; an
   * IPv6 one is IPV6_V6ONLY.
   */
  listenAt(nsFd: number, family: number, type: number, ip: string, port: number): number;
  /** A new UTS namespace with these names, bind-mounted at `path` (which must not exist). */
  utsCreate(path: string, hostname: string, domainname: string): void;
  /** Sets the names of the UTS namespace bound at `path`. */
  utsSetNames(path: string, hostname: string, domainname: string): void;
}

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

/**
 * Loads the addon with node-gyp-build from the package root (three levels above dist/src/native/): a
 * build of native-src/ in build/Release when there is one (a checkout, a package compiled at install),
 * else the prebuild in prebuilds/ that fits this platform. `LIBNETWORK_PREBUILD=DIR` loads from DIR.
 */
export function loadNative(): NativeAddon {
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require("node-gyp-build") as (root: string) => unknown;
  return nodeGypBuild(fileURLToPath(new URL("../../../", import.meta.url))) as NativeAddon;
}

export function isNativeError(err: unknown): err is NativeError {
  return err instanceof Error && typeof (err as Partial<NativeError>).syscall === "string";
}
