// Unit tests of the run-length bitmap and its codec.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { RunBitmap } from "./bitseq.js";
import { decodeBitmap, decodeBitmapBase64, encodeBitmap, encodeBitmapBase64 } from "./bitseq-codec.js";

function runsOf(bm: RunBitmap): [bigint, bigint][] {
  return [...bm.runs()].map((r) => [r.start, r.end]);
}

describe("RunBitmap", () => {
  test("starts empty: no runs, every ordinal free", () => {
    const bm = new RunBitmap(16n);
    assert.equal(bm.runCount, 0);
    assert.equal(bm.unselected, 16n);
    assert.equal(bm.firstFree(0n, 15n), 0n);
  });

  test("set merges neighbours and unset splits runs", () => {
    const bm = new RunBitmap(16n);
    assert.ok(bm.set(3n));
    assert.ok(bm.set(5n));
    assert.deepEqual(runsOf(bm), [[3n, 4n], [5n, 6n]]);
    assert.ok(bm.set(4n));
    assert.deepEqual(runsOf(bm), [[3n, 6n]]);
    assert.equal(bm.set(4n), false, "setting a set ordinal reports false");
    assert.ok(bm.unset(4n));
    assert.deepEqual(runsOf(bm), [[3n, 4n], [5n, 6n]]);
    assert.ok(bm.unset(3n));
    assert.ok(bm.unset(5n));
    assert.equal(bm.unset(5n), false, "unsetting a free ordinal reports false");
    assert.equal(bm.runCount, 0);
    assert.equal(bm.unselected, 16n);
  });

  test("shrinks runs from either end", () => {
    const bm = RunBitmap.fromRuns(16n, [{ start: 2n, end: 8n }]);
    bm.unset(2n);
    bm.unset(7n);
    assert.deepEqual(runsOf(bm), [[3n, 7n]]);
    assert.equal(bm.unselected, 12n);
  });

  test("a fully allocated range collapses into one run", () => {
    const bm = new RunBitmap(65536n);
    for (let i = 0; i < 65536; i++) assert.notEqual(bm.setAny(false), undefined);
    assert.equal(bm.runCount, 1);
    assert.equal(bm.unselected, 0n);
    assert.equal(bm.setAny(false), undefined);
  });

});

describe("RunBitmap allocation", () => {
  test("first free is the start or the end of the run covering it", () => {
    const bm = RunBitmap.fromRuns(32n, [{ start: 0n, end: 4n }, { start: 10n, end: 12n }]);
    assert.equal(bm.firstFree(0n, 31n), 4n);
    assert.equal(bm.firstFree(5n, 31n), 5n);
    assert.equal(bm.firstFree(10n, 31n), 12n);
    assert.equal(bm.firstFree(10n, 11n), undefined);
    assert.equal(bm.firstFree(3n, 2n), undefined);
  });

  test("setAnyInRange stays inside the range", () => {
    const bm = new RunBitmap(256n);
    assert.equal(bm.setAnyInRange(128n, 130n, false), 128n);
    assert.equal(bm.setAnyInRange(128n, 130n, false), 129n);
    assert.equal(bm.setAnyInRange(128n, 130n, false), 130n);
    assert.equal(bm.setAnyInRange(128n, 130n, false), undefined);
    assert.equal(bm.setAny(false), 0n);
  });

  test("serial allocation continues after the last one and wraps", () => {
    const bm = new RunBitmap(8n);
    assert.equal(bm.setAny(true), 0n);
    assert.equal(bm.setAny(true), 1n);
    assert.equal(bm.setAny(true), 2n);
    bm.unset(1n);
    assert.equal(bm.setAny(true), 3n, "serial does not reuse the freed ordinal at once");
    assert.equal(bm.setAny(false), 1n, "first-free does");
    for (const expected of [4n, 5n, 6n, 7n]) assert.equal(bm.setAny(true), expected);
    bm.unset(2n);
    assert.equal(bm.setAny(true), 2n, "wraps to the start");
  });

  test("handles any size: an IPv6 /0 has 2^128 ordinals", () => {
    const bits = 1n << 128n;
    const bm = new RunBitmap(bits);
    bm.set(0n);
    bm.set(bits - 1n);
    assert.equal(bm.setAny(false), 1n);
    assert.equal(bm.firstFree(bits - 2n, bits - 1n), bits - 2n);
    assert.equal(bm.unselected, bits - 3n);
  });

  test("refuses ordinals outside the bitmap with an internal LibnetworkError", () => {
    const bm = new RunBitmap(8n);
    assert.throws(() => bm.set(8n), (e: unknown) => isLibnetworkError(e) && e.kind === "internal");
    assert.throws(() => bm.isSet(-1n), (e: unknown) => isLibnetworkError(e));
  });

  test("fromRuns refuses runs that are unsorted, adjacent, empty or too long", () => {
    for (const runs of [
      [{ start: 4n, end: 5n }, { start: 1n, end: 2n }],
      [{ start: 1n, end: 2n }, { start: 2n, end: 3n }],
      [{ start: 3n, end: 3n }],
      [{ start: 6n, end: 9n }],
    ]) {
      assert.throws(() => RunBitmap.fromRuns(8n, runs), (e: unknown) => isLibnetworkError(e));
    }
  });
});

describe("bitmap codec", () => {
  test("round-trips runs, size and cursor", () => {
    const bm = new RunBitmap(1n << 64n);
    bm.set(0n);
    for (let i = 0; i < 5; i++) bm.setAny(true);
    bm.unset(3n);
    bm.set(1n << 40n);
    const back = decodeBitmap(encodeBitmap(bm));
    assert.equal(back.bits, bm.bits);
    assert.equal(back.cursor, bm.cursor);
    assert.equal(back.unselected, bm.unselected);
    assert.deepEqual(runsOf(back), runsOf(bm));
    assert.deepEqual(runsOf(decodeBitmapBase64(encodeBitmapBase64(bm))), runsOf(bm));
  });

  test("an empty /8 or /64 pool costs a few bytes", () => {
    const v4 = new RunBitmap(1n << 24n);
    v4.set(0n);
    v4.set((1n << 24n) - 1n);
    const v6 = new RunBitmap(1n << 64n);
    v6.set(0n);
    assert.ok(encodeBitmap(v4).length <= 16, `/8: ${encodeBitmap(v4).length} bytes`);
    assert.ok(encodeBitmap(v6).length <= 16, `/64: ${encodeBitmap(v6).length} bytes`);
  });

  test("size follows fragmentation: two bytes per isolated run in a /24", () => {
    const bm = new RunBitmap(256n);
    for (let i = 0n; i < 256n; i += 2n) bm.set(i);
    assert.equal(bm.runCount, 128);
    assert.equal(encodeBitmap(bm).length, 6 + 2 * 128, "6 header bytes, 2 per run");
  });

  test("refuses corrupt encodings", () => {
    const good = encodeBitmap(RunBitmap.fromRuns(256n, [{ start: 0n, end: 1n }, { start: 255n, end: 256n }]));
    const bad = [
      Uint8Array.of(),
      Uint8Array.of(2, 1, 0, 0),
      good.subarray(0, good.length - 1),
      Uint8Array.from([...good, 0]),
      Uint8Array.of(1, 0x80, 0x80),
      Uint8Array.of(1, 4, 0, 1, 2, 4), // run past the end
      Uint8Array.of(1, 8, 0, 0xff, 0xff, 0x03), // more runs than bytes
    ];
    for (const bytes of bad) assert.throws(() => decodeBitmap(bytes), (e: unknown) => isLibnetworkError(e), String(bytes));
  });
});
