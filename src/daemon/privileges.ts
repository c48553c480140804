// What the daemon needs from the kernel before it starts: without CAP_NET_ADMIN (links, routes, nftables)
// and CAP_SYS_ADMIN (creating and entering network namespaces) every operation would fail, so it says so
// in one sentence and stops, instead of starting and failing every second.

import { readFileSync } from "node:fs";
import { forbidden, type LibnetworkError } from "../errors/index.js";

const NEEDED: ReadonlyArray<readonly [name: string, bit: bigint]> = [["CAP_NET_ADMIN", 12n], ["CAP_SYS_ADMIN", 21n]];

/** The needed capabilities missing from a `/proc/PID/status` text's effective set. */
export function missingCapabilities(status: string): string[] {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const eff = hex === undefined ? 0n : BigInt(`0x${hex}`);
  return NEEDED.filter(([, bit]) => ((eff >> bit) & 1n) === 0n).map(([name]) => name);
}

/** The start-up refusal, or undefined when this process has what it needs. */
export function privilegeError(status = readFileSync("/proc/self/status", "utf8")): LibnetworkError | undefined {
  const missing = missingCapabilities(status);
  if (missing.length === 0) return undefined;
  return forbidden("ERR_NOT_PRIVILEGED",
    `dnet daemon must run as root: it lacks ${missing.join(" and ")}, which it needs to create network namespaces and program links, routes and nftables (start it with sudo or as a root service)`);
}
