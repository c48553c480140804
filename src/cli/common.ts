// What every `dnet` subcommand shares: the context it runs in (client for `-H`/`DNET_HOST`, output),
// usage errors (exit 2), reading parsed flags, table and JSON output.

import type { Parsed } from "./command-def.js";
import { tabwriter } from "./tabwriter.js";

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

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * The docker CLI's list order (sortorder.NaturalLess): code units compared as they are, except that runs of
 * digits compare as numbers ("n9" < "n10", "B" < "a"), digits before anything else. Also spares a list
 * command String.localeCompare, whose first call loads ICU's collator (~10 ms of the process's start).
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) !== isDigit(cb)) return isDigit(ca) ? -1 : 1;
    if (!isDigit(ca)) {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
      continue;
    }
    const zerosA = i;
    const zerosB = j;
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const na = a.slice(startA, i);
    const nb = b.slice(startB, j);
    if (na.length !== nb.length) return na.length - nb.length;
    if (na !== nb) return na < nb ? -1 : 1;
    // Equal numbers: fewer leading zeros first.
    if (startA - zerosA !== startB - zerosB) return (startA - zerosA) - (startB - zerosB);
  }
  return (a.length - i) - (b.length - j);
}
