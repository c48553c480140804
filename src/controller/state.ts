// The controller's in-memory copy of its records, written through to the store with compare-and-swap.

import { MAX_TXN_OPS, type ExpectRevision, type KVStore, type TxnOp } from "../store/index.js";
import { portBindingKey, storeKeys, type AddedPortRecord, type EndpointRecord, type NetworkRecord, type SandboxRecord } from "./records.js";

/** Network IDs hold no NUL, so the first NUL ends the ID and the pair cannot be read two ways. */
const nameKey = (networkId: string, name: string): string => `${networkId}\0${name}`;

interface Versioned<T> { record: T; revision: number }

type Change =
  | { kind: "network"; record: NetworkRecord | undefined; id: string }
  | { kind: "endpoint"; record: EndpointRecord | undefined; id: string; networkId: string }
  | { kind: "sandbox"; record: SandboxRecord | undefined; id: string }
  | { kind: "port"; record: AddedPortRecord | undefined; id: string; sandboxId: string };

/** The ports added to one sandbox: by record ID, and record IDs by binding (portBindingKey). */
interface AddedPorts { readonly byId: Map<string, Versioned<AddedPortRecord>>; readonly byKey: Map<string, string> }

export class ControllerState {
  readonly networks = new Map<string, Versioned<NetworkRecord>>();
  readonly endpoints = new Map<string, Versioned<EndpointRecord>>();
  readonly sandboxes = new Map<string, Versioned<SandboxRecord>>();
  /** Endpoint IDs by network: creating an endpoint checks its name among its network's only (1,000 sandboxes bench). */
  readonly #endpointsByNetwork = new Map<string, Set<string>>();
  /**
   * Endpoint IDs by network and name: a create's or rename's uniqueness check is one lookup, not a walk of
   * the network's endpoints (that walk was ~0.1–0.3 ms of each attach at 1,000 endpoints: bench:scale).
   */
  readonly #endpointsByName = new Map<string, Set<string>>();
  /** Ports added to running sandboxes, by sandbox ID. */
  readonly #addedPorts = new Map<string, AddedPorts>();
  /**
   * Undo writes the store refused (its disk full): already true in memory, and written with the next
   * transaction that succeeds, guarded by the revision the store still has. Until then the store holds
   * the operation's intent, which a restart settles the same way (see applyOrDefer).
   */
  readonly #deferred = new Map<string, { readonly change: Change; readonly expectRevision: ExpectRevision }>();
  readonly #store: KVStore;

  constructor(store: KVStore) {
    this.#store = store;
  }

  /** Loads every record from the store (at start). */
  async load(): Promise<void> {
    for (const e of await this.#store.list(storeKeys.networks)) {
      const r = JSON.parse(e.value) as NetworkRecord;
      this.networks.set(r.id, { record: r, revision: e.revision });
    }
    for (const e of await this.#store.list(storeKeys.endpoints)) {
      const r = JSON.parse(e.value) as EndpointRecord;
      this.#setEndpoint(r, e.revision);
    }
    for (const e of await this.#store.list(storeKeys.sandboxes)) {
      const r = JSON.parse(e.value) as SandboxRecord;
      this.sandboxes.set(r.id, { record: r, revision: e.revision });
    }
    for (const e of await this.#store.list(storeKeys.addedPorts)) this.#setAddedPort(JSON.parse(e.value) as AddedPortRecord, e.revision);
  }

  network(id: string): NetworkRecord | undefined { return this.networks.get(id)?.record; }
  endpoint(id: string): EndpointRecord | undefined { return this.endpoints.get(id)?.record; }
  sandbox(id: string): SandboxRecord | undefined { return this.sandboxes.get(id)?.record; }

  /** The ports added to the sandbox after its creation, in the order they were added. */
  addedPorts(sandboxId: string): AddedPortRecord[] {
    return [...this.#addedPorts.get(sandboxId)?.byId.values() ?? []].map((v) => v.record);
  }

  /** The added port of the sandbox with this binding (portBindingKey), if any: one lookup, however many it has. */
  addedPortByKey(sandboxId: string, key: string): AddedPortRecord | undefined {
    const ports = this.#addedPorts.get(sandboxId);
    const id = ports?.byKey.get(key);
    return id === undefined ? undefined : ports?.byId.get(id)?.record;
  }

  #setAddedPort(record: AddedPortRecord, revision: number): void {
    let ports = this.#addedPorts.get(record.sandboxId);
    if (ports === undefined) this.#addedPorts.set(record.sandboxId, ports = { byId: new Map(), byKey: new Map() });
    ports.byId.set(record.id, { record, revision });
    ports.byKey.set(portBindingKey(record.binding), record.id);
  }

  #deleteAddedPort(sandboxId: string, id: string): void {
    const ports = this.#addedPorts.get(sandboxId);
    const record = ports?.byId.get(id)?.record;
    if (ports === undefined || record === undefined) return;
    ports.byId.delete(id);
    ports.byKey.delete(portBindingKey(record.binding));
    if (ports.byId.size === 0) this.#addedPorts.delete(sandboxId);
  }

  endpointsOf(networkId: string): EndpointRecord[] {
    const ids = this.#endpointsByNetwork.get(networkId);
    return ids === undefined ? [] : [...ids].map((id) => this.endpoints.get(id)?.record).filter((r) => r !== undefined);
  }

  /** Whether an endpoint of the network (in any state) has this name. */
  hasEndpointNamed(networkId: string, name: string): boolean {
    return (this.#endpointsByName.get(nameKey(networkId, name))?.size ?? 0) > 0;
  }

  #setEndpoint(record: EndpointRecord, revision: number): void {
    const before = this.endpoints.get(record.id)?.record;
    if (before !== undefined && before.name !== record.name) this.#unname(before);
    this.endpoints.set(record.id, { record, revision });
    const key = nameKey(record.networkId, record.name);
    let named = this.#endpointsByName.get(key);
    if (named === undefined) this.#endpointsByName.set(key, named = new Set());
    named.add(record.id);
    let ids = this.#endpointsByNetwork.get(record.networkId);
    if (ids === undefined) this.#endpointsByNetwork.set(record.networkId, ids = new Set());
    ids.add(record.id);
  }

  #unname(record: EndpointRecord): void {
    const key = nameKey(record.networkId, record.name);
    const named = this.#endpointsByName.get(key);
    named?.delete(record.id);
    if (named?.size === 0) this.#endpointsByName.delete(key);
  }

  #deleteEndpoint(networkId: string, id: string): void {
    const before = this.endpoints.get(id)?.record;
    if (before !== undefined) this.#unname(before);
    this.endpoints.delete(id);
    const ids = this.#endpointsByNetwork.get(networkId);
    ids?.delete(id);
    if (ids?.size === 0) this.#endpointsByNetwork.delete(networkId);
  }

  putNetwork(record: NetworkRecord): Promise<void> { return this.apply([{ kind: "network", id: record.id, record }]); }
  putEndpoint(record: EndpointRecord): Promise<void> {
    return this.apply([{ kind: "endpoint", id: record.id, networkId: record.networkId, record }]);
  }
  putSandbox(record: SandboxRecord): Promise<void> { return this.apply([{ kind: "sandbox", id: record.id, record }]); }

  /**
   * Writes several records (or deletions: record undefined) in one store transaction, each guarded by the
   * revision we last saw, then updates the in-memory copies. Deferred undo writes go along.
   */
  async apply(changes: readonly Change[]): Promise<void> {
    const keys = new Set(changes.map((c) => this.#key(c)));
    const carried = [...this.#deferred].filter(([key]) => !keys.has(key)).map(([, d]) => d);
    const ops: TxnOp[] = [
      ...changes.map((c) => this.#op(c, this.#deferred.get(this.#key(c))?.expectRevision ?? this.#revisionOf(c))),
      ...carried.map((d) => this.#op(d.change, d.expectRevision)),
    ];
    // Sandboxes and joins name kernel objects (netns, veths) that a power loss takes away too, and restore
    // reconciles records with the kernel either way; a process crash loses neither (see Durability).
    // Networks outlive a reboot: their records are on disk before the call returns.
    const durability = [...changes, ...carried.map((d) => d.change)].some((c) => c.kind === "network") ? "immediate" : "deferred";
    const { revision } = await this.#store.transaction(ops, { durability });
    for (const d of carried) if (d.change.record !== undefined) this.#remember(d.change, revision);
    this.#deferred.clear();
    for (const c of changes) this.#remember(c, revision);
  }

  /**
   * For undo steps only: when the store refuses the write for want of space or I/O (kind "unavailable"),
   * memory changes at once and the store follows with the next transaction that succeeds. The store
   * meanwhile holds the undone operation's intent ("creating", a pending join), which the API never
   * shows as such and a restart settles to this same state, so what is shown and what is recorded agree.
   */
  async applyOrDefer(changes: readonly Change[]): Promise<void> {
    try {
      await this.apply(changes);
    } catch (err) {
      if ((err as { kind?: string }).kind !== "unavailable") throw err;
      for (const c of changes) {
        const key = this.#key(c);
        this.#deferred.set(key, { change: c, expectRevision: this.#deferred.get(key)?.expectRevision ?? this.#revisionOf(c) });
        this.#remember(c, this.#versionOf(c)?.revision ?? 0);
      }
    }
  }

  /** Undo writes still waiting for the store (a gauge for operators; 0 once a write succeeded). */
  get deferredWrites(): number {
    return this.#deferred.size;
  }

  #op(c: Change, expectRevision: ExpectRevision): TxnOp {
    const key = this.#key(c);
    return c.record === undefined ? { op: "delete", key, expectRevision } : { op: "put", key, value: JSON.stringify(c.record), expectRevision };
  }

  #revisionOf(c: Change): ExpectRevision {
    return this.#versionOf(c)?.revision ?? "absent";
  }

  #versionOf(c: Change): Versioned<unknown> | undefined {
    return c.kind === "port" ? this.#addedPorts.get(c.sandboxId)?.byId.get(c.id) : this.#map(c).get(c.id);
  }

  /** The in-memory copy after a write (or a deferred one) of `c` at `revision`. */
  #remember(c: Change, revision: number): void {
    if (c.kind === "endpoint") {
      if (c.record === undefined) this.#deleteEndpoint(c.networkId, c.id);
      else this.#setEndpoint(c.record, revision);
      return;
    }
    if (c.kind === "port") {
      if (c.record === undefined) this.#deleteAddedPort(c.sandboxId, c.id);
      else this.#setAddedPort(c.record, revision);
      return;
    }
    const map = this.#map(c) as Map<string, Versioned<unknown>>;
    if (c.record === undefined) map.delete(c.id);
    else map.set(c.id, { record: c.record, revision });
  }

  /**
   * Writes more changes than one store transaction takes, in transactions of at most MAX_TXN_OPS, in
   * order: each is atomic, the whole is not. For changes that a restart finishes or that their caller
   * undoes (the ports of a sandbox being deleted, many port records added or removed at once).
   */
  async applyInChunks(changes: readonly Change[]): Promise<void> {
    for (let i = 0; i < changes.length; i += MAX_TXN_OPS) await this.apply(changes.slice(i, i + MAX_TXN_OPS));
  }

  #key(c: Change): string {
    if (c.kind === "network") return storeKeys.network(c.id);
    if (c.kind === "endpoint") return storeKeys.endpoint(c.networkId, c.id);
    if (c.kind === "port") return storeKeys.addedPort(c.sandboxId, c.id);
    return storeKeys.sandbox(c.id);
  }

  #map(c: Change): Map<string, Versioned<unknown>> {
    if (c.kind === "network") return this.networks as Map<string, Versioned<unknown>>;
    if (c.kind === "endpoint") return this.endpoints as Map<string, Versioned<unknown>>;
    return this.sandboxes as Map<string, Versioned<unknown>>;
  }
}

export type { Change };
export const change = {
  network: (id: string, record: NetworkRecord | undefined): Change => ({ kind: "network", id, record }),
  endpoint: (networkId: string, id: string, record: EndpointRecord | undefined): Change =>
    ({ kind: "endpoint", id, networkId, record }),
  sandbox: (id: string, record: SandboxRecord | undefined): Change => ({ kind: "sandbox", id, record }),
  port: (sandboxId: string, id: string, record: AddedPortRecord | undefined): Change => ({ kind: "port", id, sandboxId, record }),
};
