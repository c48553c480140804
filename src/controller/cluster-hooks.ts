// The cluster's steps inside network and endpoint operations: no-ops for local-scope networks, and a clear
// refusal for global ones while no cluster store is attached.

import { conflict, unavailable } from "../errors/index.js";
import type { Ipam } from "../ipam-api/index.js";
import type { IpAddress, IpFamily } from "../types/index.js";
import type { ClusterHooks } from "./cluster-contract.js";
import type { ControllerContext } from "./context.js";
import { allocateEndpointAddress, type EndpointAddress } from "./endpoint-ipam.js";
import { allocatePools, releasePools } from "./network-ipam.js";
import type { EndpointRecord, NetworkRecord } from "./records.js";
import type { Rollback } from "./steps.js";

/** Tries before giving up when every free address this host sees is already taken by other hosts. */
const ADDRESS_CLAIM_ATTEMPTS = 64;

function hooksFor(ctx: ControllerContext, network: NetworkRecord): ClusterHooks | undefined {
  if (network.scope !== "global") return undefined;
  const hooks = ctx.cluster.hooks;
  if (hooks === undefined) {
    throw unavailable("ERR_CLUSTER_STORE", `network ${network.name} is global-scope (driver ${network.driver}) and no cluster store is reachable (--cluster-store)`);
  }
  return hooks;
}

/** Where a network's automatic pools come from, to pick another when another host took one first. */
export interface PoolSource {
  readonly ipam: Ipam;
  readonly addressSpace: string;
}

/**
 * Claims name, pools and VNIs across the cluster; answers the record with its VNIs. An automatic pool
 * another host claimed at the same moment is swapped for the next free one (a configured subnet is not).
 */
export async function claimGlobalNetwork(ctx: ControllerContext, record: NetworkRecord, rollback: Rollback, source: PoolSource): Promise<NetworkRecord> {
  const hooks = hooksFor(ctx, record);
  if (hooks === undefined) return record;
  let current = record;
  for (let attempt = 0; ; attempt++) {
    try {
      const claimed = await hooks.claimNetwork(current);
      rollback.push("release cluster claims", () => hooks.releaseNetwork(claimed));
      return claimed;
    } catch (err) {
      const taken = (err as { pool?: string }).pool;
      const index = current.ipam.v4Info.findIndex((p) => p.pool === taken);
      if (taken === undefined || index < 0 || current.ipam.v4[index]?.subnet !== undefined || attempt >= POOL_CLAIM_ATTEMPTS) throw err;
      current = await swapPool(current, index, source, rollback);
    }
  }
}

const POOL_CLAIM_ATTEMPTS = 16;

/** Takes the next free pool while still holding the taken one (so the IPAM cannot answer it again), then lets that go. */
async function swapPool(record: NetworkRecord, index: number, source: PoolSource, rollback: Rollback): Promise<NetworkRecord> {
  const old = record.ipam.v4Info[index]!;
  const [fresh] = await allocatePools({ ...source, family: 4, configs: [], options: record.ipam.options, wantGateway: old.gateway !== undefined }, rollback);
  await releasePools(source.ipam, [old]);
  const v4Info = record.ipam.v4Info.map((p, i) => (i === index ? fresh! : p));
  return { ...record, ipam: { ...record.ipam, v4Info } };
}

export async function publishGlobalNetwork(ctx: ControllerContext, record: NetworkRecord): Promise<void> {
  await hooksFor(ctx, record)?.publishNetwork(record);
}

/** Before a global network is deleted here: refused while other hosts use it, then gone everywhere. */
export async function releaseGlobalNetwork(ctx: ControllerContext, record: NetworkRecord): Promise<void> {
  await hooksFor(ctx, record)?.releaseNetwork(record);
}

/** The endpoint IPAM, plus a cluster-wide claim per address on global networks. */
export async function allocateGlobalAddress(
  ctx: ControllerContext, endpointId: string, ipam: Ipam, network: NetworkRecord, family: IpFamily,
  preferred: IpAddress | undefined, options: Readonly<Record<string, string>>, rollback: Rollback,
): Promise<EndpointAddress | undefined> {
  const hooks = hooksFor(ctx, network);
  for (let attempt = 0; attempt < ADDRESS_CLAIM_ATTEMPTS; attempt++) {
    const a = await allocateEndpointAddress(ipam, network, family, preferred, options, rollback);
    if (hooks === undefined || a === undefined) return a;
    if (await hooks.claimAddress(network.id, a.address, endpointId)) {
      rollback.push(`release claim ${a.address}`, () => hooks.releaseAddress(network.id, a.address));
      return a;
    }
    // Another host uses it: this host's IPAM keeps it, so it is not handed out again.
    hooks.holdRemote(network.id, a.address, a.poolId);
    if (preferred !== undefined) throw conflict("ERR_IPAM_IP_ALREADY_ALLOCATED", `address ${a.address} is in use on another host`);
  }
  throw unavailable("ERR_NO_AVAILABLE_ADDRESS", `no address of network ${network.name} is free across the cluster`);
}

export async function publishGlobalEndpoint(ctx: ControllerContext, network: NetworkRecord, ep: EndpointRecord, rollback: Rollback): Promise<void> {
  const hooks = hooksFor(ctx, network);
  if (hooks === undefined) return;
  await hooks.publishEndpoint(ep);
  rollback.push("forget endpoint in cluster", () => hooks.forgetEndpoint(ep));
}

/** After a global endpoint is gone here: its record and address claims leave the cluster. */
export async function releaseGlobalEndpoint(ctx: ControllerContext, network: NetworkRecord, ep: EndpointRecord): Promise<void> {
  const hooks = hooksFor(ctx, network);
  if (hooks === undefined) return;
  await hooks.forgetEndpoint(ep);
  for (const a of [ep.address, ep.addressIPv6]) if (a !== undefined) await hooks.releaseAddress(network.id, a);
}
