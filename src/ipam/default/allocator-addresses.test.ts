// Unit tests of address allocation in the default IPAM: gateway, first-free, serial, preferred, ranges.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import type { ErrorKind } from "../../errors/index.js";
import { IpamErrorCodes, IpamLabels } from "../../ipam-api/index.js";
import type { IpamOptions } from "../../ipam-api/index.js";
import { formatPrefix, parseIp, parsePrefix } from "../../types/index.js";
import { DefaultIpam, LOCAL_ADDRESS_SPACE } from "./allocator.js";

const GATEWAY: IpamOptions = { [IpamLabels.requestAddressType]: IpamLabels.gateway };
const SERIAL: IpamOptions = { [IpamLabels.serial]: "true" };

async function setup(cidr: string, range?: string): Promise<{ ipam: DefaultIpam; id: string }> {
  const ipam = new DefaultIpam();
  const req = { addressSpace: LOCAL_ADDRESS_SPACE, pool: parsePrefix(cidr), v6: false };
  const grant = await ipam.requestPool(range === undefined ? req : { ...req, subPool: parsePrefix(range) });
  return { ipam, id: grant.poolId };
}

async function take(ipam: DefaultIpam, id: string, preferred?: string, options?: IpamOptions): Promise<string> {
  const { address } = await ipam.requestAddress(id, preferred === undefined ? undefined : parseIp(preferred), options);
  assert.ok(address !== undefined);
  return formatPrefix(address);
}

async function rejects(p: Promise<unknown>, kind: ErrorKind, code: string, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isLibnetworkError(e), String(e));
    assert.deepEqual([e.kind, e.code, e.message], [kind, code, message]);
    return true;
  });
}

const IN_USE = ["conflict", IpamErrorCodes.ipAlreadyAllocated, "Address already in use"] as const;
const OUT_OF_RANGE = ["invalid-argument", IpamErrorCodes.ipOutOfRange, "Requested address is out of range"] as const;
const NO_IPS = ["unavailable", IpamErrorCodes.noAvailableIps, "No available addresses on this pool"] as const;

describe("default IPAM: addresses", () => {
  test("the gateway is .1 and endpoints follow, with the pool's prefix length", async () => {
    const { ipam, id } = await setup("10.99.0.0/24");
    assert.equal(await take(ipam, id, undefined, GATEWAY), "10.99.0.1/24");
    assert.equal(await take(ipam, id), "10.99.0.2/24");
    assert.equal(await take(ipam, id), "10.99.0.3/24");
  });

  test("an IPv6 gateway is ::1", async () => {
    for (const cidr of ["fd00:1::/64", "fd00:2::/48", "fd00:3::/120", "2001:db8::/32"]) {
      const { ipam, id } = await setup(cidr);
      const prefix = parsePrefix(cidr);
      const expected = formatPrefix({ ...prefix, address: prefix.address + 1n });
      assert.equal(await take(ipam, id, undefined, GATEWAY), expected);
    }
  });

  test("a given gateway is taken as a preferred address", async () => {
    const { ipam, id } = await setup("10.99.0.0/24");
    assert.equal(await take(ipam, id, "10.99.0.254", GATEWAY), "10.99.0.254/24");
    assert.equal(await take(ipam, id), "10.99.0.1/24");
  });

  test("first free: a released address is reused at once", async () => {
    const { ipam, id } = await setup("10.99.0.0/24");
    for (let i = 0; i < 4; i++) await take(ipam, id);
    await ipam.releaseAddress(id, parseIp("10.99.0.2"));
    assert.equal(await take(ipam, id), "10.99.0.2/24");
  });

  test("serial: next after the last, wrapping", async () => {
    const { ipam, id } = await setup("10.99.0.0/29");
    assert.equal(await take(ipam, id, undefined, SERIAL), "10.99.0.1/29");
    assert.equal(await take(ipam, id, undefined, SERIAL), "10.99.0.2/29");
    await ipam.releaseAddress(id, parseIp("10.99.0.1"));
    assert.equal(await take(ipam, id, undefined, SERIAL), "10.99.0.3/29");
    for (const last of ["4", "5", "6"]) assert.equal(await take(ipam, id, undefined, SERIAL), `10.99.0.${last}/29`);
    assert.equal(await take(ipam, id, undefined, SERIAL), "10.99.0.1/29", "wraps, skipping network and broadcast");
    await rejects(ipam.requestAddress(id, undefined, SERIAL), ...NO_IPS);
  });

  test("serial only when the option is exactly \"true\"", async () => {
    const { ipam, id } = await setup("10.99.0.0/24");
    await take(ipam, id);
    await take(ipam, id);
    await ipam.releaseAddress(id, parseIp("10.99.0.1"));
    assert.equal(await take(ipam, id, undefined, { [IpamLabels.serial]: "1" }), "10.99.0.1/24");
  });

});

describe("default IPAM: preferred and reserved addresses", () => {
  test("preferred: honoured, out of range, already in use", async () => {
    const { ipam, id } = await setup("10.99.0.0/24");
    assert.equal(await take(ipam, id, "10.99.0.77"), "10.99.0.77/24");
    await rejects(ipam.requestAddress(id, parseIp("10.99.0.77")), ...IN_USE);
    await rejects(ipam.requestAddress(id, parseIp("10.99.1.1")), ...OUT_OF_RANGE);
    await rejects(ipam.requestAddress(id, parseIp("fd00::1")), ...OUT_OF_RANGE);
  });

  test("network and broadcast addresses are reserved and cannot be released", async () => {
    const { ipam, id } = await setup("10.99.0.0/24");
    await rejects(ipam.requestAddress(id, parseIp("10.99.0.0")), ...IN_USE);
    await rejects(ipam.requestAddress(id, parseIp("10.99.0.255")), ...IN_USE);
    await ipam.releaseAddress(id, parseIp("10.99.0.0"));
    await ipam.releaseAddress(id, parseIp("10.99.0.255"));
    await rejects(ipam.requestAddress(id, parseIp("10.99.0.0")), ...IN_USE);
    await rejects(ipam.releaseAddress(id, parseIp("10.99.1.0")), ...OUT_OF_RANGE);
  });

  test("IPv6: the subnet-router anycast (::0) is reserved, the last address is not", async () => {
    const { ipam, id } = await setup("fd00::/120");
    await rejects(ipam.requestAddress(id, parseIp("fd00::")), ...IN_USE);
    assert.equal(await take(ipam, id, "fd00::ff"), "fd00::ff/120");
  });

  test("/31 and /32 have no addresses: the gateway request fails as in Docker", async () => {
    for (const cidr of ["10.99.0.0/31", "10.99.0.7/32"]) {
      const { ipam, id } = await setup(cidr);
      await rejects(ipam.requestAddress(id, undefined, GATEWAY), ...NO_IPS);
      await rejects(ipam.requestAddress(id, parseIp(cidr.split("/")[0] as string)), ...NO_IPS);
    }
  });

});

describe("default IPAM: small pools, sub-ranges, large pools", () => {
  test("a /30 has two addresses", async () => {
    const { ipam, id } = await setup("10.99.0.0/30");
    assert.equal(await take(ipam, id), "10.99.0.1/30");
    assert.equal(await take(ipam, id), "10.99.0.2/30");
    await rejects(ipam.requestAddress(id), ...NO_IPS);
  });

  test("sub-range: automatic addresses inside the range, preferred and aux anywhere in the master", async () => {
    const { ipam, id } = await setup("10.99.0.0/24", "10.99.0.128/30");
    assert.equal(await take(ipam, id, "10.99.0.5"), "10.99.0.5/24", "aux outside the range is reserved");
    assert.equal(await take(ipam, id, undefined, GATEWAY), "10.99.0.128/24");
    for (const last of ["129", "130", "131"]) assert.equal(await take(ipam, id), `10.99.0.${last}/24`);
    await rejects(ipam.requestAddress(id), ...NO_IPS);
    await rejects(ipam.requestAddress(id, parseIp("10.99.0.5")), ...IN_USE);
    await ipam.releaseAddress(id, parseIp("10.99.0.130"));
    assert.equal(await take(ipam, id), "10.99.0.130/24");
  });

  test("sibling sub-ranges allocate from one master bitmap", async () => {
    const { ipam, id: a } = await setup("10.99.0.0/24", "10.99.0.0/25");
    const b = (await ipam.requestPool({
      addressSpace: LOCAL_ADDRESS_SPACE, pool: parsePrefix("10.99.0.0/24"), subPool: parsePrefix("10.99.0.128/25"), v6: false,
    })).poolId;
    assert.equal(await take(ipam, b, "10.99.0.1"), "10.99.0.1/24");
    assert.equal(await take(ipam, a), "10.99.0.2/24");
    assert.equal(await take(ipam, b), "10.99.0.128/24");
  });

  test("unknown pools: not found; malformed ids: invalid", async () => {
    const { ipam } = await setup("10.99.0.0/24");
    const missing = "LocalDefault/10.98.0.0/24";
    await rejects(ipam.requestAddress(missing), "not-found", IpamErrorCodes.poolNotFound,
      `cannot find address pool for poolID:${missing}`);
    await rejects(ipam.releaseAddress(missing, parseIp("10.98.0.1")), "not-found", IpamErrorCodes.poolNotFound,
      `cannot find address pool for poolID:${missing}`);
    await rejects(ipam.requestAddress("x/y"), "invalid-argument", IpamErrorCodes.invalidPoolId, "invalid pool id: x/y");
  });

  test("large pools: every address of a /8 and of a /32 is addressable, none aliases another", async () => {
    const v4 = await setup("10.0.0.0/8");
    assert.equal(await take(v4.ipam, v4.id, "10.255.255.254"), "10.255.255.254/8");
    const v6 = await setup("fd00:1::/32");
    // Docker keeps only the low 64 host bits, so fd00:1:0:1::1 and fd00:1::1 would share ordinal 1.
    assert.equal(await take(v6.ipam, v6.id, "fd00:1:0:1::1"), "fd00:1:0:1::1/32");
    assert.equal(await take(v6.ipam, v6.id, "fd00:1:ffff:ffff:ffff:ffff:ffff:ffff"), "fd00:1:ffff:ffff:ffff:ffff:ffff:ffff/32");
    assert.equal(await take(v6.ipam, v6.id), "fd00:1::1/32");
  });

  test("releasing a pool frees its addresses", async () => {
    const { ipam, id } = await setup("10.99.0.0/24");
    await take(ipam, id, "10.99.0.9");
    await ipam.releasePool(id);
    const again = (await ipam.requestPool({ addressSpace: LOCAL_ADDRESS_SPACE, pool: parsePrefix("10.99.0.0/24"), v6: false })).poolId;
    assert.equal(await take(ipam, again, "10.99.0.9"), "10.99.0.9/24");
  });
});
