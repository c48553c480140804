// Follows the cluster store: global networks created on other hosts are created here (same ID, pools and
// VNIs), deleted ones removed; addresses other hosts claim are held in this host's IPAM.

import type { StoreWatch, WatchEvent } from "../store/index.js";
import { parseIp, parsePrefix, prefixContainsIp } from "../types/index.js";
import type { ClusterAgent } from "./cluster-agent.js";
import { clusterKeys, type AddressClaim } from "./cluster-keys.js";
import { RemoteEndpoints } from "./cluster-peers.js";
import { driverOf, ipamOf, lockKeys, type ControllerContext } from "./context.js";
import { syncNetwork } from "./dns-sync.js";
import { driverRequest } from "./network-create.js";
import { finishNetworkDelete } from "./network-delete.js";
import { releasePools, replayPools } from "./network-ipam.js";
import type { NetworkRecord } from "./records.js";

export type ClusterLog = (message: string) => void;

/** Creates here a global network another host made (no-op when it exists or is not ready yet). */
async function adoptNetwork(ctx: ControllerContext, record: NetworkRecord, log: ClusterLog): Promise<void> {
  if (record.state !== "ready") return;
  await ctx.locks.run([lockKeys.networkNames, lockKeys.network(record.id)], async () => {
    if (ctx.state.network(record.id) !== undefined) return;
    if ([...ctx.state.networks.values()].some((n) => n.record.name === record.name)) {
      log(`global network ${record.name} (${record.id}) not created here: a local network has that name`);
      return;
    }
    const driver = await driverOf(ctx, record.driver);
    const ipam = await ipamOf(ctx, record.ipam.driver);
    const space = (await ipam.getDefaultAddressSpaces())[record.scope];
    const o = record.ipam.options;
    const v4Info = await replayPools(ipam, space, 4, record.ipam.v4, record.ipam.v4Info, o);
    const v6Info = await replayPools(ipam, space, 6, record.ipam.v6, record.ipam.v6Info, o);
    const local: NetworkRecord = { ...record, ipam: { ...record.ipam, v4Info, v6Info } };
    try {
      await driver.createNetwork(driverRequest(local, space, (await ipam.capabilities()).dhcp === true));
    } catch (err) {
      await releasePools(ipam, [...v4Info, ...v6Info]);
      throw err;
    }
    await ctx.state.putNetwork(local);
    syncNetwork(ctx, local);
    log(`global network ${record.name} (${record.id}) created here`);
  });
}

/** Removes here a global network deleted elsewhere, unless endpoints here still use it. */
async function forgetNetwork(ctx: ControllerContext, agent: ClusterAgent, id: string, log: ClusterLog): Promise<void> {
  await ctx.locks.run([lockKeys.networkNames, lockKeys.network(id)], async () => {
    const record = ctx.state.network(id);
    if (record === undefined || record.scope !== "global" || record.state !== "ready") return;
    if (ctx.state.endpointsOf(id).length > 0) {
      log(`global network ${record.name} was deleted elsewhere but has endpoints here: kept`);
      return;
    }
    const ipam = await ipamOf(ctx, record.ipam.driver);
    for (const [ip, poolId] of agent.remoteHeld.get(id) ?? []) await ipam.releaseAddress(poolId, parseIp(ip)).catch(() => undefined);
    agent.remoteHeld.delete(id);
    await finishNetworkDelete(ctx, record, true);
    log(`global network ${record.name} (${id}) removed here`);
  });
}

/** Another host's address claim: this host's IPAM holds the address so it never hands it out. */
async function holdAddress(ctx: ControllerContext, agent: ClusterAgent, networkId: string, ip: string, claim: AddressClaim): Promise<void> {
  if (claim.node === agent.node) return;
  const network = ctx.state.network(networkId);
  if (network === undefined) return;
  const address = parseIp(ip);
  const pool = [...network.ipam.v4Info, ...network.ipam.v6Info].find((p) => prefixContainsIp(parsePrefix(p.pool), address));
  if (pool === undefined || agent.remoteHeld.get(networkId)?.has(ip) === true) return;
  try {
    await (await ipamOf(ctx, network.ipam.driver)).requestAddress(pool.poolId, address);
    agent.holdRemote(networkId, ip, pool.poolId);
  } catch {
    // Already allocated here (the gateway, or an endpoint whose own claim will fail and move on).
  }
}

async function releaseHeld(ctx: ControllerContext, agent: ClusterAgent, networkId: string, ip: string): Promise<void> {
  const poolId = agent.remoteHeld.get(networkId)?.get(ip);
  const network = ctx.state.network(networkId);
  if (poolId === undefined || network === undefined) return;
  agent.remoteHeld.get(networkId)?.delete(ip);
  await (await ipamOf(ctx, network.ipam.driver)).releaseAddress(poolId, parseIp(ip)).catch(() => undefined);
}

function onEvent(ctx: ControllerContext, agent: ClusterAgent, remote: RemoteEndpoints, log: ClusterLog, e: WatchEvent): Promise<void> {
  const rest = e.key.split("/");
  if (rest[0] === "endpoints") return e.type === "put" ? remote.put(ctx, e.key, e.value) : remote.delete(ctx, e.key);
  if (rest[0] === "networks" && rest[1] !== undefined) {
    return e.type === "put" ? adoptNetwork(ctx, JSON.parse(e.value) as NetworkRecord, log) : forgetNetwork(ctx, agent, rest[1], log);
  }
  if (rest[0] === "addresses" && rest[1] !== undefined && rest[2] !== undefined) {
    return e.type === "put" ? holdAddress(ctx, agent, rest[1], rest[2], JSON.parse(e.value) as AddressClaim) : releaseHeld(ctx, agent, rest[1], rest[2]);
  }
  return Promise.resolve();
}

/**
 * Brings this host in line with the cluster store (networks created or deleted while it was away), then
 * follows it. Events are handled one at a time, in revision order.
 */
export async function followCluster(ctx: ControllerContext, agent: ClusterAgent, log: ClusterLog): Promise<StoreWatch> {
  const snap = await agent.store.snapshot("");
  const remote = new RemoteEndpoints(agent.node);
  let queue = Promise.resolve();
  const handle = (e: WatchEvent): void => {
    queue = queue.then(() => onEvent(ctx, agent, remote, log, e)).catch((err: unknown) => log(`cluster event ${e.type} ${e.key}: ${String(err)}`));
  };
  const known = new Set(snap.entries.filter((e) => e.key.startsWith(clusterKeys.networks)).map((e) => e.key.slice(clusterKeys.networks.length)));
  for (const n of [...ctx.state.networks.values()]) {
    if (n.record.scope === "global" && !known.has(n.record.id)) handle({ type: "delete", key: clusterKeys.network(n.record.id), revision: snap.revision });
  }
  // Networks first: the addresses and endpoints under them only make sense once a network exists here.
  const rank = (key: string): number => ["networks/", "addresses/", "endpoints/"].findIndex((p) => key.startsWith(p)) >>> 0;
  const ordered = [...snap.entries].sort((a, b) => rank(a.key) - rank(b.key));
  for (const e of ordered) handle({ type: "put", key: e.key, value: e.value, revision: e.revision });
  const watch = await agent.store.watch("", snap.revision, handle);
  return { close: async () => { await watch.close(); await queue; } };
}
