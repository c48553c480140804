// Unit tests of port bridge placement (no kernel): slots fill in order, freed places are reused, a full
// network is refused with a typed error, and a restart reads each endpoint's bridge back from the links.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePrefix } from "../../types/index.js";
import type { Link } from "../../osl/index.js";
import { parseBridgeConfig } from "./config.js";
import { PortBridges, portBridgeNames } from "./port-bridges.js";

const ID = "0123456789abcdef";

function bridges(perBridge: string): PortBridges {
  return new PortBridges(parseBridgeConfig({
    networkId: ID, options: new Map([["dnet.bridge.ports_per_bridge", perBridge]]), internal: false, enableIPv6: false, ipv6: [],
    ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.20.0.0/16"), gateway: parsePrefix("10.20.0.1/16"), auxAddresses: new Map() }],
  }));
}

test("names derive from the network ID and the slot, within 15 bytes", () => {
  assert.deepEqual(portBridgeNames(ID, 1), { bridge: "dnpb01234567801", trunk: "dnpt01234567801", trunkPeer: "dnpp01234567801" });
  assert.equal(portBridgeNames(ID, 36 * 36 - 1).bridge, "dnpb012345678zz");
});

test("endpoints fill slot 0, then 1, 2 …; a freed place is taken first; a rejoin keeps one place", () => {
  const p = bridges("2");
  assert.deepEqual(["a", "b", "c", "d", "e"].map((e) => p.take(e)), [0, 0, 1, 1, 2]);
  p.release("b");
  assert.equal(p.take("f"), 0);
  assert.equal(p.take("f"), 0, "taking again gives the old place back first");
  assert.equal(p.take("g"), 2);
  assert.equal(p.slotOf("c"), 1);
  p.release("nobody");
});

test("ports_per_bridge is checked: 1–1000", () => {
  for (const bad of ["0", "1001", "-3", "2.5", "many"]) {
    assert.throws(() => bridges(bad), (e: unknown) => (e as { code?: string }).code === "ERR_INVALID_OPTION", bad);
  }
});

test("a network whose bridge has no room left for another trunk is full (typed error, nothing counted)", () => {
  const p = bridges("1000"); // 1,000 endpoints + 24 trunks fill the network's bridge's 1,024 ports
  for (let i = 0; i < 25_000; i++) p.take(`e${i}`);
  assert.throws(() => p.take("one-more"), (e: unknown) => (e as { code?: string }).code === "ERR_NETWORK_FULL");
  assert.equal(p.slotOf("one-more"), undefined);
});

test("adopt: port bridges and each endpoint's place are read back from the links (a restart)", () => {
  const p = bridges("2");
  const link = (name: string, index: number, kind: string, master?: number): Link =>
    ({ name, index, kind, ...(master === undefined ? {} : { master }) }) as unknown as Link;
  const links = [
    link("br-main", 10, "bridge"), link("dnpb01234567801", 20, "bridge"), link("dnpb01234567803", 30, "bridge"),
    link("vethA", 41, "veth", 10), link("vethB", 42, "veth", 20), link("vethC", 43, "veth", 30), link("vethD", 44, "veth", 99),
  ];
  p.adopt(links, 10, new Map([["a", "vethA"], ["b", "vethB"], ["c", "vethC"], ["d", "vethD"], ["gone", "vethX"]]));
  assert.deepEqual(p.slots(), [1, 3]);
  assert.deepEqual([p.slotOf("a"), p.slotOf("b"), p.slotOf("c"), p.slotOf("d")], [0, 1, 3, undefined]);
  assert.equal(p.expectedMaster("b", 10), 20);
  assert.equal(p.take("n1"), 0, "slot 0 still has room");
  assert.equal(p.take("n2"), 1);
});
