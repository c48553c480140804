// Which network namespace a data directory's daemon runs in: written at every start (`<dataDir>/netns`,
// `net:[inode]` as /proc/self/ns/net reads), so `dnet system cleanup` works on that namespace's bridges and
// firewall tables, never on those of the namespace it happens to be run from (another dnet's, or the host's).

import { readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const NETNS_RECORD_FILE = "netns";
/** Where `ip netns add` binds named namespaces. */
const NAMED_NETNS_DIR = "/run/netns";

/** This process's network namespace, as `net:[inode]`. */
export function currentNetns(): string {
  return readlinkSync("/proc/self/ns/net");
}

/** Records the namespace this process runs in as the data directory's (the daemon holds its lock). */
export function recordDaemonNetns(dataDir: string): void {
  writeFileSync(join(dataDir, NETNS_RECORD_FILE), `${currentNetns()}\n`, { mode: 0o600 });
}

/** The namespace the data directory's daemon last ran in; undefined when none was recorded. */
export function recordedNetns(dataDir: string): string | undefined {
  try {
    const text = readFileSync(join(dataDir, NETNS_RECORD_FILE), "utf8").trim();
    return /^net:\[\d+\]$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The inode of `net:[inode]`. */
function inodeOf(netns: string): number {
  return Number(/\d+/.exec(netns)?.[0] ?? -1);
}

/**
 * Where the namespace can be entered from (`nsenter --net=PATH`): a file under /run/netns bound to it, else
 * a process running in it; undefined when nothing holds it any more (it is gone).
 */
export function netnsEntryPath(netns: string): string | undefined {
  const inode = inodeOf(netns);
  let names: string[] = [];
  try { names = readdirSync(NAMED_NETNS_DIR); } catch { /* no named namespaces */ }
  for (const name of names) {
    try { if (statSync(join(NAMED_NETNS_DIR, name)).ino === inode) return join(NAMED_NETNS_DIR, name); } catch { /* not a namespace */ }
  }
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try { if (readlinkSync(`/proc/${pid}/ns/net`) === netns) return `/proc/${pid}/ns/net`; } catch { /* gone, or not ours to read */ }
  }
  return undefined;
}
