// Unit tests of pool selection in the default IPAM: explicit, sub-pools, automatic, host prefixes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import type { ErrorKind } from "../../errors/index.js";
import { IpamErrorCodes } from "../../ipam-api/index.js";
import { formatPrefix, parsePrefix } from "../../types/index.js";
import type { IpPrefix } from "../../types/index.js";
import { DefaultIpam, GLOBAL_ADDRESS_SPACE, LOCAL_ADDRESS_SPACE } from "./allocator.js";
import type { DefaultIpamOptions } from "./allocator.js";
import { parseAddressPools } from "./pools.js";

const L = LOCAL_ADDRESS_SPACE;

async function pool(ipam: DefaultIpam, cidr?: string, range?: string, space = L): Promise<{ id: string; pool: string }> {
  const req = { addressSpace: space, v6: false };
  const withPool = cidr === undefined ? req : { ...req, pool: parsePrefix(cidr) };
  const grant = await ipam.requestPool(range === undefined ? withPool : { ...withPool, subPool: parsePrefix(range) });
  return { id: grant.poolId, pool: formatPrefix(grant.pool) };
}

async function auto(ipam: DefaultIpam, space = L): Promise<string> {
  return (await pool(ipam, undefined, undefined, space)).pool;
}

async function rejects(p: Promise<unknown>, kind: ErrorKind, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isLibnetworkError(e), String(e));
    assert.equal(e.kind, kind);
    assert.equal(e.code, code);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

function withHost(prefixes: string[], extra: DefaultIpamOptions = {}): DefaultIpam {
  return new DefaultIpam({ ...extra, hostPrefixes: async () => prefixes.map((p) => parsePrefix(p)) });
}

describe("default IPAM: address spaces and capabilities", () => {
  test("LocalDefault / GlobalDefault, replay required, no MAC needed", async () => {
    const ipam = new DefaultIpam();
    assert.deepEqual(await ipam.getDefaultAddressSpaces(), { local: "LocalDefault", global: "GlobalDefault" });
    assert.deepEqual(await ipam.capabilities(), { requiresMacAddress: false, requiresRequestReplay: true });
  });

  test("empty space is invalid; unknown spaces are not found (explicit) or have no defaults (automatic)", async () => {
    const ipam = new DefaultIpam();
    await rejects(ipam.requestPool({ addressSpace: "", v6: false }), "invalid-argument",
      IpamErrorCodes.invalidAddressSpace, "Invalid Address Space");
    await rejects(pool(ipam, "10.1.0.0/16", undefined, "Other"), "not-found", IpamErrorCodes.unknownAddressSpace,
      "cannot find address space Other (most likely the backing datastore is not configured)");
    await rejects(pool(ipam, undefined, undefined, "Other"), "not-implemented", IpamErrorCodes.notSupported,
      "no default pool available for non-default address spaces");
  });
});

describe("default IPAM: explicit pools", () => {
  test("pool id is AddressSpace/subnet and the pool has its host bits cleared", async () => {
    const ipam = new DefaultIpam();
    assert.deepEqual(await pool(ipam, "10.99.0.7/24"), { id: "LocalDefault/10.99.0.0/24", pool: "10.99.0.0/24" });
  });

  test("an equal, containing or contained pool in the same space is a conflict with Docker's message", async () => {
    const ipam = new DefaultIpam();
    await pool(ipam, "10.99.0.0/24");
    for (const cidr of ["10.99.0.0/24", "10.0.0.0/8", "10.99.0.128/25"]) {
      await rejects(pool(ipam, cidr), "conflict", IpamErrorCodes.poolOverlap, "Pool overlaps with other one on this address space");
    }
    await pool(ipam, "10.99.0.0/24", undefined, GLOBAL_ADDRESS_SPACE);
    await pool(ipam, "10.99.1.0/24");
  });

  test("explicit pools are not checked against host routes", async () => {
    const ipam = withHost(["10.99.0.0/16"]);
    assert.equal((await pool(ipam, "10.99.0.0/24")).pool, "10.99.0.0/24");
  });

  test("a released pool can be requested again; releasing it twice is ErrBadPool", async () => {
    const ipam = new DefaultIpam();
    const { id } = await pool(ipam, "10.99.0.0/24");
    await ipam.releasePool(id);
    await rejects(ipam.releasePool(id), "invalid-argument", IpamErrorCodes.badPool,
      "Address space does not contain specified address pool");
    await pool(ipam, "10.99.0.0/24");
    await rejects(ipam.releasePool("garbage"), "invalid-argument", IpamErrorCodes.invalidPoolId, "invalid pool id: garbage");
  });

  test("IPv6 pools of any length", async () => {
    const ipam = new DefaultIpam();
    for (const cidr of ["fd00:1::/64", "fd00:2::/48", "fd00:3::/120", "2001::/16"]) {
      assert.equal((await pool(ipam, cidr)).id, `LocalDefault/${cidr}`);
    }
  });

  test("malformed prefixes are refused as invalid pools", async () => {
    const ipam = new DefaultIpam();
    const bad = { family: 4, address: 1n << 40n, length: 24 } as IpPrefix;
    await rejects(ipam.requestPool({ addressSpace: L, pool: bad, v6: false }), "invalid-argument",
      IpamErrorCodes.invalidPool, "Invalid Address Pool");
  });
});

describe("default IPAM: sub-pools", () => {
  test("id is AddressSpace/subnet/range; the range must lie inside the pool", async () => {
    const ipam = new DefaultIpam();
    assert.deepEqual(await pool(ipam, "10.99.0.0/24", "10.99.0.128/25"),
      { id: "LocalDefault/10.99.0.0/24/10.99.0.128/25", pool: "10.99.0.0/24" });
    for (const range of ["10.99.1.0/25", "10.98.0.0/16", "fd00::/64"]) {
      await rejects(pool(ipam, "10.99.2.0/24", range), "invalid-argument", IpamErrorCodes.invalidSubPool, "Invalid Address SubPool");
    }
    await rejects(ipam.requestPool({ addressSpace: L, subPool: parsePrefix("10.99.0.0/25"), v6: false }),
      "invalid-argument", IpamErrorCodes.invalidSubPool, "Invalid Address SubPool");
  });

  test("sub-pools share a ref-counted master; the master goes with its last reference", async () => {
    const ipam = new DefaultIpam();
    const a = await pool(ipam, "10.99.0.0/24", "10.99.0.0/25");
    const b = await pool(ipam, "10.99.0.0/24", "10.99.0.128/25");
    await rejects(pool(ipam, "10.99.0.0/24", "10.99.0.128/25"), "conflict", IpamErrorCodes.poolOverlap,
      "Pool overlaps with other one on this address space");
    await rejects(pool(ipam, "10.99.0.0/16"), "conflict", IpamErrorCodes.poolOverlap, /overlaps/);
    await ipam.releasePool(a.id);
    await rejects(pool(ipam, "10.99.0.0/24"), "conflict", IpamErrorCodes.poolOverlap, /overlaps/);
    await ipam.releasePool(b.id);
    await pool(ipam, "10.99.0.0/24");
  });

  test("a sub-pool may join a master requested without a range", async () => {
    const ipam = new DefaultIpam();
    const master = await pool(ipam, "10.99.0.0/24");
    const child = await pool(ipam, "10.99.0.0/24", "10.99.0.64/26");
    await ipam.releasePool(master.id);
    const { address } = await ipam.requestAddress(child.id);
    assert.equal(address === undefined ? "" : formatPrefix(address), "10.99.0.64/24");
  });

  test("a new master for a sub-pool is still checked for overlaps", async () => {
    const ipam = new DefaultIpam();
    await pool(ipam, "10.99.0.0/16");
    await rejects(pool(ipam, "10.99.3.0/24", "10.99.3.0/25"), "conflict", IpamErrorCodes.poolOverlap, /overlaps/);
  });
});

describe("default IPAM: automatic pools", () => {
  test("local pools come in Docker's order", async () => {
    const ipam = new DefaultIpam();
    const got: string[] = [];
    for (let i = 0; i < 31; i++) got.push(await auto(ipam));
    assert.deepEqual(got.slice(0, 5), ["172.17.0.0/16", "172.18.0.0/16", "172.19.0.0/16", "172.20.0.0/16", "172.21.0.0/16"]);
    assert.deepEqual(got.slice(-2), ["192.168.224.0/20", "192.168.240.0/20"]);
    assert.equal(new Set(got).size, 31);
  });

  test("exhausted IPv4 defaults: Docker's message, unavailable", async () => {
    const ipam = new DefaultIpam();
    for (let i = 0; i < 31; i++) await auto(ipam);
    await rejects(auto(ipam), "unavailable", IpamErrorCodes.noAvailablePool,
      "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
  });

  test("round-robin: a freed pool is not reused until the list wraps", async () => {
    const ipam = new DefaultIpam({ localPools: parseAddressPools([{ base: "192.168.0.0/16", size: 20 }]) });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await pool(ipam)).id);
    await ipam.releasePool(ids[1] as string);
    assert.equal(await auto(ipam), "192.168.48.0/20", "after 192.168.32.0/20, not the freed .16");
    for (let i = 4; i < 16; i++) await auto(ipam);
    assert.equal(await auto(ipam), "192.168.16.0/20", "the freed pool once the list wraps");
  });

});

describe("default IPAM: automatic pools and the host", () => {
  test("skips pools overlapping explicit pools of the same space only", async () => {
    const ipam = new DefaultIpam();
    await pool(ipam, "172.17.5.0/24");
    await pool(ipam, "172.16.0.0/15", undefined, GLOBAL_ADDRESS_SPACE);
    assert.equal(await auto(ipam), "172.18.0.0/16");
  });

  test("skips pools overlapping host routes and addresses (docker0, a VPN), ignoring the default route", async () => {
    const ipam = withHost(["0.0.0.0/0", "172.17.0.1/16", "172.18.0.0/15", "172.20.9.0/24"]);
    assert.equal(await auto(ipam), "172.21.0.0/16");
    assert.equal(await auto(ipam), "172.22.0.0/16");
  });

  test("consults the host on every automatic local request, accepting a synchronous source", async () => {
    let host: string[] = [];
    let calls = 0;
    const ipam = new DefaultIpam({ hostPrefixes: () => { calls++; return host.map((p) => parsePrefix(p)); } });
    host = ["172.17.0.0/16"];
    assert.equal(await auto(ipam), "172.18.0.0/16");
    host = ["172.19.0.0/16"];
    assert.equal(await auto(ipam), "172.20.0.0/16");
    await pool(ipam, "10.1.0.0/16");
    await auto(ipam, GLOBAL_ADDRESS_SPACE);
    assert.equal(calls, 2, "neither explicit nor global requests ask the host");
  });

  test("a failing host source fails the request and changes nothing", async () => {
    const ipam = new DefaultIpam({ hostPrefixes: async () => { throw new Error("netlink down"); } });
    await rejects(auto(ipam), "internal", IpamErrorCodes.internal, "could not list the host's routes and addresses");
    assert.equal((await pool(ipam, "172.17.0.0/16")).pool, "172.17.0.0/16");
  });

});

describe("default IPAM: automatic global and IPv6 pools", () => {
  test("global pools are /24s of 10.0.0.0/8", async () => {
    const ipam = new DefaultIpam();
    assert.deepEqual(await pool(ipam, undefined, undefined, GLOBAL_ADDRESS_SPACE),
      { id: "GlobalDefault/10.0.0.0/24", pool: "10.0.0.0/24" });
    assert.equal(await auto(ipam, GLOBAL_ADDRESS_SPACE), "10.0.1.0/24");
  });

  test("a large pool is skipped past in one step", async () => {
    const ipam = new DefaultIpam();
    await pool(ipam, "10.0.0.0/9", undefined, GLOBAL_ADDRESS_SPACE);
    assert.equal(await auto(ipam, GLOBAL_ADDRESS_SPACE), "10.128.0.0/24");
  });

  test("IPv6 without configured defaults: Docker's not-found message", async () => {
    const ipam = new DefaultIpam();
    await rejects(ipam.requestPool({ addressSpace: L, v6: true }), "not-found", IpamErrorCodes.noDefaultPool,
      "could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network");
  });

  test("IPv6 from configured defaults, in order, skipping IPv4 entries", async () => {
    const localPools = parseAddressPools([{ base: "172.80.0.0/16", size: 24 }, { base: "fd00:9::/48", size: 64 }]);
    const ipam = new DefaultIpam({ localPools, hostPrefixes: () => [parsePrefix("fd00:9::/64")] });
    const v6 = async (): Promise<string> => formatPrefix((await ipam.requestPool({ addressSpace: L, v6: true })).pool);
    assert.equal(await v6(), "fd00:9:0:1::/64");
    assert.equal(await v6(), "fd00:9:0:2::/64");
    assert.equal(await auto(ipam), "172.80.0.0/24");
  });
});
