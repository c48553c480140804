// Helpers for root integration tests: skip reasons, unique scratch names, and independent oracles (`ip -j`).

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { NetfilterOpener } from "../firewall/nfnl-writer.js";
import type { NftMonitorOpener } from "../firewall/nft-watch.js";
import { loadNative } from "../native/index.js";
import { NETLINK_NETFILTER } from "../netlink/index.js";
import { HandleCache } from "../osl/index.js";

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Pass as test options: `test("x", rootOnly, async () => …)`; prints why it skipped. */
export const rootOnly: { skip: string | false } = {
  skip: isRoot ? false : "needs root (creates network namespaces and links)",
};

/** A short unique name for scratch objects, e.g. "tnl3f9a2c" (fits IFNAMSIZ with a 4-char suffix). */
export function uniqueName(prefix = "t"): string {
  return `${prefix}${randomBytes(3).toString("hex")}`;
}

/** Runs a command synchronously and returns stdout; throws with stderr on failure. */
export function run(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs a command and returns undefined instead of throwing (for cleanup). */
export function tryRun(cmd: string, args: readonly string[]): string | undefined {
  try { return run(cmd, args); } catch { return undefined; }
}

/** `ip -j [-n NS] ARGS` parsed, the independent oracle for kernel state. */
export function ipJson<T = unknown>(args: readonly string[], netns?: string): T {
  const nsArgs = netns === undefined ? [] : ["-n", netns];
  const out = run("ip", ["-j", ...nsArgs, ...args]);
  return (out.trim() === "" ? [] : JSON.parse(out)) as T;
}

/** Kernel handles on the compiled addon, for tests of layers that may not load it themselves (drivers). */
export function openHandleCache(): HandleCache {
  return new HandleCache(loadNative());
}

/**
 * For a firewall under test in the netns `name` (under /run/netns, which must exist): `open` is its
 * `openNetfilter`, as the composition root gives it. `close` after the suite releases the netns handle.
 */
export function netfilterIn(name: string): { readonly open: NetfilterOpener; readonly monitor: NftMonitorOpener; close(): void } {
  const handles = openHandleCache();
  try {
    const handle = handles.get(`/run/netns/${name}`);
    return {
      open: (o) => handle.openSocket(NETLINK_NETFILTER, o), monitor: (o) => handle.openMonitor(NETLINK_NETFILTER, o),
      close: () => handles.closeAll(),
    };
  } catch (err) {
    handles.closeAll();
    throw err;
  }
}
