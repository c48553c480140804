// Tests for the attribute writer and parser: alignment, nests, growth and bounds.

import assert from "node:assert/strict";
import { test } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { NLA_F_NESTED } from "./constants.js";
import { iterateAttrs, NlWriter, parseAttrs } from "./tlv.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("attributes are padded to 4 bytes and nla_len excludes the padding", () => {
  const w = new NlWriter();
  w.attr(3, Buffer.from("eth0\0")).attr(4, Buffer.from([0xdc, 0x05, 0, 0]));
  // len 9 + 3 pad, then len 8
  assert.equal(hex(w.finish()), "09000300657468300000000008000400dc050000");
});

test("integers are host order except be16/be32", () => {
  const w = new NlWriter();
  w.u8(1).u16(0x0203).u32(0x04050607).s32(-2).u64(0x08090a0b0c0d0e0fn).be16(4789).be32(0x01020304);
  assert.equal(hex(w.finish()), "01" + "0302" + "07060504" + "feffffff" + "0f0e0d0c0b0a0908" + "12b5" + "01020304");
});

test("nests patch their length, set NLA_F_NESTED by default, and can be left unflagged", () => {
  const w = new NlWriter();
  const outer = w.beginNest(18);
  w.attr(1, Buffer.from("veth\0"));
  const inner = w.beginNest(2, 0);
  w.endNest(inner);
  w.endNest(outer);
  const [attr] = parseAttrs(w.finish());
  assert.ok(attr);
  assert.equal(attr.type, 18);
  assert.equal(attr.flags, NLA_F_NESTED);
  const children = parseAttrs(attr.data);
  assert.deepEqual(children.map((c) => [c.type, c.flags, c.data.length]), [[1, 0, 5], [2, 0, 0]]);
  assert.equal(w.length, 4 + 12 + 4);
});

test("the writer grows past its initial capacity without losing bytes", () => {
  const w = new NlWriter(16);
  const big = Buffer.alloc(5000, 0xab);
  w.u32(0xdeadbeef).attr(7, big).u8(9);
  const out = w.finish();
  assert.equal(out.readUInt32LE(0), 0xdeadbeef);
  assert.equal(out.readUInt16LE(4), 5004);
  assert.ok(out.subarray(8, 5008).every((b) => b === 0xab));
  assert.equal(out[5008], 9);
});

test("an attribute longer than 65535 bytes is refused with a typed error", () => {
  const w = new NlWriter();
  assert.throws(() => w.attr(1, Buffer.alloc(70000)), (e) => isLibnetworkError(e) && e.code === "ERR_NETLINK_ATTR_TOO_LONG");
});

test("the parser masks flag bits, ignores short trailing padding and refuses lengths out of bounds", () => {
  const ok = Buffer.from("0800128005000000" + "0000", "hex");
  assert.deepEqual([...iterateAttrs(ok)].map((a) => [a.type, a.flags]), [[18, NLA_F_NESTED]]);
  for (const bad of ["0900010000000000", "03000100", "ffff0100aabbccdd"]) {
    assert.throws(() => parseAttrs(Buffer.from(bad, "hex")), (e) => isLibnetworkError(e) && e.code === "ERR_NETLINK_MALFORMED", bad);
  }
});

test("parsed data are views of the input, and finish() returns a copy", () => {
  const w = new NlWriter();
  w.attr(1, Buffer.from([1, 2, 3, 4]));
  const out = w.finish();
  w.u8(0xff);
  assert.equal(out.length, 8);
  const [a] = parseAttrs(out);
  out[4] = 42;
  assert.equal(a?.data[0], 42);
});
