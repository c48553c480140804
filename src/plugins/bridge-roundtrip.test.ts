// dnet's client driving dnet's server: the bridge driver's end-to-end scenarios run twice in one scratch
// host, once on the built-in driver and once through the plugin protocol (the controller serves its
// bridge driver and default IPAM as a plugin and its networks use that plugin for both). Every
// observation — pings, curls, published ports, links, routes, nft rules, driver info, error kinds — must
// be the same, once the random parts (IDs, MACs) are masked and Docker's "remote: " prefix is dropped.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { ScratchHost, type Report } from "../testing/bridge-topology.js";

const PLUGIN = "dnetrt";

/**
 * Observations that depend on timing rather than on the driver: whether the reaper (50 ms after a leave)
 * already deleted the left veth when the scenario looks into the sandbox.
 */
const TIMING: readonly string[] = ["left: k2 sandbox links"];

/** The report with what differs between any two runs masked: IDs, interface names derived from IDs, MACs. */
function masked(r: Report): unknown {
  const text = JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.includes(k))))
    .replace(/\b[0-9a-f]{64}\b/g, "<id>")
    .replace(/\b(br-|veth|dnp)[0-9a-f]{11,12}\b/g, "$1<id>")
    .replace(/\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b/gi, "<mac>")
    .replace(/remote: /g, "");
  return JSON.parse(text);
}

describe("bridge scenarios through the plugin protocol (dnet's client ↔ dnet's server)", { ...rootOnly, timeout: 300_000 }, () => {
  let host: ScratchHost | undefined;
  before(() => { host = new ScratchHost("rt").build(); });
  after(() => host?.teardown());

  for (const scenario of ["connectivity", "ports", "bad-input", "cleanup"]) {
    test(`scenario "${scenario}": the same observations on the built-in driver and through the plugin`, async () => {
      assert.ok(host !== undefined);
      const builtin = await host.run(scenario);
      const remote = await host.run(scenario, 150_000, PLUGIN);
      assert.ok(Object.keys(builtin).length > 3, "the scenario observed something");
      assert.deepEqual(masked(remote), masked(builtin));
    });
  }
});
