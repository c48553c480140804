// The null IPAM: the conformance suite (without addresses or explicit pools) and Docker's refusals.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { runIpamConformance } from "../../ipam-api/conformance.js";
import { parseIp, parsePrefix } from "../../types/index.js";
import { NULL_POOL_ID, NullIpam } from "./null-ipam.js";

runIpamConformance("null", () => new NullIpam(), { explicitPools: false, addresses: false });

async function refuses(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => isLibnetworkError(e) && e.kind === "invalid-argument" && e.message === message);
}

describe("null IPAM", () => {
  test("space 'null', the one pool null/0.0.0.0/0, no capabilities", async () => {
    const ipam = new NullIpam();
    assert.deepEqual(await ipam.getDefaultAddressSpaces(), { local: "null", global: "null" });
    assert.deepEqual(await ipam.capabilities(), { requiresMacAddress: false, requiresRequestReplay: false });
    const grant = await ipam.requestPool({ addressSpace: "null", v6: false });
    assert.equal(grant.poolId, NULL_POOL_ID);
    assert.equal(grant.poolId, "null/0.0.0.0/0");
    assert.deepEqual(grant.pool, parsePrefix("0.0.0.0/0"));
    assert.deepEqual(await ipam.requestAddress(grant.poolId, parseIp("10.0.0.1")), { address: undefined, meta: {} });
    await ipam.releasePool(grant.poolId);
  });

  test("refuses what it cannot do, with Docker's messages", async () => {
    const ipam = new NullIpam();
    await refuses(ipam.requestPool({ addressSpace: "LocalDefault", v6: false }), "unknown address space: LocalDefault");
    await refuses(ipam.requestPool({ addressSpace: "null", pool: parsePrefix("10.0.0.0/8"), v6: false }),
      "null ipam driver does not handle specific address pool requests");
    await refuses(ipam.requestPool({ addressSpace: "null", subPool: parsePrefix("10.0.0.0/8"), v6: false }),
      "null ipam driver does not handle specific address subpool requests");
    await refuses(ipam.requestPool({ addressSpace: "null", v6: true }),
      "null ipam driver does not handle IPv6 address pool pool requests");
    await refuses(ipam.requestAddress("anypid"), "unknown pool id: anypid");
    await refuses(ipam.releaseAddress("anypid", parseIp("10.0.0.1")), "unknown pool id: anypid");
  });
});
