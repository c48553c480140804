// The dhcp IPAM: the conformance suite (no addresses, no explicit pools) and what it refuses, and why.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { IpamLabels } from "../../ipam-api/index.js";
import { runIpamConformance } from "../../ipam-api/conformance.js";
import { parseIp, parsePrefix } from "../../types/index.js";
import { DHCP_POOL_ID, DhcpIpam } from "./ipam.js";

runIpamConformance("dhcp", () => new DhcpIpam(), { explicitPools: false, addresses: false });

async function refuses(p: Promise<unknown>, kind: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => isLibnetworkError(e) && e.kind === kind && message.test(e.message));
}

describe("dhcp IPAM", () => {
  test("declares dhcp; one placeholder pool, also when replayed explicitly after a restart; no addresses", async () => {
    const ipam = new DhcpIpam();
    assert.deepEqual(await ipam.capabilities(), { requiresMacAddress: false, requiresRequestReplay: false, dhcp: true });
    const grant = await ipam.requestPool({ addressSpace: "dhcp", v6: false });
    assert.equal(grant.poolId, DHCP_POOL_ID);
    assert.deepEqual(grant.pool, parsePrefix("0.0.0.0/0"));
    assert.equal((await ipam.requestPool({ addressSpace: "dhcp", pool: parsePrefix("0.0.0.0/0"), v6: false })).poolId, DHCP_POOL_ID);
    assert.deepEqual(await ipam.requestAddress(grant.poolId), { address: undefined, meta: {} });
    assert.deepEqual(await ipam.requestAddress(grant.poolId, undefined, { [IpamLabels.requestAddressType]: IpamLabels.gateway }), { address: undefined, meta: {} });
  });

  test("refuses subnets, ranges, chosen addresses and gateways, IPv6, and bad options", async () => {
    const ipam = new DhcpIpam();
    await refuses(ipam.requestPool({ addressSpace: "dhcp", pool: parsePrefix("192.168.1.0/24"), v6: false }), "invalid-argument", /takes no subnet/);
    await refuses(ipam.requestPool({ addressSpace: "dhcp", subPool: parsePrefix("192.168.1.0/25"), v6: false }), "invalid-argument", /takes no subnet/);
    await refuses(ipam.requestPool({ addressSpace: "dhcp", v6: true }), "not-implemented", /DHCPv6/);
    await refuses(ipam.requestPool({ addressSpace: "dhcp", v6: false, options: { dhcp_timeout: "x" } }), "invalid-argument", /dhcp_timeout/);
    await refuses(ipam.requestPool({ addressSpace: "dhcp", v6: false, options: { nope: "1" } }), "invalid-argument", /unknown option "nope"/);
    await refuses(ipam.requestAddress(DHCP_POOL_ID, parseIp("192.168.1.5")), "invalid-argument", /chosen address/);
    await refuses(ipam.requestAddress(DHCP_POOL_ID, parseIp("192.168.1.1"), { [IpamLabels.requestAddressType]: IpamLabels.gateway }), "invalid-argument", /chosen gateway/);
    assert.equal((await ipam.requestPool({ addressSpace: "dhcp", v6: false, options: { dhcp_timeout: "2.5" } })).poolId, DHCP_POOL_ID);
  });
});
