// Codec tests: round trips, compression pointers (and their abuse), malformed input, random input.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import {
  DnsType, Rcode, decodeHeader, decodeMessage, encodeMessage, findOpt, newHeader, type DnsMessage,
} from "./message.js";
import { canonicalName, encodeName, labelsToName, nameToLabels, readName } from "./name.js";

/** `dig @x example.com A` as sent by dig 9.18 (id 0x1234, RD, AD, EDNS 1232 with a cookie). */
const DIG_QUERY = Buffer.from(
  "12340120000100000000000107657861" + "6d706c6503636f6d0000010001000029" +
  "04d000000000000c000a00086a1ce0a3" + "a3e2e0f5", "hex");

function sample(): DnsMessage {
  return {
    header: newHeader({ id: 0xbeef, qr: true, rd: true, ra: true }),
    questions: [{ name: "www.Example.com", type: DnsType.A, class: 1 }],
    answers: [
      { name: "www.Example.com", type: DnsType.CNAME, class: 1, ttl: 60, data: { kind: "name", target: "web.example.com" } },
      { name: "web.example.com", type: DnsType.A, class: 1, ttl: 600, data: { kind: "address", address: "10.0.0.2" } },
      { name: "web.example.com", type: DnsType.AAAA, class: 1, ttl: 600, data: { kind: "address", address: "fd00::2" } },
    ],
    authorities: [{
      name: "example.com", type: DnsType.SOA, class: 1, ttl: 5,
      data: { kind: "soa", mname: "ns.example.com", rname: "hostmaster.example.com", numbers: [1, 2, 3, 4, 5] },
    }],
    additionals: [
      { name: "example.com", type: DnsType.MX, class: 1, ttl: 5, data: { kind: "mx", preference: 10, exchange: "mail.example.com" } },
      { name: "example.com", type: DnsType.TXT, class: 1, ttl: 5, data: { kind: "raw", bytes: Uint8Array.from([3, 0x61, 0x62, 0x63]) } },
      { name: "", type: DnsType.OPT, class: 1232, ttl: 0, data: { kind: "raw", bytes: new Uint8Array(0) } },
    ],
  };
}

function expectMalformed(buf: Buffer): void {
  assert.throws(() => decodeMessage(buf), (e: unknown) => isLibnetworkError(e) && e.code === "ERR_DNS_MALFORMED");
}

describe("names", () => {
  test("presentation round trip with escapes", () => {
    assert.deepEqual(nameToLabels("a\\.b.c\\032d."), ["a.b", "c d"]);
    assert.equal(labelsToName(["a.b", "c d", "\u0001"]), "a\\.b.c\\032d.\\001");
    assert.equal(canonicalName("WeB.Net1."), "web.net1");
  });

  test("encoding rejects empty, long labels and names over 255 octets", () => {
    assert.throws(() => encodeName("a..b"), /empty label/);
    assert.throws(() => encodeName(`${"x".repeat(64)}.com`), /1-63/);
    assert.throws(() => encodeName(Array.from({ length: 5 }, () => "y".repeat(63)).join(".")), /255/);
    assert.equal(encodeName(Array.from({ length: 4 }, () => "y".repeat(62)).join(".")).length, 253);
  });

  test("pointer loops, forward pointers and self pointers are rejected", () => {
    const self = Buffer.from([0, 0, 0xc0, 0x02]);
    assert.throws(() => readName(self, 2), /backwards/);
    const forward = Buffer.from([0xc0, 0x02, 0x01, 0x61, 0x00]);
    assert.throws(() => readName(forward, 0), /backwards/);
    // a -> b -> a: the second jump is not before the segment it was read in.
    const loop = Buffer.from([0x01, 0x61, 0xc0, 0x04, 0x01, 0x62, 0xc0, 0x00]);
    assert.throws(() => readName(loop, 4), /backwards/);
    assert.throws(() => readName(Buffer.from([0x05, 0x61]), 0), /past the end/);
    assert.throws(() => readName(Buffer.from([0x40, 0x00]), 0), /label type/);
  });

  test("a chain of backward pointers resolves and ends at the first pointer", () => {
    const buf = Buffer.from([0x03, 0x63, 0x6f, 0x6d, 0x00, 0x01, 0x62, 0xc0, 0x00, 0x01, 0x61, 0xc0, 0x05]);
    assert.deepEqual(readName(buf, 9), { labels: ["a", "b", "com"], end: 13 });
  });
});

describe("messages", () => {
  test("decodes a real dig query with EDNS", () => {
    const msg = decodeMessage(DIG_QUERY);
    assert.equal(msg.header.id, 0x1234);
    assert.equal(msg.header.rd, true);
    assert.equal(msg.header.ad, true);
    assert.deepEqual(msg.questions, [{ name: "example.com", type: DnsType.A, class: 1 }]);
    assert.equal(findOpt(msg)?.class, 1232);
    assert.deepEqual(encodeMessage(msg), DIG_QUERY);
  });

  test("round trip with and without compression", () => {
    const msg = sample();
    const compressed = encodeMessage(msg);
    const plain = encodeMessage(msg, { compress: false });
    assert.ok(compressed.length < plain.length - 40, `${compressed.length} vs ${plain.length}`);
    assert.deepEqual(decodeMessage(compressed), msg);
    assert.deepEqual(decodeMessage(plain), msg);
    // Every later "example.com" is a pointer to the first one of the same case.
    for (const word of ["Example", "example"]) {
      const first = compressed.indexOf(word);
      assert.ok(first > 0);
      assert.equal(compressed.indexOf(word, first + 1), -1, word);
    }
  });

  test("header flags round trip", () => {
    const h = newHeader({ id: 7, qr: true, opcode: 2, aa: true, tc: true, rd: true, ra: true, ad: true, cd: true, rcode: Rcode.REFUSED });
    const msg = encodeMessage({ header: h, questions: [], answers: [], authorities: [], additionals: [] });
    assert.deepEqual(decodeHeader(msg), h);
  });

  test("malformed messages are rejected with ERR_DNS_MALFORMED", () => {
    expectMalformed(Buffer.alloc(11));
    expectMalformed(DIG_QUERY.subarray(0, 20));
    expectMalformed(Buffer.concat([DIG_QUERY, Buffer.from([0])]));
    const wrongCount = Buffer.from(DIG_QUERY);
    wrongCount.writeUInt16BE(2, 6);
    expectMalformed(wrongCount);
    const badA = encodeMessage(sample());
    const a = badA.indexOf(Buffer.from([0, 1, 0, 1, 0, 0, 2, 0x58, 0, 4]));
    badA.writeUInt16BE(5, a + 8);
    expectMalformed(badA);
  });

  test("100,000 random and mutated buffers never throw anything but ERR_DNS_MALFORMED", () => {
    const base = encodeMessage(sample());
    for (let i = 0; i < 100_000; i++) {
      let buf: Buffer;
      if (i % 2 === 0) {
        buf = randomBytes(12 + (i % 300));
      } else {
        buf = Buffer.from(base.subarray(0, 12 + ((i * 7) % (base.length - 11))));
        for (let k = 0; k < 1 + (i % 4); k++) buf[(i * 31 + k * 17) % buf.length] = (i * 13 + k) & 0xff;
      }
      try {
        decodeMessage(buf);
      } catch (e) {
        assert.ok(isLibnetworkError(e) && e.code === "ERR_DNS_MALFORMED", String(e));
      }
    }
  });
});
