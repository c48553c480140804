// Option parsing of ipvlan networks (no root): modes, flags, the di- dummy, and DHCP only in l2.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CreateNetworkRequest } from "../../driver-api/index.js";
import { isLibnetworkError } from "../../errors/index.js";
import { parsePrefix } from "../../types/index.js";
import { parseLanConfig } from "../lan/config.js";
import { ipvlanKind } from "./driver.js";

function request(options: Record<string, string>, dhcp = false): CreateNetworkRequest {
  const pool = dhcp ? parsePrefix("0.0.0.0/0") : parsePrefix("10.1.0.0/24");
  return {
    networkId: "fedcba9876543210fedcba9876543210", options: new Map(Object.entries(options)), internal: false, enableIPv6: false,
    ipv4: [{ addressSpace: "x", pool, auxAddresses: new Map() }], ipv6: [], ...(dhcp ? { dhcp: { options: new Map() } } : {}),
  };
}

function invalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => isLibnetworkError(e) && e.kind === "invalid-argument" && message.test(e.message));
}

describe("ipvlan options", () => {
  test("defaults l2 + bridge; every mode and flag; layer 3 routes on the link", () => {
    const c = parseLanConfig(ipvlanKind, request({ parent: "eth0" }));
    assert.deepEqual(c.mode, { mode: "l2", flag: "bridge" });
    assert.equal(ipvlanKind.routedOnLink(c.mode), false);
    for (const mode of ["l2", "l3", "l3s"] as const) {
      for (const flag of ["bridge", "private", "vepa"] as const) {
        const m = parseLanConfig(ipvlanKind, request({ parent: "eth0", ipvlan_mode: mode, ipvlan_flag: flag })).mode;
        assert.deepEqual(m, { mode, flag });
        assert.equal(ipvlanKind.routedOnLink(m), mode !== "l2");
      }
    }
    assert.deepEqual(parseLanConfig(ipvlanKind, request({})).parent, { kind: "dummy", name: "di-fedcba987654" });
  });

  test("modes and flags not in the list: Docker's messages", () => {
    invalid(() => parseLanConfig(ipvlanKind, request({ parent: "eth0", ipvlan_mode: "l4" })), /^requested ipvlan mode 'l4' is not valid, 'l2' mode is the ipvlan driver default$/);
    invalid(() => parseLanConfig(ipvlanKind, request({ parent: "eth0", ipvlan_flag: "bridged" })), /^requested ipvlan flag 'bridged' is not valid, 'bridge' is the ipvlan driver default$/);
  });

  test("DHCP only in l2: a layer 3 ipvlan forwards no broadcast", () => {
    assert.deepEqual(parseLanConfig(ipvlanKind, request({ parent: "eth0" }, true)).mode, { mode: "l2", flag: "bridge" });
    for (const mode of ["l3", "l3s"]) invalid(() => parseLanConfig(ipvlanKind, request({ parent: "eth0", ipvlan_mode: mode }, true)), new RegExp(`ipvlan_mode=${mode} cannot use DHCP`));
  });
});
