// Commands over several NAME|ID operands (inspect, rm): each one is tried, what worked is printed, and
// every failure is reported on one line (exit 1) instead of stopping at the first.

import { isLibnetworkError } from "../errors/index.js";
import { json, type CliContext } from "./common.js";
import { formatInspect } from "./format.js";
import type { GoType } from "./template/values.js";

/** Failures of a command that went on after them: main prints them on one line, exit 1. */
export function failures(messages: readonly string[]): Error {
  return new Error(messages.join("; "));
}

/** Runs `fn` on every reference; collects the failures (an unreachable daemon stops at once). */
export async function forEachRef(refs: readonly string[], fn: (ref: string) => Promise<void>): Promise<void> {
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      await fn(ref);
    } catch (err) {
      if (isLibnetworkError(err) && err.kind === "unavailable") throw err;
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length > 0) throw failures(errors);
}

export async function inspectEach<T>(refs: readonly string[], get: (ref: string) => Promise<T>, format: string | undefined, ctx: CliContext, type?: GoType): Promise<number> {
  const found: T[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await get(ref));
    } catch (err) {
      if (!isLibnetworkError(err) || err.kind !== "not-found") throw err;
      errors.push(err.message);
    }
  }
  if (format === undefined || format === "") ctx.out(json(found));
  else {
    const r = formatInspect(format, found, type);
    // Like docker: nothing printed is still one empty line.
    ctx.write(r.text === "" ? "\n" : format === "json" ? `${r.text}\n` : r.text);
    errors.push(...r.errors);
  }
  if (errors.length > 0) throw failures(errors);
  return 0;
}
