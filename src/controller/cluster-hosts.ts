// Hosts coming and going: the store's schema checked before a host joins, the records of a host whose
// lease expired removed from the store, and this host's own records put back in line after a restart.

import { conflict, isLibnetworkError } from "../errors/index.js";
import type { KVEntry } from "../store/index.js";
import type { ClusterAgent, ClusterStore } from "./cluster-agent.js";
import { CLUSTER_SCHEMA, clusterKeys, ipOfPrefix, type AddressClaim, type ClusterEndpoint, type ClusterVersion } from "./cluster-keys.js";
import type { ClusterLog } from "./cluster-contract.js";
import type { ControllerContext } from "./context.js";

const isMismatch = (err: unknown): boolean => isLibnetworkError(err) && err.code === "ERR_STORE_REVISION_MISMATCH";

function schemaOf(entry: KVEntry): number | undefined {
  try {
    const v = JSON.parse(entry.value) as Partial<ClusterVersion>;
    return typeof v.schema === "number" ? v.schema : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a store written by a dnet with another layout (before this host writes anything there); an
 * empty store is stamped with this one's. Another host stamping it at the same moment is fine.
 */
export async function checkClusterSchema(store: ClusterStore, address: string): Promise<void> {
  const mine: ClusterVersion = { schema: CLUSTER_SCHEMA };
  let entry = await store.get(clusterKeys.version);
  if (entry === undefined) {
    try {
      await store.put(clusterKeys.version, JSON.stringify(mine), { expectRevision: "absent" });
      return;
    } catch (err) {
      if (!isMismatch(err)) throw err;
      entry = await store.get(clusterKeys.version);
    }
  }
  const found = entry === undefined ? CLUSTER_SCHEMA : schemaOf(entry);
  if (found === CLUSTER_SCHEMA) return;
  throw conflict("ERR_CLUSTER_STORE_VERSION", `the cluster store at ${address} holds dnet data of schema ${found === undefined ? JSON.stringify(entry?.value) : found}; `
    + `this dnet reads schema ${CLUSTER_SCHEMA}: not joining (upgrade the hosts alike, or give this one another store)`);
}

/** Deletes one record unless it changed since it was read (its host came back and wrote it again). */
async function deleteIfUnchanged(store: ClusterStore, e: KVEntry): Promise<boolean> {
  try {
    return await store.delete(e.key, { expectRevision: e.revision });
  } catch (err) {
    if (isMismatch(err)) return false;
    throw err;
  }
}

function nodeOf(e: KVEntry): string | undefined {
  try {
    return (JSON.parse(e.value) as Partial<ClusterEndpoint | AddressClaim>).node;
  } catch {
    return undefined;
  }
}

/**
 * A host's lease expired: its endpoint records and address claims leave the store, so every host drops
 * its peers and names and its addresses can be handed out again. Every live host may do this at once;
 * the conditional deletes make that harmless. Nothing is deleted if the host is listed again.
 */
export async function reapHost(agent: ClusterAgent, address: string, log: ClusterLog): Promise<void> {
  if (address === agent.node || await agent.store.get(clusterKeys.node(address)) !== undefined) return;
  const records = [...await agent.store.list(clusterKeys.endpoints), ...await agent.store.list(clusterKeys.addresses)];
  let removed = 0;
  for (const e of records) if (nodeOf(e) === address && await deleteIfUnchanged(agent.store, e)) removed++;
  if (removed > 0) log(`host ${address} left the cluster (its lease expired): ${removed} of its records removed`);
}

/** Hosts that own records in the snapshot but hold no lease: they died while no host was watching. */
export function deadHosts(entries: readonly KVEntry[], self: string): string[] {
  const live = new Set(entries.filter((e) => e.key.startsWith(clusterKeys.nodes)).map((e) => e.key.slice(clusterKeys.nodes.length)));
  const owners = entries.filter((e) => e.key.startsWith(clusterKeys.endpoints) || e.key.startsWith(clusterKeys.addresses)).map(nodeOf);
  return [...new Set(owners)].filter((n): n is string => n !== undefined && n !== self && !live.has(n));
}

/**
 * After a restart (or after other hosts reaped this one): this host's endpoints on global networks are
 * published and their addresses claimed again; records of its endpoints that no longer exist are removed.
 */
export async function reconcileOwnRecords(ctx: ControllerContext, agent: ClusterAgent, entries: readonly KVEntry[], log: ClusterLog): Promise<void> {
  const own = entries.filter((e) => (e.key.startsWith(clusterKeys.endpoints) || e.key.startsWith(clusterKeys.addresses)) && nodeOf(e) === agent.node);
  const wanted = new Set<string>();
  for (const n of ctx.state.networks.values()) {
    if (n.record.scope !== "global" || n.record.state !== "ready") continue;
    for (const ep of ctx.state.endpointsOf(n.record.id)) {
      if (ep.state !== "ready") continue;
      wanted.add(clusterKeys.endpoint(ep.networkId, ep.id));
      if (!own.some((e) => e.key === clusterKeys.endpoint(ep.networkId, ep.id))) await agent.publishEndpoint(ep);
      for (const a of [ep.address, ep.addressIPv6]) {
        if (a === undefined) continue;
        wanted.add(clusterKeys.address(ep.networkId, ipOfPrefix(a)));
        if (own.some((e) => e.key === clusterKeys.address(ep.networkId, ipOfPrefix(a)))) continue;
        if (!await agent.claimAddress(ep.networkId, a, ep.id)) log(`address ${a} of endpoint ${ep.name} is claimed by another host: reconnect it`);
      }
    }
  }
  for (const e of own) if (!wanted.has(e.key)) await deleteIfUnchanged(agent.store, e);
}

/**
 * Hosts whose lease ended, each given one more TTL to come back before it is reaped: a daemon that stops
 * gracefully revokes its lease, and one restarting within that time keeps its peers programmed everywhere.
 */
export class HostDepartures {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #graceMs: number;

  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  leave(address: string, reap: () => void): void {
    this.back(address);
    this.#timers.set(address, setTimeout(() => {
      this.#timers.delete(address);
      reap();
    }, this.#graceMs));
  }

  back(address: string): void {
    clearTimeout(this.#timers.get(address));
    this.#timers.delete(address);
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
