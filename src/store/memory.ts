// In-memory KVStore: same contract and revisions as the durable stores, for unit tests of higher layers.

import {
  checkExpectation,
  compareKeys,
  storeClosed,
  validateExpect,
  validateKey,
  validatePrefix,
  validateTxn,
  validateTxnOptions,
  validateValue,
  type KVEntry,
  type KVStore,
  type Revision,
  type TxnOp,
  type TxnOptions,
  type TxnResult,
  type WriteOptions,
} from "./contract.js";
import type { Ephemeral, LeasingStore, Snapshot, StoreWatch, WatchEvent, WatchableStore } from "./watch.js";

interface Slot {
  readonly value: string;
  readonly revision: Revision;
}

/** Nothing survives `close()` or the process; every instance is independent of every other. */
export class MemoryStore implements KVStore, WatchableStore, LeasingStore {
  readonly #data = new Map<string, Slot>();
  /** Every change ever made, for watches that start in the past; a test store stays small. */
  readonly #history: WatchEvent[] = [];
  readonly #watchers = new Set<{ prefix: string; onEvent: (e: WatchEvent) => void }>();
  #revision = 0;
  #closed = false;

  async get(key: string): Promise<KVEntry | undefined> {
    this.#open();
    validateKey(key);
    const slot = this.#data.get(key);
    return slot === undefined ? undefined : { key, value: slot.value, revision: slot.revision };
  }

  async list(prefix: string): Promise<readonly KVEntry[]> {
    this.#open();
    validatePrefix(prefix, true);
    const out: KVEntry[] = [];
    for (const [key, slot] of this.#data) {
      if (key.startsWith(prefix)) out.push({ key, value: slot.value, revision: slot.revision });
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async put(key: string, value: string, options: WriteOptions = {}): Promise<Revision> {
    this.#open();
    validateKey(key);
    validateValue(key, value);
    const expect = validateExpect(key, options.expectRevision);
    checkExpectation(key, expect, this.#data.get(key)?.revision);
    const revision = ++this.#revision;
    this.#data.set(key, { value, revision });
    this.#emit([{ type: "put", key, value, revision }]);
    return revision;
  }

  async delete(key: string, options: WriteOptions = {}): Promise<boolean> {
    this.#open();
    validateKey(key);
    const expect = validateExpect(key, options.expectRevision);
    checkExpectation(key, expect, this.#data.get(key)?.revision);
    if (!this.#data.delete(key)) return false;
    this.#emit([{ type: "delete", key, revision: ++this.#revision }]);
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.#open();
    validatePrefix(prefix, false);
    const gone = [...this.#data.keys()].filter((key) => key.startsWith(prefix) && this.#data.delete(key)).sort(compareKeys);
    if (gone.length > 0) this.#revision++;
    this.#emit(gone.map((key) => ({ type: "delete", key, revision: this.#revision })));
    return gone.length;
  }

  /** Durability is checked, then has no meaning here: nothing reaches a disk. */
  async transaction(ops: readonly TxnOp[], options?: TxnOptions): Promise<TxnResult> {
    this.#open();
    const valid = validateTxn(ops);
    validateTxnOptions(options);
    for (const op of valid) checkExpectation(op.key, op.expectRevision, this.#data.get(op.key)?.revision);
    const revision = this.#revision + 1;
    const events: WatchEvent[] = [];
    for (const op of valid) {
      if (op.op === "put") {
        this.#data.set(op.key, { value: op.value, revision });
        events.push({ type: "put", key: op.key, value: op.value, revision });
      } else if (op.op === "delete" && this.#data.delete(op.key)) {
        events.push({ type: "delete", key: op.key, revision });
      }
    }
    if (events.length > 0) this.#revision = revision;
    this.#emit(events);
    return { revision: this.#revision };
  }

  async snapshot(prefix: string): Promise<Snapshot> {
    return { entries: await this.list(prefix), revision: this.#revision };
  }

  /** Events are delivered from a microtask, never from inside the write that caused them. */
  async watch(prefix: string, after: Revision, onEvent: (event: WatchEvent) => void): Promise<StoreWatch> {
    this.#open();
    validatePrefix(prefix, true);
    const watcher = { prefix, onEvent };
    const backlog = this.#history.filter((e) => e.revision > after && e.key.startsWith(prefix));
    this.#watchers.add(watcher);
    queueMicrotask(() => backlog.forEach((e) => this.#watchers.has(watcher) && onEvent(e)));
    return { close: async () => void this.#watchers.delete(watcher) };
  }

  /** Lives until `close` (of the key or of the store): a process holds no lease on its own memory. */
  async putEphemeral(key: string, value: string, _ttlSeconds: number): Promise<Ephemeral> {
    await this.put(key, value);
    let open = true;
    return { close: async () => { if (open && !this.#closed) await this.delete(key); open = false; } };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#data.clear();
    this.#watchers.clear();
  }

  #emit(events: readonly WatchEvent[]): void {
    this.#history.push(...events);
    for (const watcher of this.#watchers) {
      const mine = events.filter((e) => e.key.startsWith(watcher.prefix));
      if (mine.length > 0) queueMicrotask(() => mine.forEach((e) => this.#watchers.has(watcher) && watcher.onEvent(e)));
    }
  }

  #open(): void {
    if (this.#closed) throw storeClosed("memory");
  }
}
