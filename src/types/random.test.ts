// Tests for randomHex: random identifiers drawn from crypto.randomUUID's random digits.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomHex } from "./random.js";

describe("randomHex", () => {
  it("gives lower-case hex of the asked length, never the same twice", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = randomHex(32); // three UUIDs' worth
      assert.match(id, /^[0-9a-f]{64}$/);
      seen.add(id);
      assert.match(randomHex(6), /^[0-9a-f]{12}$/);
      assert.match(randomHex(16), /^[0-9a-f]{32}$/, "just over one UUID's worth");
    }
    assert.equal(seen.size, 2000);
  });

  it("every digit position takes all 16 values (no UUID version or variant digit slips in)", () => {
    const values = Array.from({ length: 64 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...randomHex(32)].forEach((d, at) => values[at]?.add(d));
    assert.deepEqual(values.map((v) => v.size), Array.from({ length: 64 }, () => 16));
  });

  it("uses every byte value (not a constant or a counter)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const b = randomHex(1);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    assert.equal(counts.size, 256);
  });

  it("refuses byte counts that are not positive integers", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => randomHex(bad), RangeError);
  });
});
