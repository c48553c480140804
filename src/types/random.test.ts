// Tests for randomHex: the pooled random identifiers.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomHex } from "./random.js";

describe("randomHex", () => {
  it("gives lower-case hex of the asked length, never the same twice across many pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = randomHex(32); // 2000 × 32 bytes: the 4 KiB pool is refilled ~15 times, at uneven offsets below
      assert.match(id, /^[0-9a-f]{64}$/);
      seen.add(id);
      assert.match(randomHex(6), /^[0-9a-f]{12}$/);
    }
    assert.equal(seen.size, 2000);
  });

  it("uses every byte value (not a constant or a counter)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const b = randomHex(1);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    assert.equal(counts.size, 256);
  });

  it("refuses byte counts it cannot serve", () => {
    for (const bad of [0, -1, 1.5, 4097]) assert.throws(() => randomHex(bad), RangeError);
  });
});
