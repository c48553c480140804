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

interface Slot {
  readonly value: string;
  readonly revision: Revision;
}

/** Nothing survives `close()` or the process; every instance is independent of every other. */
export class MemoryStore implements KVStore {
  readonly #data = new Map<string, Slot>();
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
    return revision;
  }

  async delete(key: string, options: WriteOptions = {}): Promise<boolean> {
    this.#open();
    validateKey(key);
    const expect = validateExpect(key, options.expectRevision);
    checkExpectation(key, expect, this.#data.get(key)?.revision);
    if (!this.#data.delete(key)) return false;
    this.#revision++;
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.#open();
    validatePrefix(prefix, false);
    let count = 0;
    for (const key of [...this.#data.keys()]) {
      if (key.startsWith(prefix) && this.#data.delete(key)) count++;
    }
    if (count > 0) this.#revision++;
    return count;
  }

  /** Durability is checked, then has no meaning here: nothing reaches a disk. */
  async transaction(ops: readonly TxnOp[], options?: TxnOptions): Promise<TxnResult> {
    this.#open();
    const valid = validateTxn(ops);
    validateTxnOptions(options);
    for (const op of valid) checkExpectation(op.key, op.expectRevision, this.#data.get(op.key)?.revision);
    const revision = this.#revision + 1;
    let wrote = false;
    for (const op of valid) {
      if (op.op === "put") {
        this.#data.set(op.key, { value: op.value, revision });
        wrote = true;
      } else if (op.op === "delete") {
        wrote = this.#data.delete(op.key) || wrote;
      }
    }
    if (wrote) this.#revision = revision;
    return { revision: this.#revision };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#data.clear();
  }

  #open(): void {
    if (this.#closed) throw storeClosed("memory");
  }
}
