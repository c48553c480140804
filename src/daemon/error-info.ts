// How the daemon writes an error down (log lines, the start-up restore report): its message, code and the
// object concerned, read from the error and its causes. JSON makes `{}` of an Error, which says nothing.

export interface ErrorInfo {
  readonly message: string;
  /** The error's stable code (`ERR_…`) or system code (`ENOTDIR`), the outermost one found. */
  readonly code?: string;
  /** The system code underneath (`EMFILE`) when the outer code is our own. */
  readonly errno?: string;
  /** What the error is about: `sandbox ID`, a file path, a netlink operation. */
  readonly object?: string;
  /** The step that failed, when a wrapper named it (`rewrite files of sandbox ID`). */
  readonly step?: string;
  /** The errors an AggregateError gathered (an undo that failed too). */
  readonly errors?: readonly ErrorInfo[];
}

const MAX_DEPTH = 8;
const SYSTEM_CODE = /^E[A-Z0-9]+$/;
const OBJECT_IN_STEP = /\b(sandbox|network|endpoint)\b.*?\s(\S+)$/;

function prop(err: unknown, key: string): unknown {
  return err !== null && typeof err === "object" ? (err as Record<string, unknown>)[key] : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The error and its causes, outermost first. */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && out.length < MAX_DEPTH; e = prop(e, "cause")) out.push(e);
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A wrapper made as `new Error(`${step}: ${String(cause)}`, { cause })` (the controller's restore does
 * this) names the step; the cause carries the rest.
 */
function stepOf(err: unknown): string | undefined {
  const cause = prop(err, "cause");
  if (cause === undefined || !(err instanceof Error)) return undefined;
  const suffix = `: ${String(cause)}`;
  return err.message.endsWith(suffix) && err.message.length > suffix.length ? err.message.slice(0, -suffix.length) : undefined;
}

function objectOf(errs: readonly unknown[], step: string | undefined): string | undefined {
  const m = step === undefined ? null : OBJECT_IN_STEP.exec(step);
  if (m !== null) return `${m[1] as string} ${m[2] as string}`;
  for (const e of errs) {
    const o = str(prop(e, "path")) ?? str(prop(e, "operation"));
    if (o !== undefined) return o;
  }
  return undefined;
}

/** Message, codes and object of any thrown value. */
export function errorInfo(err: unknown, depth = 0): ErrorInfo {
  const step = stepOf(err);
  const inner = step === undefined ? err : prop(err, "cause");
  const errs = chain(inner);
  const codes = errs.map((e) => str(prop(e, "code"))).filter((c): c is string => c !== undefined);
  const code = codes[0];
  const errno = codes.find((c) => SYSTEM_CODE.test(c) && c !== code);
  const object = objectOf(errs, step);
  const parts = prop(err, "errors");
  const nested = Array.isArray(parts) && depth < 2 ? parts.slice(0, 10).map((p) => errorInfo(p, depth + 1)) : [];
  return {
    message: messageOf(inner),
    ...(code === undefined ? {} : { code }), ...(errno === undefined ? {} : { errno }),
    ...(object === undefined ? {} : { object }), ...(step === undefined ? {} : { step }),
    ...(nested.length === 0 ? {} : { errors: nested }),
  };
}

/** Log fields of an error: `error` (the message), `code`, `errno`, `object`, `step`. */
export function errorFields(err: unknown): Record<string, string | undefined> {
  const i = errorInfo(err);
  return { error: i.message.slice(0, 1000), code: i.code, errno: i.errno, object: i.object, step: i.step };
}
