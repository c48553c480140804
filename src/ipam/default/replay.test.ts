// Rebuilding allocator state after a restart: replay of stored networks and endpoints, and snapshots.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { IpamErrorCodes, IpamLabels } from "../../ipam-api/index.js";
import { formatPrefix, ipOf, parseIp, parsePrefix } from "../../types/index.js";
import type { IpPrefix } from "../../types/index.js";
import { DefaultIpam, GLOBAL_ADDRESS_SPACE, LOCAL_ADDRESS_SPACE } from "./allocator.js";
import type { IpamSnapshot } from "./snapshot.js";

interface StoredNetwork {
  readonly space: string;
  readonly pool: IpPrefix;
  readonly range?: IpPrefix;
  readonly addresses: IpPrefix[];
}

const GATEWAY = { [IpamLabels.requestAddressType]: IpamLabels.gateway };

/** What a controller would have stored: three networks, one of them on a sub-range, with endpoints. */
async function populate(ipam: DefaultIpam): Promise<StoredNetwork[]> {
  const nets: StoredNetwork[] = [];
  const specs: { space: string; pool?: string; range?: string }[] = [
    { space: LOCAL_ADDRESS_SPACE },
    { space: LOCAL_ADDRESS_SPACE, pool: "10.99.0.0/24", range: "10.99.0.128/25" },
    { space: GLOBAL_ADDRESS_SPACE },
  ];
  for (const spec of specs) {
    const req = { addressSpace: spec.space, v6: false };
    const withPool = spec.pool === undefined ? req : { ...req, pool: parsePrefix(spec.pool) };
    const range = spec.range === undefined ? undefined : parsePrefix(spec.range);
    const grant = await ipam.requestPool(range === undefined ? withPool : { ...withPool, subPool: range });
    const addresses: IpPrefix[] = [];
    const gw = (await ipam.requestAddress(grant.poolId, undefined, GATEWAY)).address;
    if (gw !== undefined) addresses.push(gw);
    for (let i = 0; i < 5; i++) {
      const a = (await ipam.requestAddress(grant.poolId)).address;
      if (a !== undefined) addresses.push(a);
    }
    const first = addresses[1];
    if (first !== undefined) await ipam.releaseAddress(grant.poolId, ipOf(first));
    nets.push({ space: spec.space, pool: grant.pool, ...(range === undefined ? {} : { range }), addresses: addresses.filter((a) => a !== first) });
  }
  return nets;
}

/** The controller's reservePools: each pool as an explicit pool, then each stored address as preferred. */
async function replay(ipam: DefaultIpam, nets: readonly StoredNetwork[]): Promise<string[]> {
  const ids: string[] = [];
  for (const net of nets) {
    const req = { addressSpace: net.space, pool: net.pool, v6: false };
    const { poolId } = await ipam.requestPool(net.range === undefined ? req : { ...req, subPool: net.range });
    for (const a of net.addresses) await ipam.requestAddress(poolId, ipOf(a));
    ids.push(poolId);
  }
  return ids;
}

async function nextAddresses(ipam: DefaultIpam, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const a = (await ipam.requestAddress(id)).address;
    out.push(a === undefined ? "" : formatPrefix(a));
  }
  return out;
}

describe("default IPAM: replay after restart", () => {
  test("replaying stored pools and addresses gives the same ids and the same next addresses", async () => {
    const before = new DefaultIpam();
    const nets = await populate(before);
    const after = new DefaultIpam();
    const ids = await replay(after, nets);
    assert.deepEqual(ids, ["LocalDefault/172.17.0.0/16", "LocalDefault/10.99.0.0/24/10.99.0.128/25", "GlobalDefault/10.0.0.0/24"]);
    const next = await nextAddresses(after, ids);
    assert.deepEqual(next, await nextAddresses(before, ids));
    assert.deepEqual(next, ["172.17.0.2/16", "10.99.0.129/24", "10.0.0.2/24"], "the released address is free again");
  });

  test("a replayed address that is already allocated is refused (stored state disagrees)", async () => {
    const ipam = new DefaultIpam();
    const [net] = await populate(new DefaultIpam());
    assert.ok(net !== undefined);
    const [id] = await replay(ipam, [net]);
    const again = net.addresses[0];
    assert.ok(id !== undefined && again !== undefined);
    await assert.rejects(ipam.requestAddress(id, ipOf(again)), (e: unknown) => isLibnetworkError(e) && e.kind === "conflict");
  });
});

describe("default IPAM: snapshot and restore", () => {
  test("a restored allocator continues exactly where the original was, round-robin included", async () => {
    const before = new DefaultIpam();
    const nets = await populate(before);
    const json = JSON.stringify(before.snapshot());
    const after = new DefaultIpam();
    after.restore(JSON.parse(json) as IpamSnapshot);
    assert.deepEqual(after.snapshot(), before.snapshot());
    const ids = ["LocalDefault/172.17.0.0/16", "LocalDefault/10.99.0.0/24/10.99.0.128/25", "GlobalDefault/10.0.0.0/24"];
    assert.deepEqual(await nextAddresses(after, ids), await nextAddresses(before, ids));
    const nextPool = async (ipam: DefaultIpam): Promise<string> =>
      formatPrefix((await ipam.requestPool({ addressSpace: LOCAL_ADDRESS_SPACE, v6: false })).pool);
    assert.equal(await nextPool(after), await nextPool(before));
    assert.equal(nets.length, 3);
  });

  test("the snapshot of an empty /8 and /64 is small", async () => {
    const ipam = new DefaultIpam();
    await ipam.requestPool({ addressSpace: LOCAL_ADDRESS_SPACE, pool: parsePrefix("10.0.0.0/8"), v6: false });
    await ipam.requestPool({ addressSpace: LOCAL_ADDRESS_SPACE, pool: parsePrefix("fd00::/64"), v6: true });
    const bitmaps = ipam.snapshot().spaces[LOCAL_ADDRESS_SPACE]?.bitmaps ?? {};
    assert.ok((bitmaps["LocalDefault/10.0.0.0/8"]?.length ?? 99) <= 20);
    assert.ok((bitmaps["LocalDefault/fd00::/64"]?.length ?? 99) <= 20);
  });

  test("a bad snapshot is refused and changes nothing", async () => {
    const ipam = new DefaultIpam();
    const { poolId } = await ipam.requestPool({ addressSpace: LOCAL_ADDRESS_SPACE, pool: parsePrefix("10.99.0.0/24"), v6: false });
    await ipam.requestAddress(poolId, parseIp("10.99.0.9"));
    const good = ipam.snapshot();
    const local = good.spaces[LOCAL_ADDRESS_SPACE];
    assert.ok(local !== undefined);
    const other = new DefaultIpam();
    await other.requestPool({ addressSpace: LOCAL_ADDRESS_SPACE, pool: parsePrefix("10.99.0.0/16"), v6: false });
    const wide = other.snapshot().spaces[LOCAL_ADDRESS_SPACE]?.bitmaps["LocalDefault/10.99.0.0/16"] as string;
    const bad: unknown[] = [
      { version: 2, spaces: {} },
      { version: 1, spaces: { Other: local } },
      { version: 1, spaces: { [LOCAL_ADDRESS_SPACE]: { ...local, next: "-1" } } },
      { version: 1, spaces: { [LOCAL_ADDRESS_SPACE]: { ...local, pools: { "LocalDefault/10.99.0.1/24": 1 } } } },
      { version: 1, spaces: { [LOCAL_ADDRESS_SPACE]: { ...local, pools: { [poolId]: 0 } } } },
      { version: 1, spaces: { [LOCAL_ADDRESS_SPACE]: { ...local, bitmaps: {} } } },
      { version: 1, spaces: { [LOCAL_ADDRESS_SPACE]: { ...local, bitmaps: { [poolId]: "AAAA" } } } },
      { version: 1, spaces: { [LOCAL_ADDRESS_SPACE]: { ...local, pools: { [poolId]: 1, "LocalDefault/10.99.0.0/16": 1 },
        bitmaps: { ...local.bitmaps, "LocalDefault/10.99.0.0/16": wide } } } },
      { version: 1, spaces: { [LOCAL_ADDRESS_SPACE]: { ...local, pools: { [poolId]: 1, "LocalDefault/10.99.0.0/24/10.99.0.0/25": 1,
        "LocalDefault/10.99.0.0/24/10.99.0.128/25": 1 } } } },
    ];
    for (const snapshot of bad) {
      assert.throws(() => ipam.restore(snapshot as IpamSnapshot), (e: unknown) =>
        isLibnetworkError(e) && e.code === IpamErrorCodes.invalidSnapshot, JSON.stringify(snapshot));
    }
    assert.deepEqual(ipam.snapshot(), good);
  });
});
