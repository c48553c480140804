// What every `dnet` subcommand shares: the context it runs in (client for `-H`/`DNET_HOST`, output),
// usage errors (exit 2), reading parsed flags, table and JSON output.

import type { Parsed } from "./command-def.js";
import { tabwriter } from "./tabwriter.js";

export { naturalCompare } from "../api/natural-order.js";

/** A mistake in the command line itself: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type { CliContext, Command, Parsed } from "./command-def.js";

export function str(p: Parsed, key: string): string | undefined {
  const v = p.values[key];
  return typeof v === "string" ? v : undefined;
}

export function strs(p: Parsed, key: string): string[] {
  const v = p.values[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
}

export function flag(p: Parsed, key: string): boolean {
  return p.values[key] === true;
}

/** KEY=VALUE pairs (`-o`, `--label`, `--aux-address`) into a map. */
export function keyValues(items: readonly string[], what: string, allowBare = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0 && !(allowBare && eq < 0 && item !== "")) throw new UsageError(`invalid ${what} ${JSON.stringify(item)}: expected KEY=VALUE`);
    if (eq < 0) out[item] = "";
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Columns aligned like the docker CLI's tables (its tabwriter: cells at least 10 wide, 3 spaces apart). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return tabwriter([header, ...rows].map((r) => r.join("\t")).join("\n"));
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

export const shortId = (id: string): string => id.slice(0, 12);
