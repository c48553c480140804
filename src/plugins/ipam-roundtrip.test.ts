// dnet's client driving dnet's server for IPAM: the IPAM conformance suite through the protocol (every
// call is an HTTP request to the default IPAM served on a unix socket), and the records a restart replays.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runIpamConformance } from "../ipam-api/conformance.js";
import { IpamLabels, type Ipam } from "../ipam-api/index.js";
import { MemoryStore } from "../store/index.js";
import { serveForTest, type ServedForTest } from "../testing/plugin-fixtures.js";
import { parseIp, parsePrefix } from "../types/index.js";
import { RemoteIpam } from "./remote-ipam.js";

const opened: ServedForTest[] = [];
after(async () => { for (const s of opened.splice(0)) await s.close(); });

async function remoteIpam(store = new MemoryStore()): Promise<{ ipam: Ipam; served: ServedForTest }> {
  const served = await serveForTest({ store });
  opened.push(served);
  const ipam = await served.loader.ipam(served.name);
  assert.ok(ipam instanceof RemoteIpam);
  return { ipam, served };
}

runIpamConformance("default IPAM through the plugin protocol", async () => (await remoteIpam()).ipam);

describe("remote IPAM round trip: what the served plugin records and replays", () => {
  test("answers Docker's capabilities: no MAC needed, no replay (it keeps its own records)", async () => {
    const { ipam } = await remoteIpam();
    assert.deepEqual(await ipam.capabilities(), { requiresMacAddress: false, requiresRequestReplay: false });
    assert.deepEqual(await ipam.getDefaultAddressSpaces(), { local: "LocalDefault", global: "GlobalDefault" });
  });

  test("a restarted server holds the same pools and addresses (from its records), and frees them on release", async () => {
    const store = new MemoryStore();
    const first = await remoteIpam(store);
    const auto = await first.ipam.requestPool({ addressSpace: "LocalDefault", v6: false });
    const fixed = await first.ipam.requestPool({ addressSpace: "LocalDefault", v6: false, pool: parsePrefix("10.231.0.0/24"), subPool: parsePrefix("10.231.0.128/25") });
    const gw = await first.ipam.requestAddress(fixed.poolId, undefined, { [IpamLabels.requestAddressType]: IpamLabels.gateway });
    const a = await first.ipam.requestAddress(fixed.poolId);
    await first.served.close();
    opened.splice(opened.indexOf(first.served), 1);

    const second = await remoteIpam(store);
    const again = await second.ipam.requestPool({ addressSpace: "LocalDefault", v6: false });
    assert.notEqual(again.poolId, auto.poolId, "the automatic pool is still held after the restart");
    await assert.rejects(second.ipam.requestPool({ addressSpace: "LocalDefault", v6: false, pool: parsePrefix("10.231.0.0/24") }), { kind: "conflict" });
    const next = await second.ipam.requestAddress(fixed.poolId);
    assert.ok(next.address !== undefined && a.address !== undefined && gw.address !== undefined);
    assert.notEqual(next.address.address, a.address.address, "a replayed address is not handed out again");
    assert.notEqual(next.address.address, gw.address.address, "the replayed gateway is not handed out again");
    await second.ipam.releaseAddress(fixed.poolId, parseIp("10.231.0.129"));
    for (const p of [auto.poolId, fixed.poolId, again.poolId]) await second.ipam.releasePool(p);
    assert.deepEqual((await store.list("plugin/")).map((e) => e.key), [], "releasing the pools leaves no record behind");
  });
});
