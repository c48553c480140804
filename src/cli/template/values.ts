// The values a template works on, as Go's text/template sees them: raw JSON (Go's map[string]interface{},
// what docker's inspect fallback uses), typed views of JSON through a Go struct description (what the
// docker CLI decodes the API's answers into, so `{{.IPAM.Config}}` prints `[{10.0.0.0/24  10.0.0.1 map[]}]`),
// and list contexts with methods (`{{.Label "env"}}`). Printing follows fmt's %v, JSON encoding/json's.

/** Go's invalid reflect.Value: a missing map key or a nil interface at the top of a pipeline. */
export const NO_VALUE: unique symbol = Symbol("no value");

export type GoType =
  | { readonly kind: "string" | "bool" | "int" | "time" | "any" }
  | { readonly kind: "map" | "slice"; readonly elem: GoType }
  | { readonly kind: "struct"; readonly name: string; readonly fields: readonly GoField[] };

export interface GoField {
  /** Go's field name (what a template uses). */
  readonly name: string;
  /** The JSON key (what the API sends). */
  readonly json: string;
  readonly type: GoType;
  readonly omitempty?: boolean;
}

/** A JSON value seen through a Go type (a struct, map, slice or time). */
export class Typed {
  constructor(readonly type: GoType, readonly raw: unknown) {}
}

/** A list row as the docker CLI's formatters offer it: string fields and methods with arguments. */
export class RowContext {
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, string>>,
    readonly methods: Readonly<Record<string, (args: readonly Value[]) => Value>> = {},
  ) {}
}

export type Value = string | number | boolean | null | typeof NO_VALUE | Typed | RowContext | readonly Value[] | { readonly [k: string]: Value };

export function isPlainObject(v: unknown): v is { readonly [k: string]: Value } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Typed) && !(v instanceof RowContext);
}

/** The Go value a field of type `t` holds when the JSON says `raw` (absent: Go's zero value). */
export function lift(t: GoType, raw: unknown): Value {
  switch (t.kind) {
    case "string": return typeof raw === "string" ? raw : "";
    case "bool": return raw === true;
    case "int": return typeof raw === "number" ? raw : 0;
    case "any": return raw === undefined ? null : (raw as Value);
    default: return new Typed(t, raw);
  }
}

/** Go's type name, for error messages. */
export function typeName(v: Value): string {
  if (v === null || v === NO_VALUE) return "interface {}";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "boolean") return "bool";
  if (v instanceof RowContext) return v.typeName;
  if (v instanceof Typed) return goTypeName(v.type);
  return Array.isArray(v) ? "[]interface {}" : "map[string]interface {}";
}

function goTypeName(t: GoType): string {
  switch (t.kind) {
    case "struct": return t.name;
    case "map": return `map[string]${goTypeName(t.elem)}`;
    case "slice": return `[]${goTypeName(t.elem)}`;
    case "time": return "time.Time";
    case "any": return "interface {}";
    default: return t.kind;
  }
}

const sortedKeys = (o: object): string[] => Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Go's %v of a float64 (strconv 'g', shortest): exponent form below 1e-4 and from 1e21 on. */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp >= -4 && exp < 21) return String(n);
  const [mant, e] = n.toExponential().split("e");
  const en = Number(e);
  return `${mant}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
}

/** fmt's %v. `top`: the value a pipeline printed, where a nil interface shows as `<no value>`. */
export function goPrint(v: Value, top = false): string {
  if (v === NO_VALUE) return "<no value>";
  if (v === null) return top ? "<no value>" : "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  if (v instanceof RowContext) return `{${sortedKeys(v.fields).map((k) => v.fields[k]).join(" ")}}`;
  if (v instanceof Typed) return printTyped(v);
  if (Array.isArray(v)) return `[${(v as readonly Value[]).map((x) => goPrint(x)).join(" ")}]`;
  const o = v as { readonly [k: string]: Value };
  return `map[${sortedKeys(o).map((k) => `${k}:${goPrint(o[k] as Value)}`).join(" ")}]`;
}

function printTyped(v: Typed): string {
  const t = v.type;
  const raw = v.raw as Record<string, unknown> | unknown[] | null | undefined;
  switch (t.kind) {
    case "struct": return `{${t.fields.map((f) => goPrint(lift(f.type, (raw as Record<string, unknown> | null)?.[f.json]))).join(" ")}}`;
    case "map": {
      const o = (raw ?? {}) as Record<string, unknown>;
      return `map[${sortedKeys(o).map((k) => `${k}:${goPrint(lift(t.elem, o[k]))}`).join(" ")}]`;
    }
    case "slice": return `[${((raw ?? []) as unknown[]).map((x) => goPrint(lift(t.elem, x))).join(" ")}]`;
    case "time": return goTime(typeof raw === "string" ? raw : "").string;
    default: return goPrint(raw as Value);
  }
}

/** A time.Time from RFC 3339 text: how Go's String() and MarshalJSON() print it. */
export function goTime(text: string): { readonly string: string; readonly json: string } {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (m === null) return { string: "0001-01-01 00:00:00 +0000 UTC", json: "0001-01-01T00:00:00Z" };
  const frac = (m[3] ?? "").slice(0, 9).replace(/0+$/, "");
  const dot = frac === "" ? "" : `.${frac}`;
  const zone = m[4] as string;
  const offset = zone === "Z" ? "+0000" : zone.replace(":", "");
  return { string: `${m[1]} ${m[2]}${dot} ${offset} ${zone === "Z" ? "UTC" : offset}`, json: `${m[1]}T${m[2]}${dot}${zone}` };
}

/** encoding/json's string (docker's `json` turns HTML escaping off). */
function jsonString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function htmlSafe(json: string): string {
  return json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function isEmpty(v: Value): boolean {
  if (v === null || v === NO_VALUE || v === "" || v === false || v === 0) return true;
  if (v instanceof Typed) {
    if (v.type.kind === "map") return v.raw === null || v.raw === undefined || Object.keys(v.raw as object).length === 0;
    if (v.type.kind === "slice") return v.raw === null || v.raw === undefined || (v.raw as unknown[]).length === 0;
  }
  return false;
}

/** encoding/json's Marshal: struct fields in declaration order, map keys sorted. */
export function goJson(v: Value): string {
  if (v === null || v === NO_VALUE) return "null";
  if (typeof v === "string") return jsonString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  // docker's list contexts marshal themselves with json.Marshal, which escapes <, > and & (HTML-safe).
  if (v instanceof RowContext) return `{${sortedKeys(v.fields).map((k) => `${jsonString(k)}:${htmlSafe(jsonString(v.fields[k] as string))}`).join(",")}}`;
  if (v instanceof Typed) return typedJson(v);
  if (Array.isArray(v)) return `[${(v as readonly Value[]).map(goJson).join(",")}]`;
  const o = v as { readonly [k: string]: Value };
  return `{${sortedKeys(o).map((k) => `${jsonString(k)}:${goJson(o[k] as Value)}`).join(",")}}`;
}

function typedJson(v: Typed): string {
  const t = v.type;
  const raw = v.raw;
  switch (t.kind) {
    case "struct": {
      const parts: string[] = [];
      for (const f of t.fields) {
        const fv = lift(f.type, (raw as Record<string, unknown> | null | undefined)?.[f.json]);
        if (f.omitempty === true && isEmpty(fv)) continue;
        parts.push(`${jsonString(f.json)}:${goJson(fv)}`);
      }
      return `{${parts.join(",")}}`;
    }
    case "map": {
      if (raw === null || raw === undefined) return "null";
      const o = raw as Record<string, unknown>;
      return `{${sortedKeys(o).map((k) => `${jsonString(k)}:${goJson(lift(t.elem, o[k]))}`).join(",")}}`;
    }
    case "slice":
      return raw === null || raw === undefined ? "null" : `[${(raw as unknown[]).map((x) => goJson(lift(t.elem, x))).join(",")}]`;
    case "time": return jsonString(goTime(typeof raw === "string" ? raw : "").json);
    default: return goJson(raw as Value);
  }
}

/** Go's truth for if/with/and/or/not: false, 0, "", nil and empty collections are false; structs are true. */
export function truthy(v: Value): boolean {
  if (v === NO_VALUE || v === null || v === false || v === 0 || v === "") return false;
  if (v instanceof Typed) {
    if (v.type.kind === "map" || v.type.kind === "slice") return !isEmpty(v);
    return true;
  }
  if (v instanceof RowContext) return true;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}
