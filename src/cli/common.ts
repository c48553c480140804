// What every `dnet` subcommand shares: flag parsing with usage errors (exit 2), the client for
// `-H`/`DNET_HOST`, table and JSON output.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { DnetClient } from "../api/client.js";

/** A mistake in the command line itself: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface CliContext {
  /** The `-H` value, else DNET_HOST, else the default socket. */
  readonly host: string | undefined;
  client(): DnetClient;
  out(text: string): void;
}

export type Command = (args: readonly string[], ctx: CliContext) => Promise<number>;

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;
  readonly positionals: readonly string[];
}

/** util.parseArgs, with every parse failure turned into a UsageError. */
export function parse(args: readonly string[], options: Options, usage: string): Parsed {
  try {
    const r = parseArgs({ args: [...args], options: { help: { type: "boolean", short: "h" }, ...options }, allowPositionals: true, strict: true });
    if (r.values["help"] === true) throw new UsageError(`usage: ${usage}`);
    return { values: r.values, positionals: r.positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${(err as Error).message.split("\n")[0] ?? "invalid arguments"} (usage: ${usage})`);
  }
}

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

export function needPositionals(p: Parsed, min: number, max: number, usage: string): void {
  if (p.positionals.length < min) throw new UsageError(`"${usage.split(" [")[0]?.split(" ").slice(0, 3).join(" ")}" requires ${min === max ? "exactly" : "at least"} ${min} argument${min === 1 ? "" : "s"} (usage: ${usage})`);
  if (p.positionals.length > max) throw new UsageError(`too many arguments (usage: ${usage})`);
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

/** Columns padded like docker's tabwriter (three spaces between columns). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join("").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

export function formatOption(p: Parsed): "table" | "json" {
  const f = str(p, "format") ?? "table";
  if (f !== "table" && f !== "json") throw new UsageError(`unknown --format ${JSON.stringify(f)}: use table or json`);
  return f;
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
