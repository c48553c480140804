// Unit tests of the default pools, their configuration and the pool-id format.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { IpamErrorCodes } from "../../ipam-api/index.js";
import { formatPrefix, parsePrefix } from "../../types/index.js";
import type { IpPrefix } from "../../types/index.js";
import { formatPoolId, parsePoolId } from "./pool-id.js";
import { GLOBAL_DEFAULT_POOLS, LOCAL_DEFAULT_POOLS, parseAddressPools, PredefinedPools } from "./pools.js";

function list(pools: PredefinedPools): string[] {
  const out: string[] = [];
  for (let i = 0n; i < pools.total; i++) out.push(formatPrefix(pools.at(i)));
  return out;
}

describe("default pools", () => {
  test("local: Docker's 31 pools in Docker's order", () => {
    const expected = [
      "172.17.0.0/16", "172.18.0.0/16", "172.19.0.0/16",
      "172.20.0.0/16", "172.21.0.0/16", "172.22.0.0/16", "172.23.0.0/16",
      "172.24.0.0/16", "172.25.0.0/16", "172.26.0.0/16", "172.27.0.0/16",
      "172.28.0.0/16", "172.29.0.0/16", "172.30.0.0/16", "172.31.0.0/16",
      ...Array.from({ length: 16 }, (_, i) => `192.168.${i * 16}.0/20`),
    ];
    assert.deepEqual(list(new PredefinedPools(LOCAL_DEFAULT_POOLS)), expected);
  });

  test("global: 10.0.0.0/8 in 65,536 /24s", () => {
    const pools = new PredefinedPools(GLOBAL_DEFAULT_POOLS);
    assert.equal(pools.total, 65536n);
    assert.equal(formatPrefix(pools.at(0n)), "10.0.0.0/24");
    assert.equal(formatPrefix(pools.at(1n)), "10.0.1.0/24");
    assert.equal(formatPrefix(pools.at(65535n)), "10.255.255.0/24");
  });

});

describe("default pool configuration", () => {
  test("configuration: base split by size, host bits of the base ignored, IPv6 allowed", () => {
    const pools = parseAddressPools([{ base: "10.10.0.1/16", size: 24 }, { base: "fd00:1::/48", size: 64 }]);
    assert.equal(pools.total, 256n + 65536n);
    assert.equal(formatPrefix(pools.at(255n)), "10.10.255.0/24");
    assert.equal(formatPrefix(pools.at(257n)), "fd00:1:0:1::/64");
    assert.ok(pools.hasFamily(6));
    assert.ok(!new PredefinedPools(LOCAL_DEFAULT_POOLS).hasFamily(6));
  });

  test("configuration is validated with Docker's messages", () => {
    const cases: [string, number, string][] = [
      ["10.0.0.0", 24, 'invalid base pool "10.0.0.0": invalid CIDR address: 10.0.0.0'],
      ["10.0.0.0/8", 0, "invalid pools size: 0"],
      ["10.0.0.0/16", 8, "invalid pools size: 8"],
      ["10.0.0.0/16", 33, "invalid pools size: 33"],
      ["10.0.0.0/16", 24.5, "invalid pools size: 24.5"],
    ];
    for (const [base, size, message] of cases) {
      assert.throws(() => parseAddressPools([{ base, size }]), (e: unknown) =>
        isLibnetworkError(e) && e.kind === "invalid-argument" && e.code === IpamErrorCodes.invalidPoolConfig &&
        e.message === message);
    }
  });

  test("size equal to the base length gives the base itself", () => {
    assert.deepEqual(list(parseAddressPools([{ base: "10.9.0.0/16", size: 16 }])), ["10.9.0.0/16"]);
  });

  test("find skips every candidate a large blocker covers in one step", () => {
    const pools = parseAddressPools([{ base: "fd00::/16", size: 64 }]);
    const blocker = parsePrefix("fd00::/17");
    let calls = 0;
    const index = pools.find(0n, pools.total, 6, (c: IpPrefix) => {
      calls++;
      return c.address < blocker.address + (1n << 111n) ? blocker : undefined;
    });
    assert.equal(index, 1n << 47n);
    assert.equal(calls, 2);
    assert.equal(pools.find(0n, pools.total, 4, () => undefined), undefined, "no IPv4 pool");
  });
});

describe("pool ids", () => {
  test("AddressSpace/subnet[/childSubnet], as Docker writes them", () => {
    const subnet = parsePrefix("10.99.0.0/24");
    const child = parsePrefix("10.99.0.128/25");
    assert.equal(formatPoolId({ space: "LocalDefault", subnet }), "LocalDefault/10.99.0.0/24");
    assert.equal(formatPoolId({ space: "LocalDefault", subnet, child }), "LocalDefault/10.99.0.0/24/10.99.0.128/25");
    assert.equal(formatPoolId({ space: "GlobalDefault", subnet: parsePrefix("fd00::/64") }), "GlobalDefault/fd00::/64");
    assert.deepEqual(parsePoolId("LocalDefault/10.99.0.0/24/10.99.0.128/25"), { space: "LocalDefault", subnet, child });
  });

  test("refuses malformed and non-canonical ids", () => {
    for (const id of ["", "LocalDefault", "LocalDefault/10.0.0.0", "/10.0.0.0/24", "LocalDefault/10.0.0.1/24",
      "LocalDefault/10.0.0.0/24/10.0.1.0/25", "LocalDefault/10.0.0.0/24/x", "LocalDefault/fd00:0::/64"]) {
      assert.throws(() => parsePoolId(id), (e: unknown) =>
        isLibnetworkError(e) && e.code === IpamErrorCodes.invalidPoolId && e.message === `invalid pool id: ${id}`, id);
    }
  });
});
