// `dnet events [--filter KEY=VALUE]... [--format FORMAT]`: follows the daemon's event stream (GET /events,
// NDJSON) until SIGINT/SIGTERM, one line per event as `docker events` prints them, filtered like it:
// values of one key are alternatives, different keys must all match.

import type { EventDto } from "../api/dto.js";
import { UsageError, str, strs, type Command } from "./common.js";
import { parseFormat } from "./format.js";
import type { Template } from "./template/template.js";
import type { Value } from "./template/values.js";

const FILTER_KEYS = ["type", "event", "network", "sandbox", "container"] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
export type EventFilters = Partial<Record<FilterKey, string[]>>;

export function parseEventFilters(specs: readonly string[]): EventFilters {
  const filters: EventFilters = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const key = spec.slice(0, eq) as FilterKey;
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value): ${spec}`);
    if (!FILTER_KEYS.includes(key)) throw new UsageError(`invalid filter '${key}': use ${FILTER_KEYS.join(", ")}`);
    (filters[key] ??= []).push(spec.slice(eq + 1));
  }
  return filters;
}

/** The names and IDs an event is about, per kind of object. */
function subjects(e: EventDto): { network: string[]; sandbox: string[] } {
  const a = e.Actor.Attributes;
  const own = [e.Actor.ID, a["name"] ?? ""];
  if (e.Type === "network") return { network: own, sandbox: [a["container"] ?? "", a["sandbox"] ?? ""] };
  if (e.Type === "sandbox") return { network: [], sandbox: own };
  return { network: [], sandbox: [] };
}

export function eventMatches(e: EventDto, f: EventFilters): boolean {
  const s = subjects(e);
  const any = (values: string[] | undefined, have: readonly string[]): boolean =>
    values === undefined || values.some((v) => v !== "" && have.some((h) => h === v || (v.length >= 3 && h.startsWith(v) && /^[0-9a-f]+$/.test(v))));
  return any(f.type, [e.Type]) && any(f.event, [e.Action]) && any(f.network, s.network) &&
    any(f.sandbox, s.sandbox) && any(f.container, s.sandbox);
}

/** `2026-01-02T03:04:05.123456789Z network create ID (name=n1, type=bridge)`. */
export function eventLine(e: EventDto): string {
  // timeNano arrives as a double (JSON), exact only to 256 ns at this size: BigInt(double) printed
  // …843000064; its shortest decimal form is the integer the daemon sent.
  const ns = BigInt(String(e.timeNano));
  const iso = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  const frac = String(ns % 1_000_000_000n).padStart(9, "0");
  const attrs = Object.keys(e.Actor.Attributes).sort().map((k) => `${k}=${e.Actor.Attributes[k] ?? ""}`);
  return `${iso}.${frac}Z ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length === 0 ? "" : ` (${attrs.join(", ")})`}`;
}

export const events: Command = async (p, ctx) => {
  const filters = parseEventFilters(strs(p, "filter"));
  const format = str(p, "format");
  const tmpl: Template | undefined = format === undefined ? undefined : parseFormat(format === "json" ? "{{json .}}" : format);
  const stop = new AbortController();
  let failed: unknown;
  const onSignal = (): void => { stop.abort(); };
  // Fails here with the client's clear "cannot connect" error rather than in the middle of the stream.
  await ctx.client().ping();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await ctx.client().events((e) => {
      if (failed !== undefined || !eventMatches(e, filters)) return;
      try {
        ctx.out(tmpl === undefined ? eventLine(e) : tmpl.execute(e as unknown as Value));
      } catch (err) {
        failed = err;
        stop.abort();
      }
    }, stop.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (failed !== undefined) throw failed;
  if (!stop.signal.aborted) throw new Error("the daemon closed the event stream");
  return 0;
};
