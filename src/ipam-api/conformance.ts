// The IPAM conformance suite: node:test cases every Ipam implementation (built-in or plugin) must pass.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import type { ErrorKind } from "../errors/index.js";
import { parsePrefix, prefixContainsIp, prefixFirst, prefixLast, prefixesOverlap } from "../types/index.js";
import type { IpAddress, IpPrefix } from "../types/index.js";
import type { Ipam, PoolGrant } from "./contract.js";
import { IpamLabels } from "./labels.js";

/** What an implementation claims to do; the cases for abilities it lacks are skipped, with the reason. */
export interface IpamConformanceProfile {
  /** Accepts explicit pools and sub-pools (the null IPAM refuses them). */
  readonly explicitPools: boolean;
  /** Hands out addresses and keeps pools apart (the null IPAM hands out none). */
  readonly addresses: boolean;
}

const FULL: IpamConformanceProfile = { explicitPools: true, addresses: true };

export type IpamFactory = () => Ipam | Promise<Ipam>;

async function rejectsWith(promise: Promise<unknown>, kind: ErrorKind): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isLibnetworkError(err), `expected a LibnetworkError, got ${String(err)}`);
    assert.equal(err.kind, kind, `expected kind ${kind}, got ${err.kind}: ${err.message}`);
    return true;
  });
}

function ip(pool: IpPrefix, offset: bigint): IpAddress {
  return { family: pool.family, value: prefixFirst(pool) + offset };
}

async function autoPool(ipam: Ipam): Promise<PoolGrant> {
  const { local } = await ipam.getDefaultAddressSpaces();
  return ipam.requestPool({ addressSpace: local, v6: false });
}

async function explicitPool(ipam: Ipam, cidr: string, range?: string): Promise<PoolGrant> {
  const { local } = await ipam.getDefaultAddressSpaces();
  const base = { addressSpace: local, pool: parsePrefix(cidr), v6: false };
  return ipam.requestPool(range === undefined ? base : { ...base, subPool: parsePrefix(range) });
}

/** Registers the suite under `describe(name)`; `makeIpam` must return a fresh, empty instance each call. */
export function runIpamConformance(name: string, makeIpam: IpamFactory, profile: IpamConformanceProfile = FULL): void {
  const noAddresses = profile.addresses ? false : "the implementation hands out no addresses";
  const noExplicit = profile.explicitPools ? false : "the implementation refuses explicit pools";
  const noBoth = noAddresses === false ? noExplicit : noAddresses;

  describe(`IPAM conformance: ${name}`, () => {
    registerBasics(makeIpam, profile);
    registerAddresses(makeIpam, noAddresses);
    registerExplicit(makeIpam, noExplicit, noBoth);
  });
}

function registerBasics(makeIpam: IpamFactory, profile: IpamConformanceProfile): void {
  test("names a local and a global default address space", async () => {
    const spaces = await (await makeIpam()).getDefaultAddressSpaces();
    assert.equal(typeof spaces.local, "string");
    assert.equal(typeof spaces.global, "string");
    assert.ok(spaces.local.length > 0 && spaces.global.length > 0);
  });

  test("reports capabilities as booleans", async () => {
    const caps = await (await makeIpam()).capabilities();
    assert.equal(typeof caps.requiresMacAddress, "boolean");
    assert.equal(typeof caps.requiresRequestReplay, "boolean");
  });

  test("gives an automatic IPv4 pool in the local space, host bits clear, and takes it back", async () => {
    const ipam = await makeIpam();
    const grant = await autoPool(ipam);
    assert.equal(typeof grant.poolId, "string");
    assert.ok(grant.poolId.length > 0);
    assert.equal(grant.pool.family, 4);
    assert.equal(grant.pool.address, prefixFirst(grant.pool));
    assert.equal(await ipam.releasePool(grant.poolId), undefined);
    const again = await autoPool(ipam);
    assert.equal(again.pool.family, 4);
  });

  test("rejects (never throws synchronously) with a LibnetworkError for an unknown pool id", async () => {
    const ipam = await makeIpam();
    const pending = ipam.requestAddress("no-such-pool");
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, (err: unknown) => isLibnetworkError(err));
  });

  test("keeps automatic pools of one space apart", { skip: profile.addresses ? false : "hands out no addresses" }, async () => {
    const ipam = await makeIpam();
    const a = await autoPool(ipam);
    const b = await autoPool(ipam);
    assert.notEqual(a.poolId, b.poolId);
    assert.ok(!prefixesOverlap(a.pool, b.pool), "two live pools overlap");
  });

  test("hands out no address when it manages none", { skip: profile.addresses ? "hands out addresses" : false }, async () => {
    const ipam = await makeIpam();
    const grant = await autoPool(ipam);
    assert.equal((await ipam.requestAddress(grant.poolId)).address, undefined);
    await ipam.releaseAddress(grant.poolId, ip(grant.pool, 1n));
    await ipam.releasePool(grant.poolId);
  });
}

function registerAddresses(makeIpam: IpamFactory, skip: string | false): void {
  test("hands out distinct addresses inside the pool with its prefix length", { skip }, async () => {
    const ipam = await makeIpam();
    const { poolId, pool } = await autoPool(ipam);
    const seen = new Set<bigint>();
    for (let i = 0; i < 20; i++) {
      const { address } = await ipam.requestAddress(poolId);
      assert.ok(address !== undefined);
      assert.equal(address.length, pool.length);
      assert.ok(prefixContainsIp(pool, { family: address.family, value: address.address }));
      assert.notEqual(address.address, prefixFirst(pool), "handed out the network address");
      assert.notEqual(address.address, prefixLast(pool), "handed out the broadcast address");
      assert.ok(!seen.has(address.address), "handed out one address twice");
      seen.add(address.address);
    }
  });

  test("never hands out one address twice to concurrent requests", { skip }, async () => {
    const ipam = await makeIpam();
    const { poolId } = await autoPool(ipam);
    const grants = await Promise.all(Array.from({ length: 50 }, () => ipam.requestAddress(poolId)));
    assert.equal(new Set(grants.map((g) => g.address?.address)).size, 50);
  });

  test("honours a preferred address, refuses it while taken, accepts it after release", { skip }, async () => {
    const ipam = await makeIpam();
    const { poolId, pool } = await autoPool(ipam);
    const wanted = ip(pool, 7n);
    assert.equal((await ipam.requestAddress(poolId, wanted)).address?.address, wanted.value);
    await rejectsWith(ipam.requestAddress(poolId, wanted), "conflict");
    await ipam.releaseAddress(poolId, wanted);
    assert.equal((await ipam.requestAddress(poolId, wanted)).address?.address, wanted.value);
  });

  test("refuses a preferred address outside the pool as invalid-argument", { skip }, async () => {
    const ipam = await makeIpam();
    const { poolId, pool } = await autoPool(ipam);
    await rejectsWith(ipam.requestAddress(poolId, { family: 4, value: prefixLast(pool) + 1n }), "invalid-argument");
  });

  test("answers a gateway request with an address of the pool", { skip }, async () => {
    const ipam = await makeIpam();
    const { poolId, pool } = await autoPool(ipam);
    const { address } = await ipam.requestAddress(poolId, undefined, { [IpamLabels.requestAddressType]: IpamLabels.gateway });
    assert.ok(address !== undefined && prefixContainsIp(pool, { family: 4, value: address.address }));
  });

  test("treats releasing a free address as a no-op", { skip }, async () => {
    const ipam = await makeIpam();
    const { poolId, pool } = await autoPool(ipam);
    await ipam.releaseAddress(poolId, ip(pool, 9n));
    assert.equal((await ipam.requestAddress(poolId, ip(pool, 9n))).address?.address, ip(pool, 9n).value);
  });
}

function registerExplicit(makeIpam: IpamFactory, skip: string | false, skipBoth: string | false): void {
  test("returns an explicit pool with host bits cleared", { skip }, async () => {
    const ipam = await makeIpam();
    const grant = await explicitPool(ipam, "10.201.7.9/24");
    assert.deepEqual(grant.pool, parsePrefix("10.201.7.0/24"));
  });

  test("refuses an explicit pool overlapping a live one as a conflict, until it is released", { skip }, async () => {
    const ipam = await makeIpam();
    const grant = await explicitPool(ipam, "10.202.0.0/16");
    await rejectsWith(explicitPool(ipam, "10.202.3.0/24"), "conflict");
    await rejectsWith(explicitPool(ipam, "10.0.0.0/8"), "conflict");
    await ipam.releasePool(grant.poolId);
    await explicitPool(ipam, "10.202.3.0/24");
  });

  test("refuses a sub-pool outside its pool as invalid-argument", { skip }, async () => {
    const ipam = await makeIpam();
    await rejectsWith(explicitPool(ipam, "10.203.0.0/24", "10.203.1.0/25"), "invalid-argument");
  });

  test("hands out sub-pool addresses from the sub-range only", { skip: skipBoth }, async () => {
    const ipam = await makeIpam();
    const { poolId } = await explicitPool(ipam, "10.204.0.0/24", "10.204.0.128/27");
    const range = parsePrefix("10.204.0.128/27");
    for (let i = 0; i < 31; i++) {
      const { address } = await ipam.requestAddress(poolId);
      assert.ok(address !== undefined && prefixContainsIp(range, { family: 4, value: address.address }));
    }
  });

  test("reports an exhausted pool as unavailable", { skip: skipBoth }, async () => {
    const ipam = await makeIpam();
    const { poolId } = await explicitPool(ipam, "10.205.0.0/30");
    await ipam.requestAddress(poolId);
    await ipam.requestAddress(poolId);
    await rejectsWith(ipam.requestAddress(poolId), "unavailable");
  });
}
