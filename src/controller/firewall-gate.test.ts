// GenerationGate: a full firewall check runs when the nftables generation moved, when it cannot be read,
// after a drift, and at least every FULL_CHECK_EVERY_MS measured from the last full check.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FULL_CHECK_EVERY_MS, GenerationGate } from "./firewall-gate.js";

describe("GenerationGate", () => {
  it("skips while the generation is unchanged since a clean full check, until the period is over", () => {
    const g = new GenerationGate();
    assert.equal(g.needsCheck(7, 0), true, "nothing checked yet");
    g.checked(7, false, 0);
    assert.equal(g.needsCheck(7, 1_000), false);
    assert.equal(g.needsCheck(8, 1_000), true, "the ruleset moved");
    assert.equal(g.needsCheck(undefined, 1_000), true, "generation unreadable");
    assert.equal(g.needsCheck(7, FULL_CHECK_EVERY_MS), true, "period over");
  });

  it("the period restarts with every clean full check, so an unchanged ruleset is fully checked once per period", () => {
    const g = new GenerationGate();
    g.checked(7, false, 0);
    g.checked(7, false, FULL_CHECK_EVERY_MS);
    assert.equal(g.needsCheck(7, FULL_CHECK_EVERY_MS + 1_000), false);
    assert.equal(g.needsCheck(7, 2 * FULL_CHECK_EVERY_MS), true);
  });

  it("a drift or an unreadable generation forgets the clean state", () => {
    const g = new GenerationGate();
    g.checked(7, false, 0);
    g.checked(7, true, 1);
    assert.equal(g.needsCheck(7, 2), true);
    g.checked(7, false, 3);
    g.checked(undefined, false, 4);
    assert.equal(g.needsCheck(7, 5), true);
  });
});
