// This host's part in the cluster: liveness lease, and the compare-and-swap claims that keep global
// networks' names, pools, VNIs and addresses unique across hosts.

import { hostname } from "node:os";
import { conflict, isLibnetworkError, unavailable } from "../errors/index.js";
import type { Ephemeral, KVEntry, LeasingStore, TxnOp, WatchableStore } from "../store/index.js";
import type { ClusterHooks } from "./cluster-contract.js";
import {
  NODE_TTL_SECONDS, VNI_MAX, VNI_MIN, VXLANID_LIST_OPTION, clusterKeys, ipOfPrefix,
  type AddressClaim, type ClusterEndpoint, type ClusterNode,
} from "./cluster-keys.js";
import { errActiveEndpoints, errNetworkExists } from "./errors.js";
import type { EndpointRecord, NetworkRecord } from "./records.js";

export type ClusterStore = WatchableStore & LeasingStore;

const isMismatch = (err: unknown): boolean => isLibnetworkError(err) && err.code === "ERR_STORE_REVISION_MISMATCH";

function parseVnis(text: string): number[] {
  const vnis = text.split(",").map((v) => Number(v.trim()));
  if (vnis.some((v) => !Number.isInteger(v) || v < 1 || v > VNI_MAX)) {
    throw conflict("ERR_INVALID_VNI", `${VXLANID_LIST_OPTION} ${JSON.stringify(text)}: each VNI must be 1-${VNI_MAX}`);
  }
  return vnis;
}

export class ClusterAgent implements ClusterHooks {
  readonly node: string;
  readonly store: ClusterStore;
  #live: Ephemeral | undefined;
  /** networkId → ip → local pool ID, for addresses this host's IPAM holds because another host uses them. */
  readonly remoteHeld = new Map<string, Map<string, string>>();

  constructor(store: ClusterStore, advertiseAddress: string) {
    this.store = store;
    this.node = advertiseAddress;
  }

  /** Lists this host under nodes/ for as long as it lives (the lease). */
  async register(): Promise<void> {
    const value: ClusterNode = { address: this.node, hostname: hostname() };
    this.#live = await this.store.putEphemeral(clusterKeys.node(this.node), JSON.stringify(value), NODE_TTL_SECONDS);
  }

  async close(): Promise<void> {
    await this.#live?.close();
    this.#live = undefined;
  }

  async claimNetwork(record: NetworkRecord): Promise<NetworkRecord> {
    for (let attempt = 0; ; attempt++) {
      const given = record.options[VXLANID_LIST_OPTION];
      const vnis = given !== undefined ? parseVnis(given) : await this.#freeVnis(Math.max(1, record.ipam.v4Info.length));
      const claimed: NetworkRecord = { ...record, options: { ...record.options, [VXLANID_LIST_OPTION]: vnis.join(",") } };
      const owner = JSON.stringify(record.id);
      const pools = [...record.ipam.v4Info, ...record.ipam.v6Info].map((p) => p.pool);
      const ops: TxnOp[] = [
        { op: "put", key: clusterKeys.network(record.id), value: JSON.stringify(claimed), expectRevision: "absent" },
        { op: "put", key: clusterKeys.name(record.name), value: owner, expectRevision: "absent" },
        ...pools.map((p): TxnOp => ({ op: "put", key: clusterKeys.pool(p), value: owner, expectRevision: "absent" })),
        ...vnis.map((v): TxnOp => ({ op: "put", key: clusterKeys.vni(v), value: owner, expectRevision: "absent" })),
      ];
      try {
        await this.store.transaction(ops);
        return claimed;
      } catch (err) {
        if (!isMismatch(err)) throw err;
        if (await this.store.get(clusterKeys.name(record.name)) !== undefined) throw errNetworkExists(record.name);
        for (const p of pools) {
          const holder = await this.store.get(clusterKeys.pool(p));
          if (holder !== undefined) {
            const taken = conflict("ERR_IPAM_POOL_OVERLAP", `pool ${p} is in use by global network ${holder.value} (another host)`);
            throw Object.assign(taken, { pool: p });
          }
        }
        // Another host took a VNI we picked at the same moment: pick again.
        if (given !== undefined || attempt >= 8) throw conflict("ERR_INVALID_VNI", `VNI ${vnis.join(",")} is in use by another network`, err);
      }
    }
  }

  async publishNetwork(record: NetworkRecord): Promise<void> {
    const current = await this.store.get(clusterKeys.network(record.id));
    if (current === undefined) throw unavailable("ERR_CLUSTER_STORE", `global network ${record.name} vanished from the cluster store`);
    await this.store.put(clusterKeys.network(record.id), JSON.stringify(record), { expectRevision: current.revision });
  }

  async releaseNetwork(record: NetworkRecord): Promise<void> {
    const remote = (await this.store.list(clusterKeys.endpointsOf(record.id)))
      .map((e) => JSON.parse(e.value) as ClusterEndpoint).filter((e) => e.node !== this.node);
    if (remote.length > 0) throw errActiveEndpoints(record.name, record.id);
    const entry = await this.store.get(clusterKeys.network(record.id));
    if (entry === undefined) return;
    const stored = JSON.parse(entry.value) as NetworkRecord;
    const owned = async (key: string): Promise<TxnOp[]> => {
      const e = await this.store.get(key);
      return e !== undefined && e.value === JSON.stringify(record.id) ? [{ op: "delete", key, expectRevision: e.revision }] : [];
    };
    const vnis = stored.options[VXLANID_LIST_OPTION] === undefined ? [] : parseVnis(stored.options[VXLANID_LIST_OPTION]);
    const keys = [clusterKeys.name(stored.name), ...[...stored.ipam.v4Info, ...stored.ipam.v6Info].map((p) => clusterKeys.pool(p.pool)), ...vnis.map((v) => clusterKeys.vni(v))];
    const ops: TxnOp[] = [{ op: "delete", key: clusterKeys.network(record.id), expectRevision: entry.revision }];
    for (const k of keys) ops.push(...await owned(k));
    await this.store.transaction(ops);
    await this.store.deletePrefix(clusterKeys.addressesOf(record.id));
    await this.store.deletePrefix(clusterKeys.endpointsOf(record.id));
  }

  async claimAddress(networkId: string, ip: string, endpointId: string): Promise<boolean> {
    const claim: AddressClaim = { endpointId, node: this.node };
    try {
      await this.store.put(clusterKeys.address(networkId, ipOfPrefix(ip)), JSON.stringify(claim), { expectRevision: "absent" });
      return true;
    } catch (err) {
      if (isMismatch(err)) return false;
      throw err;
    }
  }

  async releaseAddress(networkId: string, ip: string): Promise<void> {
    const key = clusterKeys.address(networkId, ipOfPrefix(ip));
    const entry = await this.store.get(key);
    if (entry !== undefined && (JSON.parse(entry.value) as AddressClaim).node === this.node) await this.store.delete(key, { expectRevision: entry.revision });
  }

  async publishEndpoint(e: EndpointRecord): Promise<void> {
    const value: ClusterEndpoint = {
      id: e.id, networkId: e.networkId, name: e.name, aliases: e.aliases, node: this.node,
      ...(e.address === undefined ? {} : { address: e.address }),
      ...(e.addressIPv6 === undefined ? {} : { addressIPv6: e.addressIPv6 }),
      ...(e.macAddress === undefined ? {} : { macAddress: e.macAddress }),
    };
    await this.store.put(clusterKeys.endpoint(e.networkId, e.id), JSON.stringify(value));
  }

  async forgetEndpoint(e: EndpointRecord): Promise<void> {
    await this.store.delete(clusterKeys.endpoint(e.networkId, e.id));
  }

  holdRemote(networkId: string, ip: string, poolId: string): void {
    let held = this.remoteHeld.get(networkId);
    if (held === undefined) this.remoteHeld.set(networkId, held = new Map());
    held.set(ipOfPrefix(ip), poolId);
  }

  /** The lowest free VNIs; the claim's compare-and-swap settles races with other hosts. */
  async #freeVnis(count: number): Promise<number[]> {
    const used = new Set((await this.store.list(clusterKeys.vnis)).map((e: KVEntry) => Number(e.key.slice(clusterKeys.vnis.length))));
    const out: number[] = [];
    for (let v = VNI_MIN; v <= VNI_MAX && out.length < count; v++) if (!used.has(v)) out.push(v);
    if (out.length < count) throw unavailable("ERR_INVALID_VNI", "no free VXLAN IDs left in the cluster");
    return out;
  }
}
