// fmt.Sprintf for templates' `printf`: the verbs people use (%s %v %d %q %t %x %X %f %c %%), with flags,
// width and precision, and Go's markers for mistakes (%!d(string=x), %!s(MISSING), %!(EXTRA …)).

import { goNumber, goPrint, type Value } from "./values.js";

interface Spec {
  readonly minus: boolean;
  readonly plus: boolean;
  readonly zero: boolean;
  readonly space: boolean;
  readonly width: number | undefined;
  readonly prec: number | undefined;
  readonly verb: string;
}

const SPEC = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/y;

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  const len = [...s].length;
  if (len >= w) return s;
  if (spec.minus) return s + " ".repeat(w - len);
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(s) ? s[0] as string : "";
    return sign + "0".repeat(w - len) + s.slice(sign.length);
  }
  return " ".repeat(w - len) + s;
}

function goType(v: Value): string {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  return v === null ? "<nil>" : "interface {}";
}

function bad(spec: Spec, v: Value): string {
  return v === null ? `%!${spec.verb}(<nil>)` : `%!${spec.verb}(${goType(v)}=${goPrint(v)})`;
}

/** Go's strconv.Quote, near enough: JSON's escapes, which Go shares for the common characters. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, "\\x$1");
}

function sign(n: number, spec: Spec, s: string): string {
  if (n >= 0 && spec.plus) return `+${s}`;
  if (n >= 0 && spec.space) return ` ${s}`;
  return s;
}

function formatOne(spec: Spec, v: Value): string {
  switch (spec.verb) {
    case "v": return pad(goPrint(v), spec, false);
    case "s": {
      if (typeof v === "number" || typeof v === "boolean" || v === null) return bad(spec, v);
      const s = goPrint(v);
      return pad(spec.prec === undefined ? s : [...s].slice(0, spec.prec).join(""), spec, false);
    }
    case "q":
      if (typeof v === "string") return pad(quote(v), spec, false);
      if (typeof v === "number" && Number.isInteger(v)) return pad(`'${String.fromCodePoint(v)}'`, spec, false);
      return bad(spec, v);
    case "d":
      if (typeof v !== "number" || !Number.isInteger(v)) return bad(spec, v);
      return pad(sign(v, spec, String(v)), spec, true);
    case "t": return typeof v === "boolean" ? pad(String(v), spec, false) : bad(spec, v);
    case "c": return typeof v === "number" && Number.isInteger(v) ? pad(String.fromCodePoint(v), spec, false) : bad(spec, v);
    case "x": case "X": {
      let s: string;
      if (typeof v === "string") s = Buffer.from(v).toString("hex");
      else if (typeof v === "number" && Number.isInteger(v)) s = (v < 0 ? "-" : "") + Math.abs(v).toString(16);
      else return bad(spec, v);
      return pad(spec.verb === "X" ? s.toUpperCase() : s, spec, true);
    }
    case "f": case "F": case "e": case "g":
      if (typeof v !== "number") return bad(spec, v);
      if (spec.verb === "g") return pad(sign(v, spec, spec.prec === undefined ? goNumber(v) : String(Number(v.toPrecision(spec.prec)))), spec, true);
      if (spec.verb === "e") return pad(sign(v, spec, v.toExponential(spec.prec ?? 6).replace(/e([+-])(\d)$/, "e$10$2")), spec, true);
      return pad(sign(v, spec, v.toFixed(spec.prec ?? 6)), spec, true);
    default: return `%!${spec.verb}(${goType(v)}=${goPrint(v)})`;
  }
}

export function goPrintf(format: string, args: readonly Value[]): string {
  let out = "";
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct < 0) { out += format.slice(i); break; }
    out += format.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(format);
    if (m === null) { out += "%!(NOVERB)"; i = pct + 1; break; }
    i = SPEC.lastIndex;
    const flags = m[1] ?? "";
    const spec: Spec = {
      minus: flags.includes("-"), plus: flags.includes("+"), zero: flags.includes("0"), space: flags.includes(" "),
      width: m[2] === undefined ? undefined : Number(m[2]), prec: m[3] === undefined ? undefined : Number(m[3] === "" ? 0 : m[3]),
      verb: m[4] as string,
    };
    if (spec.verb === "%") { out += "%"; continue; }
    if (argi >= args.length) { out += `%!${spec.verb}(MISSING)`; continue; }
    out += formatOne(spec, args[argi++] as Value);
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${goType(a)}=${goPrint(a)}`).join(", ")})`;
  return out;
}
