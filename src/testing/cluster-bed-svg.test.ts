// docs/multi-host-testbed.svg is what the generator draws from the test bed's addresses today, and it is
// well-formed enough for a browser (one root svg element, every address of the bed on it).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { UNDERLAY_ETCD_IP, hostUnderlayIp } from "./cluster-bed.js";
import { testBedSvg } from "./cluster-bed-svg.js";

const FILE = fileURLToPath(new URL("../../../docs/multi-host-testbed.svg", import.meta.url));

describe("the test bed's picture", () => {
  it("docs/multi-host-testbed.svg is up to date", () => {
    assert.equal(readFileSync(FILE, "utf8"), testBedSvg(), "stale: regenerate with: npm run build && node dist/scripts/gen-testbed-svg.js");
  });

  it("shows etcd's and every host's underlay address in one svg element", () => {
    const svg = testBedSvg();
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
    assert.equal(svg.match(/<svg/g)?.length, 1);
    assert.ok(svg.trimEnd().endsWith("</svg>"));
    for (const ip of [UNDERLAY_ETCD_IP, hostUnderlayIp(0), hostUnderlayIp(1), hostUnderlayIp(2)]) assert.ok(svg.includes(ip), ip);
  });
});
