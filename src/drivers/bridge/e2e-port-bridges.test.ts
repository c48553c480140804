// Root end-to-end test of port bridges: a network whose endpoints overflow its bridge (two ports per
// bridge here) onto port bridges behind it keeps its traffic, published ports, isolation and ICC setting,
// reuses freed places and has a deleted port bridge repaired. Scenario: src/testing/bridge-scenarios-portbr.ts,
// run in a scratch netns H. Not root: skipped with a reason.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootOnly } from "../../testing/kernel.js";
import { OUTSIDE as O, ScratchHost, type Report } from "../../testing/bridge-topology.js";

describe("bridge e2e: port bridges", { ...rootOnly, timeout: 180_000 }, () => {
  let host: ScratchHost | undefined;
  let r: Report = {};
  const seen = (key: string): unknown => {
    assert.ok(key in r, `the scenario did not record "${key}"`);
    return r[key];
  };
  const prefix = (): string => String(seen("port bridge prefix of net-w"));

  before(async () => {
    host = new ScratchHost("pb").build();
    r = await host.run("port-bridges");
  });

  after(() => host?.teardown());

  test("endpoints fill the network's bridge, then port bridges in order, two ports each", () => {
    const p = prefix();
    assert.deepEqual(seen("masters of net-w"), { w1: "dnet-w", w2: "dnet-w", w3: `${p}01`, w4: `${p}01`, w5: `${p}02` });
    const z = seen("masters of net-z") as Record<string, string>;
    assert.equal(z["z1"], "dnet-z");
    assert.equal(z["z3"], z["z4"]);
    assert.notEqual(z["z3"], z["z5"]);
  });

  test("a port bridge has no address, is joined to the network's bridge by a trunk, answers no ARP", () => {
    const links = seen("H links") as Record<string, { kind: string; master: string; addrs: string[] }>;
    const p = prefix();
    for (const slot of ["01", "02"]) {
      assert.equal(links[`${p}${slot}`]?.kind, "bridge");
      assert.deepEqual(links[`${p}${slot}`]?.addrs, []);
      const trunk = `dnpt${p.slice(4)}${slot}`;
      assert.equal(links[trunk]?.master, "dnet-w", `${trunk} on the network's bridge`);
      assert.equal(links[`dnpp${p.slice(4)}${slot}`]?.master, `${p}${slot}`);
    }
    assert.deepEqual(String(seen("port bridge sysctls")).split(/\s+/).filter((x) => x !== ""), ["8", "1"]);
  });

  test("sandboxes on different bridges of one network talk directly; out through the gateway, masqueraded", () => {
    assert.equal(seen("ping w1 → w3 (bridge → port bridge)"), true);
    assert.equal(seen("ping w3 → w5 (port bridge → port bridge)"), true);
    assert.equal(seen("ping w3 → w4 (same port bridge)"), true);
    assert.match(String(seen("curl w5 → w1")), /^w1 /);
    assert.equal(seen("ping w5 → its gateway"), true);
    assert.equal(seen("curl w5 → internet"), `out ${O.internetIp} ${O.hostIp}`);
  });

  test("a port published by a sandbox on a port bridge answers from outside, the host and every bridge (hairpin included)", () => {
    for (const key of [
      "curl outside → host:8090 (w3, on a port bridge)", "curl w4 → host:8090 (hairpin, same port bridge)", "curl w3 → host:8090 (itself)",
      "curl w1 → host:8090 (from the network's bridge)", "curl w5 → host:8090 (from another port bridge)", "curl host → 127.0.0.1:8090",
    ]) assert.match(String(seen(key)), /^w3 /, key);
  });

  test("another network stays isolated from port bridges, either way", () => {
    assert.equal(seen("ping v1 → w3 (other network)"), false);
    assert.equal(seen("ping w3 → v1 (other network)"), false);
  });

  test("ICC off holds within a port bridge and across bridges, not to the gateway or out", () => {
    assert.equal(seen("ping z3 → z4 (icc off, same port bridge)"), false);
    assert.equal(seen("curl z3 → z4 (icc off, same port bridge)"), "FAIL");
    assert.equal(seen("ping z1 → z3 (icc off, bridge → port bridge)"), false);
    assert.equal(seen("ping z3 → z5 (icc off, port bridge → port bridge)"), false);
    assert.equal(seen("ping z5 → its gateway (icc off)"), true);
    assert.equal(seen("curl z5 → internet (icc off)"), `out ${O.internetIp} ${O.hostIp}`);
  });

  test("IPv6 on port bridges: between bridges, to the gateway and out; a published port from outside and from port bridges", () => {
    for (const key of ["ping6 y2 → y1 (port bridge → bridge)", "ping6 y2 → y3 (port bridge → port bridge)", "ping6 y2 → its gateway"]) {
      assert.equal(seen(key), true, key);
    }
    assert.equal(seen("curl6 y2 → internet"), `out ${O.internetIp6} ${O.hostIp6}`);
    for (const key of ["curl6 outside → host:8093 (y2, on a port bridge)", "curl6 y3 → host:8093 (hairpin from another port bridge)", "curl6 y2 → host:8093 (itself)"]) {
      assert.match(String(seen(key)), /^y2 /, key);
    }
  });

  test("a place freed on the network's bridge is taken by the next endpoint", () => {
    assert.equal(seen("master of w6 (after w2 left)"), "dnet-w");
  });

  test("a port bridge deleted behind the driver's back comes back with its ports", () => {
    assert.equal(seen("ping w1 → w3 after its port bridge was deleted"), true);
    assert.deepEqual(seen("masters of net-w after repair"), { w3: `${prefix()}01`, w4: `${prefix()}01` });
  });
});
