// `dnet events`' line format: the time as the daemon sent it, to the nanosecond, without float noise.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventLine } from "./events.js";

describe("dnet events: a line", () => {
  it("prints timeNano's digits as sent (a double past 2^53 is not printed as its binary value)", () => {
    const timeNano = JSON.parse("1765108254843000000") as number;
    const line = eventLine({ Type: "network", Action: "create", Actor: { ID: "n1", Attributes: { name: "web" } }, time: 1765108254, timeNano });
    assert.equal(line, "2025-12-07T11:50:54.843000000Z network create n1 (name=web)");
  });
});
