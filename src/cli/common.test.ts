// The CLI's shared helpers that need no daemon: the docker CLI's natural list order.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { naturalCompare } from "./common.js";

describe("naturalCompare", () => {
  it("orders names as `docker network ls` prints them", () => {
    // The order docker 20.10 and 28 printed for these names (from one dnet daemon).
    assert.deepEqual(["none", "n10", "host", "ax", "n9", "Bx"].sort(naturalCompare), ["Bx", "ax", "host", "n9", "n10", "none"]);
  });

  it("compares digit runs as numbers, then by leading zeros, digits before other characters", () => {
    assert.deepEqual(["a10b", "a2b", "a02b", "a2", "a-", "a"].sort(naturalCompare), ["a", "a2", "a2b", "a02b", "a10b", "a-"]);
    assert.equal(naturalCompare("net1", "net1"), 0);
    assert.ok(naturalCompare("x1", "x") > 0);
  });
});
