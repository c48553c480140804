// The watch extension of the KV contract: a store that can stream changes under a prefix (etcd, memory).

import type { KVEntry, KVStore, Revision } from "./contract.js";

/** What `list` returns, plus the store revision it was read at: the point a watch starts from. */
export interface Snapshot {
  readonly entries: readonly KVEntry[];
  readonly revision: Revision;
}

/** One change under a watched prefix, with the revision of the write that made it. */
export type WatchEvent =
  | { readonly type: "put"; readonly key: string; readonly value: string; readonly revision: Revision }
  | { readonly type: "delete"; readonly key: string; readonly revision: Revision };

export interface StoreWatch {
  /** Stops the stream; idempotent. No event is delivered after it resolves. */
  close(): Promise<void>;
}

/**
 * Stores that stream changes (etcd's watch). A watcher first takes a `snapshot` of a prefix, then watches it
 * from the snapshot's revision: it misses nothing and sees nothing twice. A prefix is "" or ends with "/",
 * as in `list`.
 */
export interface WatchableStore extends KVStore {
  /** `list(prefix)` and the store revision it reflects, read atomically. */
  snapshot(prefix: string): Promise<Snapshot>;
  /**
   * Delivers, in revision order, every change under `prefix` with a revision greater than `after`. A
   * transaction or deletePrefix that changes several keys delivers one event per key, all under its
   * revision. Events keep flowing across reconnects of a networked store.
   */
  watch(prefix: string, after: Revision, onEvent: (event: WatchEvent) => void): Promise<StoreWatch>;
}

export function isWatchable(store: KVStore): store is WatchableStore {
  return typeof (store as Partial<WatchableStore>).watch === "function";
}

export interface Ephemeral {
  /** Deletes the key and stops keeping it alive; idempotent. */
  close(): Promise<void>;
}

/**
 * Stores that hold keys only while their writer lives (an etcd lease): a host's liveness record. The
 * key disappears `ttlSeconds` after the writer stops renewing it (crash, partition), or at `close`.
 */
export interface LeasingStore extends KVStore {
  putEphemeral(key: string, value: string, ttlSeconds: number): Promise<Ephemeral>;
}

export function isLeasing(store: KVStore): store is LeasingStore {
  return typeof (store as Partial<LeasingStore>).putEphemeral === "function";
}
