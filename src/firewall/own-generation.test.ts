// Which nftables generations the backend counts as its own (no root: the generations are given).

import assert from "node:assert/strict";
import { test } from "node:test";
import { OwnGeneration } from "./own-generation.js";

test("a commit heard late is still ours when our next commit has already moved the generation on", () => {
  const own = new OwnGeneration();
  own.committed(10, 11, true); // the table written from scratch
  own.committed(11, 12, false); // a port added
  own.committed(12, 13, false); // the next port, before the watch decided about 12
  assert.equal(own.verified, 13);
  assert.deepEqual([11, 12, 13].map((g) => own.isOwn(g)), [true, true, true]);
  assert.deepEqual([10, 14].map((g) => own.isOwn(g)), [false, false], "before the run, and not yet made");
});

test("a foreign commit breaks the run: nothing is ours until the table is written or checked again", () => {
  const own = new OwnGeneration();
  own.committed(10, 11, true);
  own.committed(12, 13, false); // someone committed 12 between our two commits
  assert.equal(own.verified, undefined);
  assert.deepEqual([11, 12, 13].map((g) => own.isOwn(g)), [false, false, false]);
  own.committed(13, 15, true); // our rewrite, with another commit in between
  assert.equal(own.isOwn(15), false);
  own.checkedClean(15);
  assert.deepEqual([14, 15].map((g) => own.isOwn(g)), [false, true]);
  own.committed(15, 16, false);
  assert.deepEqual([15, 16].map((g) => own.isOwn(g)), [true, true]);
  own.forget();
  assert.equal(own.isOwn(16), false);
});

test("the generation counter wraps at 2^32", () => {
  const own = new OwnGeneration();
  own.committed(0xffff_fffe, 0xffff_ffff, true);
  own.committed(0xffff_ffff, 0, false);
  own.committed(0, 1, false);
  assert.deepEqual([0xffff_ffff, 0, 1, 2, 0xffff_fffe].map((g) => own.isOwn(g)), [true, true, true, false, false]);
});
