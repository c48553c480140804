// Option parsing of macvlan networks (no root): the parent option, VLAN names, modes, pools, DHCP; errors
// name the option and say what is wrong, before anything reaches the kernel.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CreateNetworkRequest } from "../../driver-api/index.js";
import { isLibnetworkError } from "../../errors/index.js";
import { parsePrefix } from "../../types/index.js";
import { parseLanConfig } from "../lan/config.js";
import { isExclusive, parseParent } from "../lan/parent.js";
import { macvlanKind } from "./driver.js";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

function request(options: Record<string, string>, o: Partial<CreateNetworkRequest> = {}): CreateNetworkRequest {
  return {
    networkId: ID, options: new Map(Object.entries(options)), internal: false, enableIPv6: false,
    ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("192.168.77.0/24"), gateway: parsePrefix("192.168.77.1/24"), auxAddresses: new Map() }],
    ipv6: [], ...o,
  };
}

function invalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => isLibnetworkError(e) && e.kind === "invalid-argument" && message.test(e.message));
}

describe("macvlan options", () => {
  test("defaults: bridge mode; a parent as given; a NAME.VID parent is a VLAN; no parent or --internal: a dm- dummy", () => {
    const c = parseLanConfig(macvlanKind, request({ parent: "eth0" }));
    assert.equal(c.mode, "bridge");
    assert.deepEqual(c.parent, { kind: "named", name: "eth0", vlan: undefined });
    assert.equal(c.internal, false);
    assert.deepEqual(c.v4.map((s) => [s.pool.length, s.gateway?.length]), [[24, 24]]);
    assert.deepEqual(parseLanConfig(macvlanKind, request({ parent: "eth0.10" })).parent, { kind: "named", name: "eth0.10", vlan: { base: "eth0", vlanId: 10 } });
    assert.deepEqual(parseLanConfig(macvlanKind, request({})).parent, { kind: "dummy", name: "dm-0123456789ab" });
    const internal = parseLanConfig(macvlanKind, request({ parent: "eth0" }, { internal: true }));
    assert.deepEqual(internal.parent, { kind: "dummy", name: "dm-0123456789ab" }, "Docker: an internal network ignores its parent");
    assert.equal(internal.internal, true);
    for (const mode of ["private", "vepa", "passthru", "bridge"]) assert.equal(parseLanConfig(macvlanKind, request({ parent: "eth0", macvlan_mode: mode })).mode, mode);
  });

  test("a mode not in the list: Docker's message", () => {
    invalid(() => parseLanConfig(macvlanKind, request({ parent: "eth0", macvlan_mode: "vxlan" })),
      /^requested macvlan mode 'vxlan' is not valid, 'bridge' mode is the macvlan driver default$/);
  });

  test("parent names a link cannot have, and an empty parent, are refused", () => {
    for (const bad of ["a b", "eth0/1", "x".repeat(16), "eth\"0", "."]) invalid(() => parseLanConfig(macvlanKind, request({ parent: bad })), /invalid -o parent=/);
    invalid(() => parseLanConfig(macvlanKind, request({ parent: "" })), /-o parent= needs an interface name/);
    invalid(() => parseLanConfig(macvlanKind, request({ parent: "..10" })), /no interface name before the VLAN id/);
  });

  test("VLAN ids out of 1–4094 are a problem to report if no such link exists (checked against the kernel)", () => {
    for (const name of ["eth0.0", "eth0.4095", "e.999999999999"]) {
      const p = parseParent("parent", name, false, "dm-x");
      assert.ok(p.kind === "named" && p.vlan !== undefined && "problem" in p.vlan, name);
      assert.match("problem" in (p.vlan ?? {}) ? (p.vlan as { problem: string }).problem : "", /vlan id must be between 1-4094/);
    }
    assert.deepEqual(parseParent("parent", "eth0.4094", false, "dm-x"), { kind: "named", name: "eth0.4094", vlan: { base: "eth0", vlanId: 4094 } });
    assert.deepEqual(parseParent("parent", "br.lan", false, "dm-x"), { kind: "named", name: "br.lan", vlan: undefined });
  });

  test("exclusive parents: VLAN sub-interfaces and dummies carry one network; a plain parent may carry several", () => {
    assert.equal(isExclusive(parseParent("parent", "eth0.10", false, "dm-x")), true);
    assert.equal(isExclusive(parseParent("parent", undefined, false, "dm-x")), true);
    assert.equal(isExclusive(parseParent("parent", "eth0", false, "dm-x")), false);
  });

  test("pools: IPv4 required unless DHCP (Docker's message); DHCP needs a parent", () => {
    invalid(() => parseLanConfig(macvlanKind, request({ parent: "eth0" }, { ipv4: [] })), /^ipv4 pool is empty$/);
    const placeholder = [{ addressSpace: "dhcp", pool: parsePrefix("0.0.0.0/0"), auxAddresses: new Map() }];
    invalid(() => parseLanConfig(macvlanKind, request({ parent: "eth0" }, { ipv4: placeholder })), /^ipv4 pool is empty$/);
    const dhcp = { options: new Map<string, string>() };
    const c = parseLanConfig(macvlanKind, request({ parent: "eth0" }, { ipv4: placeholder, dhcp }));
    assert.deepEqual(c.v4, [], "the placeholder is no subnet");
    assert.equal(c.dhcp, dhcp);
    invalid(() => parseLanConfig(macvlanKind, request({}, { ipv4: placeholder, dhcp })), /without a parent \(or internal\) cannot use DHCP/);
  });
});
