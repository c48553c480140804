// The generic netlink interpreter: encodes plain objects to attributes (and back) as a schema table describes.

import { invalidArgument } from "../errors/index.js";
import { nlAlign, NLA_F_NESTED } from "./constants.js";
import type {
  AttrSpec, AttrsOf, ByKindSpec, MessageOf, MessageSpec, Schema, StructOf, StructSpec, ValueSpec,
} from "./schema-types.js";
import { INT_CODECS, SCALAR_CODECS, UNTERMINATED_STRING } from "./scalars.js";
import { iterateAttrs, malformed, NlWriter, type RawAttr } from "./tlv.js";

export type * from "./schema-types.js";

export interface EncodeOptions {
  /**
   * Set NLA_F_NESTED on nests (default true). The kernel accepts both; newer strictly validated attributes
   * require it. iproute2 leaves it off, so tests comparing with its bytes pass false.
   */
  readonly nestedFlag?: boolean;
}

type Obj = Readonly<Record<string, unknown>>;

interface Ctx {
  readonly nestFlags: number;
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function expectObj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw invalidArgument("ERR_NETLINK_ATTR_VALUE", `${path}: expected an object`);
  return v;
}

/** Schema lookup for a kernel-supplied string (kind names): own keys only, never the prototype. */
function byKindSchema(spec: ByKindSpec, selector: unknown): Schema | undefined {
  return typeof selector === "string" && Object.hasOwn(spec.table, selector) ? spec.table[selector] : undefined;
}

// ---- schema lookups ------------------------------------------------------------------------------------

// A link message's schema has ~70 entries: a linear search per attribute was most of an encode's time.
const byName = new WeakMap<Schema, ReadonlyMap<string, AttrSpec>>();
const byType = new WeakMap<Schema, ReadonlyMap<number, AttrSpec>>();
const fieldNames = new WeakMap<StructSpec, ReadonlySet<string>>();

function specNamed(schema: Schema, name: string): AttrSpec | undefined {
  let index = byName.get(schema);
  if (index === undefined) {
    index = new Map(schema.map((s) => [s.name, s]));
    byName.set(schema, index);
  }
  return index.get(name);
}

function specOfType(schema: Schema, type: number): AttrSpec | undefined {
  let index = byType.get(schema);
  if (index === undefined) {
    // The first entry of a type wins, as a search from the start would find it.
    const m = new Map<number, AttrSpec>();
    for (const s of schema) if (!m.has(s.type)) m.set(s.type, s);
    index = m;
    byType.set(schema, index);
  }
  return index.get(type);
}

// ---- structs -------------------------------------------------------------------------------------------

function putStruct(spec: StructSpec, obj: Obj, out: Buffer, at: number, path: string): void {
  let names = fieldNames.get(spec);
  if (names === undefined) {
    names = new Set(spec.fields.map((f) => f.name));
    fieldNames.set(spec, names);
  }
  for (const key of Object.keys(obj)) {
    if (obj[key] !== undefined && !names.has(key)) {
      throw invalidArgument("ERR_NETLINK_ATTR_NAME", `${path}: no field named ${JSON.stringify(key)}`);
    }
  }
  for (const f of spec.fields) {
    const v = obj[f.name];
    if (v !== undefined) INT_CODECS[f.kind].put(out, at + f.offset, v, `${path}.${f.name}`);
  }
}

/** A struct written in place: its bytes (zeros where a field is left out) go straight into the writer. */
function writeStruct(w: NlWriter, spec: StructSpec, value: unknown, path: string): void {
  const obj = value === undefined ? {} : expectObj(value, path);
  w.fill(spec.size, (buf, at) => putStruct(spec, obj, buf, at, path));
}

/** Decodes a struct from the start of `data`; longer data is fine (kernels append fields to structs). */
export function decodeStruct<T extends StructSpec>(spec: T, data: Buffer, path = "struct"): StructOf<T> {
  if (data.length < spec.size) throw malformed(`${path}: ${data.length} bytes, the struct needs ${spec.size}`);
  const out: Record<string, number | bigint> = {};
  for (const f of spec.fields) out[f.name] = INT_CODECS[f.kind].get(data, f.offset);
  return out as StructOf<T>;
}

// ---- encoding ------------------------------------------------------------------------------------------

function writeMessage(w: NlWriter, spec: MessageSpec, value: unknown, ctx: Ctx, path: string): void {
  const obj = expectObj(value, path);
  for (const key of Object.keys(obj)) {
    if (key !== spec.name && key !== "attrs" && obj[key] !== undefined) {
      throw invalidArgument("ERR_NETLINK_ATTR_NAME", `${path}: expected only "${spec.name}" and "attrs", got ${JSON.stringify(key)}`);
    }
  }
  writeStruct(w, spec.header, obj[spec.name], `${path}.${spec.name}`);
  w.align();
  writeAttrs(w, spec.attrs, obj["attrs"] ?? {}, ctx, `${path}.attrs`);
}

/** Writes one whole attribute of type `type` holding `value` as `spec` says. */
function writeValue(w: NlWriter, spec: ValueSpec, type: number, value: unknown, ctx: Ctx, path: string): void {
  switch (spec.kind) {
    case "nested": {
      const t = w.beginNest(type, ctx.nestFlags);
      writeAttrs(w, spec.schema, value, ctx, path);
      w.endNest(t);
      return;
    }
    case "array": {
      if (!Array.isArray(value)) throw invalidArgument("ERR_NETLINK_ATTR_VALUE", `${path}: expected an array`);
      const t = w.beginNest(type, ctx.nestFlags);
      value.forEach((item, i) => writeValue(w, spec.item, spec.itemType ?? i + 1, item, ctx, `${path}[${i}]`));
      w.endNest(t);
      return;
    }
    case "struct": {
      const t = w.beginNest(type, 0);
      writeStruct(w, spec.struct, value, path);
      w.endNest(t);
      return;
    }
    case "message": {
      // Not a pure nest (it starts with a struct), so iproute2 and the kernel never flag it NLA_F_NESTED.
      const t = w.beginNest(type, 0);
      writeMessage(w, spec.message, value, ctx, path);
      w.endNest(t);
      return;
    }
    case "u8": case "u16": case "u32": case "s32": case "be16": case "be32": case "u64": {
      const codec = INT_CODECS[spec.kind];
      const t = w.beginNest(type, 0);
      w.fill(codec.size, (buf, at) => codec.put(buf, at, value, path));
      w.endNest(t);
      return;
    }
    default: {
      const codec = spec.kind === "string" && spec.nul === false ? UNTERMINATED_STRING : SCALAR_CODECS[spec.kind];
      const payload = codec.encode(value, path);
      if (payload !== undefined) w.attr(type, payload);
    }
  }
}

function writeByKind(w: NlWriter, spec: ByKindSpec & AttrSpec, value: unknown, obj: Obj, ctx: Ctx, path: string): void {
  const schema = byKindSchema(spec, obj[spec.selector]);
  if (schema === undefined) {
    throw invalidArgument("ERR_NETLINK_ATTR_VALUE",
      `${path}: no ${spec.name} schema for ${spec.selector} ${JSON.stringify(obj[spec.selector])}`);
  }
  const t = w.beginNest(spec.type, ctx.nestFlags);
  writeAttrs(w, schema, value, ctx, path);
  w.endNest(t);
}

/** Writes back attributes a decode did not understand (RawAttr[]), as they were. */
function writeRaw(w: NlWriter, value: unknown, path: string): void {
  const ok = (a: unknown): a is RawAttr => isObj(a) && typeof a["type"] === "number" && typeof a["flags"] === "number" &&
    a["data"] instanceof Uint8Array;
  if (!Array.isArray(value) || !value.every(ok)) throw invalidArgument("ERR_NETLINK_ATTR_VALUE", `${path}: expected RawAttr[]`);
  for (const raw of value) w.attr((raw.type | raw.flags) & 0xffff, raw.data);
}

/** Writes the attributes of `value` in its key order (so callers control the order on the wire). */
function writeAttrs(w: NlWriter, schema: Schema, value: unknown, ctx: Ctx, path: string): void {
  const obj = expectObj(value, path);
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) continue;
    if (key === "unknown") {
      writeRaw(w, v, `${path}.unknown`);
      continue;
    }
    const spec = specNamed(schema, key);
    if (spec === undefined) throw invalidArgument("ERR_NETLINK_ATTR_NAME", `${path}: no attribute named ${JSON.stringify(key)}`);
    if (spec.kind === "by-kind") writeByKind(w, spec, v, obj, ctx, `${path}.${key}`);
    else writeValue(w, spec, spec.type, v, ctx, `${path}.${key}`);
  }
}

function ctxOf(options: EncodeOptions): Ctx {
  return { nestFlags: options.nestedFlag === false ? 0 : NLA_F_NESTED };
}

/** Attributes only (the payload of a nest, or what follows a family header). */
export function encodeAttrs<S extends Schema>(schema: S, value: AttrsOf<S, "in">, options: EncodeOptions = {}): Buffer {
  const w = new NlWriter();
  writeAttrs(w, schema, value, ctxOf(options), "attrs");
  return w.finish();
}

/** A family header followed by attributes: the payload that message.ts's encodeMessage wraps. */
export function encodeMessageBody<S extends MessageSpec>(spec: S, value: MessageOf<S, "in">, options: EncodeOptions = {}): Buffer {
  const w = new NlWriter();
  writeMessage(w, spec, value, ctxOf(options), "msg");
  return w.finish();
}

// ---- decoding ------------------------------------------------------------------------------------------

function copy(a: RawAttr): RawAttr {
  return { type: a.type, flags: a.flags, data: Buffer.from(a.data) };
}

function decodeValue(spec: ValueSpec, data: Buffer, path: string): unknown {
  switch (spec.kind) {
    case "nested": return decodeLevel(spec.schema, data, path);
    case "struct": return decodeStruct(spec.struct, data, path);
    case "message": return decodeMessageAt(spec.message, data, path);
    case "array": {
      const out: unknown[] = [];
      for (const child of iterateAttrs(data)) {
        if (spec.itemType !== undefined && child.type !== spec.itemType) continue;
        const item = decodeValue(spec.item, child.data, `${path}[${out.length}]`);
        if (item !== undefined) out.push(item);
      }
      return out;
    }
    default: return SCALAR_CODECS[spec.kind].decode(data, path);
  }
}

function decodeLevel(schema: Schema, data: Buffer, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const unknown: RawAttr[] = [];
  const deferred: [ByKindSpec & AttrSpec, RawAttr][] = [];
  for (const a of iterateAttrs(data)) {
    const spec = specOfType(schema, a.type);
    if (spec === undefined) unknown.push(copy(a));
    // Its schema depends on a sibling that may come later on the wire.
    else if (spec.kind === "by-kind") deferred.push([spec, a]);
    else {
      const value = decodeValue(spec, a.data, `${path}.${spec.name}`);
      if (value !== undefined) out[spec.name] = value;
    }
  }
  for (const [spec, a] of deferred) {
    const sub = byKindSchema(spec, out[spec.selector]);
    if (sub === undefined) unknown.push(copy(a));
    else out[spec.name] = decodeLevel(sub, a.data, `${path}.${spec.name}`);
  }
  if (unknown.length > 0) out["unknown"] = unknown;
  return out;
}

function decodeMessageAt(spec: MessageSpec, data: Buffer, path: string): Record<string, unknown> {
  const header = decodeStruct(spec.header, data, `${path}.${spec.name}`);
  const attrs = decodeLevel(spec.attrs, data.subarray(Math.min(data.length, nlAlign(spec.header.size))), `${path}.attrs`);
  return { [spec.name]: header, attrs };
}

/**
 * Decodes attributes. Unknown attribute types (and by-kind data of unknown kinds) land in `unknown`, raw;
 * bytes that cannot be what the schema says throw ERR_NETLINK_MALFORMED. Nothing reads out of bounds.
 */
export function decodeAttrs<S extends Schema>(schema: S, data: Buffer): AttrsOf<S> {
  return decodeLevel(schema, data, "attrs") as AttrsOf<S>;
}

export function decodeMessageBody<S extends MessageSpec>(spec: S, payload: Buffer): MessageOf<S> {
  return decodeMessageAt(spec, payload, "msg") as MessageOf<S>;
}
