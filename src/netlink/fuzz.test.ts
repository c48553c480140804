// Decoders on hostile input: truncated, bit-flipped and random bytes give a value or a typed error, nothing else.

import assert from "node:assert/strict";
import { test } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { decodeAddrMessage, decodeLinkMessage, decodeNeighMessage, decodeRouteMessage } from "./rtnl.js";
import { messageOf } from "./testdata/expect.js";
import { GOLDEN } from "./testdata/golden.js";

const DECODERS = [decodeLinkMessage, decodeAddrMessage, decodeRouteMessage, decodeNeighMessage] as const;

/** xorshift32: a seeded generator so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function decodeAll(payload: Buffer, what: string): void {
  for (const decode of DECODERS) {
    try {
      decode(payload);
    } catch (err) {
      assert.ok(isLibnetworkError(err) && err.code === "ERR_NETLINK_MALFORMED", `${what}: ${String(err)}`);
    }
  }
}

const payloads = [...GOLDEN.links, ...GOLDEN.bridgePorts, ...GOLDEN.addrs, ...GOLDEN.routes, ...GOLDEN.neighs, ...GOLDEN.fdb]
  .map((g) => messageOf(g).payload);

test("every truncation of every golden message", () => {
  for (const [i, p] of payloads.entries()) {
    for (let len = 0; len < p.length; len++) decodeAll(p.subarray(0, len), `message ${i} cut at ${len}`);
  }
});

test("golden messages with random bytes overwritten", () => {
  const next = rng(0x5eed);
  for (let round = 0; round < 3000; round++) {
    const src = payloads[next() % payloads.length];
    assert.ok(src !== undefined);
    const p = Buffer.from(src);
    for (let k = 1 + (next() % 4); k > 0; k--) p[next() % p.length] = next() & 0xff;
    decodeAll(p, `round ${round}: ${p.toString("hex")}`);
  }
});

test("random buffers, and attribute headers with random lengths", () => {
  const next = rng(42);
  for (let round = 0; round < 3000; round++) {
    const p = Buffer.alloc(next() % 96);
    for (let i = 0; i < p.length; i++) p[i] = next() & 0xff;
    // Make a plausible attribute header after the family header now and then.
    if (p.length >= 20 && round % 2 === 0) p.writeUInt16LE(next() % 40, 16);
    decodeAll(p, `round ${round}: ${p.toString("hex")}`);
  }
});
