// Checking request bodies at the edge: wrong types get 400 with the field's name, before anything changes.

import { invalidArgument } from "../errors/index.js";

type Obj = Readonly<Record<string, unknown>>;

function bad(field: string, want: string): never {
  throw invalidArgument("ERR_INVALID_REQUEST", `json: cannot unmarshal into field ${field}: want ${want}`);
}

export function object(v: unknown, field = "body"): Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v)) bad(field, "object");
  return v as Obj;
}

/** An object, or `{}` for a missing / null value. */
export function optObject(v: unknown, field: string): Obj {
  return v === undefined || v === null ? {} : object(v, field);
}

export function optString(o: Obj, key: string, prefix = ""): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") bad(prefix + key, "string");
  return v;
}

export function reqString(o: Obj, key: string, prefix = ""): string {
  const v = optString(o, key, prefix);
  if (v === undefined || v === "") throw invalidArgument("ERR_INVALID_REQUEST", `${prefix}${key} is required`);
  return v;
}

export function optBool(o: Obj, key: string, prefix = ""): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") bad(prefix + key, "boolean");
  return v;
}

export function optNumber(o: Obj, key: string, prefix = ""): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) bad(prefix + key, "number");
  return v;
}

export function stringMap(o: Obj, key: string, prefix = ""): Record<string, string> {
  const v = o[key];
  if (v === undefined || v === null) return {};
  const m = object(v, prefix + key);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(m)) {
    if (typeof x !== "string") bad(`${prefix}${key}.${k}`, "string");
    out[k] = x;
  }
  return out;
}

export function stringArray(o: Obj, key: string, prefix = ""): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(prefix + key, "array of strings");
  for (const x of v) if (typeof x !== "string") bad(prefix + key, "array of strings");
  return v as string[];
}

export function objectArray(o: Obj, key: string, prefix = ""): Obj[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(prefix + key, "array");
  return v.map((x, i) => object(x, `${prefix}${key}[${i}]`));
}

/** Docker's `filters` query parameter: `{"k":{"v":true}}` or `{"k":["v"]}`. */
export function parseFilters(raw: string | null, allowed: readonly string[]): Record<string, string[]> {
  if (raw === null || raw === "") return {};
  let parsed: unknown;
  try { parsed = JSON.parse(raw); } catch { throw invalidArgument("ERR_INVALID_FILTER", "invalid filter: filters must be JSON"); }
  const o = object(parsed, "filters");
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!allowed.includes(k)) throw invalidArgument("ERR_INVALID_FILTER", `invalid filter '${k}'`);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) out[k] = v as string[];
    else if (v !== null && typeof v === "object" && Object.values(v).every((x) => typeof x === "boolean")) out[k] = Object.keys(v);
    else throw invalidArgument("ERR_INVALID_FILTER", `invalid filter '${k}': values must be a list or a map of strings`);
  }
  return out;
}
