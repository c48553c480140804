// Tests for the generic interpreter on a small schema that uses every kind, plus sanity checks of the real tables.

import assert from "node:assert/strict";
import { test } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { parseIp } from "../types/index.js";
import { NLA_F_NESTED } from "./constants.js";
import * as schemas from "./index.js";
import { decodeAttrs, decodeMessageBody, encodeAttrs, encodeMessageBody, type AttrSpec, type AttrsOf, type MessageSpec, type Schema } from "./schema.js";
import { parseAttrs } from "./tlv.js";

const pair = { size: 4, fields: [{ name: "a", offset: 0, kind: "u16" }, { name: "b", offset: 2, kind: "be16" }] } as const;
const child = [
  { name: "n", type: 1, kind: "u32" },
  { name: "s", type: 2, kind: "string" },
] as const satisfies Schema;
const other = [{ name: "x", type: 1, kind: "u8" }] as const satisfies Schema;
const inner = { name: "hdr", header: pair, attrs: child } as const satisfies MessageSpec;
const demo = [
  { name: "u8", type: 1, kind: "u8" },
  { name: "u16", type: 2, kind: "u16" },
  { name: "u32", type: 3, kind: "u32" },
  { name: "u64", type: 4, kind: "u64" },
  { name: "s32", type: 5, kind: "s32" },
  { name: "be16", type: 6, kind: "be16" },
  { name: "be32", type: 7, kind: "be32" },
  { name: "str", type: 8, kind: "string" },
  { name: "bin", type: 9, kind: "binary" },
  { name: "flag", type: 10, kind: "flag" },
  { name: "ip", type: 11, kind: "ip" },
  { name: "mac", type: 12, kind: "mac" },
  { name: "nest", type: 13, kind: "nested", schema: child },
  { name: "pair", type: 14, kind: "struct", struct: pair },
  { name: "msg", type: 15, kind: "message", message: { name: "hdr", header: pair, attrs: child } },
  { name: "list", type: 16, kind: "array", item: { kind: "nested", schema: child } },
  { name: "names", type: 17, kind: "array", itemType: 5, item: { kind: "string" } },
  { name: "kind", type: 18, kind: "string" },
  { name: "data", type: 19, kind: "by-kind", selector: "kind", table: { child, other } },
] as const satisfies Schema;

const sample: AttrsOf<typeof demo, "in"> = {
  u8: 255, u16: 0xbeef, u32: 0xffffffff, u64: (1n << 64n) - 1n, s32: -7, be16: 4789, be32: 0x0a000001,
  str: "vgA", bin: Buffer.from([1, 2, 3]), flag: true, ip: parseIp("fd00::1"), mac: "02:42:ac:11:00:02",
  nest: { n: 1, s: "one" }, pair: { a: 1, b: 2 }, msg: { hdr: { a: 3, b: 4 }, attrs: { n: 5 } },
  list: [{ n: 6 }, { s: "seven" }], names: ["a", "b"], data: { x: 9 }, kind: "other",
};

test("every kind survives encode → decode", () => {
  const decoded = decodeAttrs(demo, encodeAttrs(demo, sample));
  assert.deepEqual(decoded, { ...sample, bin: Buffer.from([1, 2, 3]) });
  // The by-kind data is typed from the selector.
  if (decoded.kind === "other") assert.equal(decoded.data?.x, 9);
});

test("attributes go on the wire in the object's key order; nests are flagged unless asked not to", () => {
  const bytes = encodeAttrs(demo, { nest: { s: "z", n: 2 }, u8: 1 });
  const attrs = parseAttrs(bytes);
  assert.deepEqual(attrs.map((a) => [a.type, a.flags]), [[13, NLA_F_NESTED], [1, 0]]);
  assert.deepEqual(parseAttrs(attrs[0]!.data).map((a) => a.type), [2, 1]);
  const plain = parseAttrs(encodeAttrs(demo, { nest: { n: 2 } }, { nestedFlag: false }));
  assert.equal(plain[0]?.flags, 0);
});

test("array children are numbered 1, 2, … unless the schema fixes their type", () => {
  const [list] = parseAttrs(encodeAttrs(demo, { list: [{ n: 1 }, { n: 2 }] }));
  assert.deepEqual(parseAttrs(list!.data).map((a) => a.type), [1, 2]);
  const [names] = parseAttrs(encodeAttrs(demo, { names: ["a", "b"] }));
  assert.deepEqual(parseAttrs(names!.data).map((a) => a.type), [5, 5]);
});

test("unknown attributes are kept raw, in order, and written back", () => {
  const extra = Buffer.from("0800630001020304" + "0500640009000000", "hex");
  const bytes = Buffer.concat([encodeAttrs(demo, { u8: 1 }), extra]);
  const decoded = decodeAttrs(demo, bytes);
  assert.deepEqual(decoded.unknown?.map((a) => [a.type, [...a.data]]), [[99, [1, 2, 3, 4]], [100, [9]]]);
  assert.deepEqual(encodeAttrs(demo, decoded), bytes);
});

test("by-kind data of a kind without a schema (or a prototype key) is kept raw", () => {
  for (const kind of ["dummy", "__proto__", "constructor", "toString"]) {
    const bytes = Buffer.concat([encodeAttrs(demo, { kind }), encodeAttrs(demo, { kind: "other", data: { x: 1 } }).subarray(12)]);
    const decoded = decodeAttrs(demo, bytes);
    assert.equal(decoded.kind, kind);
    assert.equal(decoded.data, undefined);
    assert.deepEqual(decoded.unknown?.map((a) => a.type), [19]);
  }
});

test("by-kind data is decoded even when it comes before its selector", () => {
  const data = parseAttrs(encodeAttrs(demo, { kind: "child", data: { n: 4 } }));
  const swapped = Buffer.concat([encodeAttrs(demo, { unknown: [data[1]!] }), encodeAttrs(demo, { kind: "child" })]);
  assert.deepEqual(decodeAttrs(demo, swapped), { data: { n: 4 }, kind: "child" });
});

test("messages: the header is padded to 4 bytes and missing header fields are zero", () => {
  const odd = { name: "h", header: { size: 3, fields: [{ name: "a", offset: 0, kind: "u8" }] }, attrs: child } as const satisfies MessageSpec;
  const bytes = encodeMessageBody(odd, { h: { a: 7 }, attrs: { n: 1 } });
  assert.equal(bytes.toString("hex"), "07000000" + "0800010001000000");
  assert.deepEqual(decodeMessageBody(odd, bytes), { h: { a: 7 }, attrs: { n: 1 } });
  assert.deepEqual(decodeMessageBody(inner, encodeMessageBody(inner, { attrs: {} })), { hdr: { a: 0, b: 0 }, attrs: {} });
});

test("bad values and names are refused with typed invalid-argument errors", () => {
  const cases: [string, unknown][] = [
    ["u8", 256], ["u8", -1], ["u8", 1.5], ["u16", "1"], ["u32", 2 ** 32], ["s32", 2 ** 31], ["u64", 1], ["u64", -1n],
    ["be16", 65536], ["str", "a\0b"], ["str", 5], ["bin", "x"], ["flag", 1], ["ip", "10.0.0.1"],
    ["ip", { family: 4, value: 1n << 32n }], ["mac", "02:4"], ["mac", ""], ["mac", "zz:00"], ["nest", 3], ["nest", { nope: 1 }],
    ["pair", { c: 1 }], ["list", {}], ["msg", { attrs: {}, other: 1 }], ["nosuch", 1],
  ];
  for (const [name, value] of cases) {
    // Deliberately ill-typed input, as JavaScript callers could pass.
    assert.throws(() => encodeAttrs(demo, { [name]: value } as never), (e) => isLibnetworkError(e) && e.kind === "invalid-argument",
      `${name}=${String(value)}`);
  }
  assert.throws(() => encodeAttrs(demo, { kind: "nokind", data: { x: 1 } } as never), /no data schema for kind "nokind"/);
  assert.throws(() => encodeAttrs(demo, { data: { x: 1 } }), /no data schema for kind undefined/);
});

test("payloads of the wrong size are refused with ERR_NETLINK_MALFORMED", () => {
  const bads = [
    "0600010001000000", "0600030001000000", "0800040001000000", "090005000000000000000000", "06000b000a000000",
    "05000e0001000000", "06000f0001000000", "08000d00ffff0100",
  ];
  for (const bad of bads) {
    assert.throws(() => decodeAttrs(demo, Buffer.from(bad, "hex")), (e) => isLibnetworkError(e) && e.code === "ERR_NETLINK_MALFORMED", bad);
  }
});

test("flags: empty means set; a u8 payload (as some dumps send) is read as its value", () => {
  assert.deepEqual(decodeAttrs(demo, Buffer.from("04000a00", "hex")), { flag: true });
  assert.deepEqual(decodeAttrs(demo, Buffer.from("05000a0001000000", "hex")), { flag: true });
  assert.deepEqual(decodeAttrs(demo, Buffer.from("05000a0000000000", "hex")), {});
  assert.equal(encodeAttrs(demo, { flag: false }).length, 0);
});

function* schemasIn(value: unknown, seen = new Set<unknown>()): Generator<[string, Schema]> {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value) && value.every((a) => typeof a === "object" && a !== null && "type" in a && "kind" in a)) {
    yield ["", value as Schema];
  }
  for (const [k, v] of Object.entries(value)) for (const [p, s] of schemasIn(v, seen)) yield [p === "" ? k : `${k}.${p}`, s];
}

test("every schema table has unique names and types, and never uses the reserved name", () => {
  let count = 0;
  for (const [where, schema] of schemasIn(schemas)) {
    count++;
    const names = schema.map((a: AttrSpec) => a.name);
    const types = schema.map((a: AttrSpec) => a.type);
    assert.equal(new Set(names).size, names.length, `duplicate name in ${where}`);
    assert.equal(new Set(types).size, types.length, `duplicate type in ${where}`);
    assert.ok(!names.includes("unknown"), where);
    for (const a of schema) {
      assert.ok(Number.isInteger(a.type) && a.type > 0 && a.type < 0x4000, `${where}.${a.name}`);
      if (a.kind === "by-kind") assert.ok(names.includes(a.selector), `${where}.${a.name} selector`);
    }
  }
  assert.ok(count >= 12, `found ${count} schema tables`);
});

test("raw attributes to write back must look like RawAttr", () => {
  for (const unknown of [5, [{ type: 1 }], [{ type: 1, flags: 0, data: "x" }]]) {
    assert.throws(() => encodeAttrs(demo, { unknown } as never), /attrs\.unknown: expected RawAttr\[\]/);
  }
});
