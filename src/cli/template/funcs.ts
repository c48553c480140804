// The functions a template can call: Go's built-ins (and, or, not, len, index, slice, eq…, print, printf,
// println) and the docker CLI's (json, join, split, lower, upper, title, pad, truncate).

import { goPrintf } from "./printf.js";
import { NO_VALUE, Typed, goJson, goPrint, isPlainObject, lift, truthy, typeName, type Value } from "./values.js";

export type TemplateFunction = (args: readonly Value[]) => Value;

function need(args: readonly Value[], n: number, name: string): void {
  if (args.length !== n) throw new Error(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

function str(v: Value): string {
  if (typeof v !== "string") throw new Error(`wrong type for value; expected string; got ${typeName(v)}`);
  return v;
}

function int(v: Value): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`wrong type for value; expected int; got ${typeName(v)}`);
  return v;
}

/** Elements of a slice value (raw JSON array or typed slice). */
function elements(v: Value): Value[] | undefined {
  if (Array.isArray(v)) return [...(v as readonly Value[])];
  if (v instanceof Typed && v.type.kind === "slice") {
    const elem = v.type.elem;
    return ((v.raw ?? []) as unknown[]).map((x) => lift(elem, x));
  }
  return undefined;
}

function length(v: Value): number {
  if (typeof v === "string") return Buffer.byteLength(v);
  const els = elements(v);
  if (els !== undefined) return els.length;
  if (v instanceof Typed && v.type.kind === "map") return Object.keys((v.raw ?? {}) as object).length;
  if (isPlainObject(v)) return Object.keys(v).length;
  throw new Error(`len of type ${typeName(v)}`);
}

function indexOne(item: Value, key: Value): Value {
  if (item === NO_VALUE || item === null) throw new Error("index of untyped nil");
  const els = elements(item);
  if (els !== undefined || typeof item === "string") {
    const i = int(key);
    const n = els === undefined ? Buffer.byteLength(item as string) : els.length;
    if (i < 0 || i >= n) throw new Error(`index out of range: ${i}`);
    return els === undefined ? (Buffer.from(item as string)[i] as number) : (els[i] as Value);
  }
  if (item instanceof Typed && item.type.kind === "map") {
    const raw = (item.raw ?? {}) as Record<string, unknown>;
    return lift(item.type.elem, raw[str(key)]);
  }
  if (isPlainObject(item)) return Object.hasOwn(item, str(key)) ? (item[str(key)] as Value) : null;
  throw new Error(`can't index item of type ${typeName(item)}`);
}

function basic(v: Value): string | number | boolean {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (v === null || v === NO_VALUE) throw new Error("invalid type for comparison");
  throw new Error(`non-comparable type ${goPrint(v)}: ${typeName(v)}`);
}

function compare(a: Value, b: Value): number {
  const x = basic(a);
  const y = basic(b);
  if (typeof x !== typeof y || typeof x === "boolean") throw new Error("incompatible types for comparison");
  return x < y ? -1 : x > y ? 1 : 0;
}

/** fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: readonly Value[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += goPrint(a);
  });
  return out;
}

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

const compareFn = (name: string, ok: (c: number) => boolean): TemplateFunction => (args) => { need(args, 2, name); return ok(compare(args[0] as Value, args[1] as Value)); };

export const FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  and: (args) => args.find((a) => !truthy(a)) ?? (args.at(-1) as Value),
  or: (args) => args.find((a) => truthy(a)) ?? (args.at(-1) as Value),
  not: (args) => { need(args, 1, "not"); return !truthy(args[0] as Value); },
  len: (args) => { need(args, 1, "len"); return length(args[0] as Value); },
  index: (args) => args.slice(1).reduce<Value>((item, key) => indexOne(item, key), args[0] as Value),
  slice: (args) => {
    const [item, from, to] = args;
    const els = elements(item as Value);
    const start = from === undefined ? 0 : int(from);
    if (typeof item === "string") return item.slice(start, to === undefined ? undefined : int(to));
    if (els === undefined) throw new Error(`can't slice item of type ${typeName(item as Value)}`);
    return els.slice(start, to === undefined ? undefined : int(to));
  },
  eq: (args) => {
    if (args.length < 2) throw new Error("missing argument for comparison");
    const first = basic(args[0] as Value);
    return args.slice(1).some((b) => basic(b) === first);
  },
  ne: (args) => { need(args, 2, "ne"); return basic(args[0] as Value) !== basic(args[1] as Value); },
  lt: compareFn("lt", (c) => c < 0),
  le: compareFn("le", (c) => c <= 0),
  gt: compareFn("gt", (c) => c > 0),
  ge: compareFn("ge", (c) => c >= 0),
  print: (args) => sprint(args),
  println: (args) => `${args.map((a) => goPrint(a)).join(" ")}\n`,
  printf: (args) => goPrintf(str(args[0] ?? ""), args.slice(1)),
  html: (args) => sprint(args).replace(/[<>&'"\0]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;", "\0": "\uFFFD" })[c] as string),
  urlquery: (args) => encodeURIComponent(sprint(args)).replace(/%20/g, "+"),
  // The docker CLI's additions (templates.basicFunctions).
  json: (args) => { need(args, 1, "json"); return goJson(args[0] as Value); },
  split: (args) => { need(args, 2, "split"); const s = str(args[0] as Value); const sep = str(args[1] as Value); return sep === "" ? [...s] : s.split(sep); },
  join: (args) => {
    need(args, 2, "join");
    const els = elements(args[0] as Value);
    if (els === undefined) throw new Error(`wrong type for value; expected []string; got ${typeName(args[0] as Value)}`);
    return els.map(str).join(str(args[1] as Value));
  },
  title: (args) => { need(args, 1, "title"); return title(str(args[0] as Value)); },
  lower: (args) => { need(args, 1, "lower"); return str(args[0] as Value).toLowerCase(); },
  upper: (args) => { need(args, 1, "upper"); return str(args[0] as Value).toUpperCase(); },
  pad: (args) => {
    need(args, 3, "pad");
    const s = str(args[0] as Value);
    return s === "" ? s : `${" ".repeat(int(args[1] as Value))}${s}${" ".repeat(int(args[2] as Value))}`;
  },
  truncate: (args) => {
    need(args, 2, "truncate");
    const s = str(args[0] as Value);
    const n = int(args[1] as Value);
    return s.length < n ? s : s.slice(0, n);
  },
};

/** docker's HeaderFunctions: in a table's header row these leave the column title as it is. */
export const HEADER_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = Object.fromEntries(
  ["json", "split", "join", "title", "lower", "upper", "truncate"].map((name) => [name, (args: readonly Value[]): Value => args[0] ?? ""]),
);
