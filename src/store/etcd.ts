// The etcd v3 KVStore (global scope): keys under one root, revisions = etcd's mod_revision, CAS as etcd txns.

import { createRequire } from "node:module";
import type { Etcd3, IKeyValue, IRequestOp, ICompare, ITxnResponse } from "etcd3";
import { conflict, isLibnetworkError, unavailable, internal, invalidArgument } from "../errors/index.js";
import {
  STORE_ERROR_CODES,
  checkExpectation,
  storeClosed,
  validateExpect,
  validateKey,
  validatePrefix,
  validateTxn,
  validateTxnOptions,
  validateValue,
  type ExpectRevision,
  type KVEntry,
  type Revision,
  type TxnOp,
  type TxnOptions,
  type TxnResult,
  type WriteOptions,
} from "./contract.js";
import { loadTlsCredentials, parseEtcdUrl, type EtcdTlsFiles } from "./etcd-config.js";
import { EtcdLeasedKey } from "./etcd-lease.js";
import { describeEtcdError, watchEtcd } from "./etcd-watch.js";
import type { Ephemeral, LeasingStore, Snapshot, StoreWatch, WatchEvent, WatchableStore } from "./watch.js";

export interface EtcdStoreOptions {
  /** `etcd://HOST:PORT[,HOST:PORT…]`. */
  readonly url: string;
  /** Every key lives under `<root>/` in etcd, so one etcd can serve other users too. Default "dnet". */
  readonly root?: string;
  readonly tls?: EtcdTlsFiles;
  /** How long one request may take before it fails with ERR_STORE_UNAVAILABLE. Default 5000 ms. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** Opens the store and makes one request, so an unreachable etcd is an ERR_STORE_UNAVAILABLE here. */
export async function openEtcdStore(options: EtcdStoreOptions): Promise<EtcdStore> {
  const store = new EtcdStore(options);
  try {
    await store.snapshot("");
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * The etcd3 client (gRPC and protobuf underneath), loaded when the first EtcdStore is made: a host that
 * keeps its state in SQLite only never pays for it (~20 MiB of the daemon's RSS: bench:scale).
 */
function etcd3Client(): typeof Etcd3 {
  return (createRequire(import.meta.url)("etcd3") as typeof import("etcd3")).Etcd3;
}

function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1; // prefixes end with "/" (0x2f): no carry
  return end;
}

function toRevision(text: string): Revision {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw internal(STORE_ERROR_CODES.internal, `etcd returned revision ${text}`);
  return n;
}

function compareFor(key: Buffer, expect: ExpectRevision): ICompare {
  // A missing key compares as mod_revision 0 in etcd.
  return { key, target: "Mod", result: "Equal", mod_revision: expect === "absent" ? 0 : expect };
}

export class EtcdStore implements WatchableStore, LeasingStore {
  readonly #client: Etcd3;
  readonly #root: string;
  readonly #display: string;
  readonly #timeoutMs: number;
  readonly #watches = new Set<StoreWatch>();
  #closed = false;

  constructor(options: EtcdStoreOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
      throw invalidArgument(STORE_ERROR_CODES.invalidOption, `etcd timeout must be a positive integer of ms, got ${String(timeoutMs)}`);
    }
    const endpoints = parseEtcdUrl(options.url, options.tls !== undefined);
    const root = validateKey(options.root ?? "dnet");
    const credentials = options.tls === undefined ? undefined : loadTlsCredentials(options.tls);
    this.#root = `${root}/`;
    this.#display = endpoints.display;
    this.#timeoutMs = timeoutMs;
    this.#client = new (etcd3Client())({ hosts: [...endpoints.hosts], dialTimeout: timeoutMs, ...(credentials !== undefined ? { credentials } : {}) });
  }

  async get(key: string): Promise<KVEntry | undefined> {
    this.#open();
    const k = this.#key(validateKey(key));
    const res = await this.#call("get", () => this.#client.kv.range({ key: k }, this.#deadline()));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : this.#entry(kv);
  }

  async list(prefix: string): Promise<readonly KVEntry[]> {
    return (await this.snapshot(prefix)).entries;
  }

  async snapshot(prefix: string): Promise<Snapshot> {
    this.#open();
    const p = this.#key(validatePrefix(prefix, true));
    const res = await this.#call("list", () => this.#client.kv.range({ key: p, range_end: prefixEnd(p) }, this.#deadline()));
    return { entries: res.kvs.map((kv) => this.#entry(kv)), revision: toRevision(res.header.revision) };
  }

  async put(key: string, value: string, options: WriteOptions = {}): Promise<Revision> {
    this.#open();
    validateKey(key);
    validateValue(key, value);
    const expect = validateExpect(key, options.expectRevision);
    const op: TxnOp = { op: "put", key, value, ...(expect !== undefined ? { expectRevision: expect } : {}) };
    return toRevision((await this.#txn([op], "put")).header.revision);
  }

  async delete(key: string, options: WriteOptions = {}): Promise<boolean> {
    this.#open();
    validateKey(key);
    const expect = validateExpect(key, options.expectRevision);
    const op: TxnOp = { op: "delete", key, ...(expect !== undefined ? { expectRevision: expect } : {}) };
    const res = await this.#txn([op], "delete");
    return Number(res.responses[0]?.response_delete_range.deleted ?? 0) > 0;
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.#open();
    const p = this.#key(validatePrefix(prefix, false));
    const res = await this.#call("deletePrefix", () => this.#client.kv.deleteRange({ key: p, range_end: prefixEnd(p) }, this.#deadline()));
    return Number(res.deleted);
  }

  async transaction(ops: readonly TxnOp[], options?: TxnOptions): Promise<TxnResult> {
    this.#open();
    const valid = validateTxn(ops);
    validateTxnOptions(options); // etcd commits through raft: every write is "immediate"
    return { revision: toRevision((await this.#txn(valid, "transaction")).header.revision) };
  }

  async watch(prefix: string, after: Revision, onEvent: (event: WatchEvent) => void): Promise<StoreWatch> {
    this.#open();
    const p = this.#key(validatePrefix(prefix, true)).toString("utf8");
    const w = await this.#call("watch", () => watchEtcd(this.#client, { prefix: p, root: this.#root, after, onEvent }));
    const handle: StoreWatch = {
      close: async () => {
        if (this.#watches.delete(handle)) await w.close();
      },
    };
    this.#watches.add(handle);
    return handle;
  }

  /** The lease is kept alive by the client; when it is lost (etcd was away too long) it is granted again. */
  async putEphemeral(key: string, value: string, ttlSeconds: number): Promise<Ephemeral> {
    this.#open();
    validateKey(key);
    validateValue(key, value);
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
      throw invalidArgument(STORE_ERROR_CODES.invalidOption, `lease TTL must be a positive whole number of seconds, got ${String(ttlSeconds)}`);
    }
    const leased = new EtcdLeasedKey(this.#client, this.#key(key), value, ttlSeconds);
    await this.#call("putEphemeral", () => leased.start().catch(async (err: unknown) => {
      await leased.close();
      throw err;
    }));
    const handle: StoreWatch = {
      close: async () => {
        this.#watches.delete(handle);
        await leased.close();
      },
    };
    this.#watches.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#watches].map((w) => w.close()));
    this.#client.close();
  }

  /** The etcd address, for messages ("etcd://10.0.0.1:2379"). */
  get address(): string {
    return this.#display;
  }

  /** Conditions are checked by etcd; on failure the conditioned keys are read back to name the one that moved. */
  async #txn(ops: readonly TxnOp[], what: string): Promise<ITxnResponse> {
    const conditioned = ops.filter((op) => op.expectRevision !== undefined);
    const compare = conditioned.map((op) => compareFor(this.#key(op.key), op.expectRevision!));
    const success = ops.flatMap((op) => this.#requestOp(op));
    const failure: IRequestOp[] = conditioned.map((op) => ({ request_range: { key: this.#key(op.key) } }));
    const res = await this.#call(what, () => this.#client.kv.txn({ compare, success, failure }, this.#deadline()));
    if (res.succeeded) return res;
    conditioned.forEach((op, i) => {
      const kv = res.responses[i]?.response_range.kvs[0];
      checkExpectation(op.key, op.expectRevision, kv === undefined ? undefined : toRevision(kv.mod_revision));
    });
    throw conflict(STORE_ERROR_CODES.revisionMismatch, `etcd ${what}: a key changed while it was being written`);
  }

  #requestOp(op: TxnOp): IRequestOp[] {
    const key = this.#key(op.key);
    if (op.op === "put") return [{ request_put: { key, value: Buffer.from(op.value, "utf8") } }];
    if (op.op === "delete") return [{ request_delete_range: { key } }];
    return [];
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isLibnetworkError(err)) throw err;
      if (this.#closed) throw storeClosed("etcd");
      throw unavailable(STORE_ERROR_CODES.unavailable, `etcd at ${this.#display} is unavailable (${what}): ${describeEtcdError(err)}`, err);
    }
  }

  #deadline(): { deadline: Date } {
    return { deadline: new Date(Date.now() + this.#timeoutMs) };
  }

  #key(key: string): Buffer {
    return Buffer.from(this.#root + key, "utf8");
  }

  #entry(kv: IKeyValue): KVEntry {
    return { key: kv.key.toString("utf8").slice(this.#root.length), value: kv.value.toString("utf8"), revision: toRevision(kv.mod_revision) };
  }

  #open(): void {
    if (this.#closed) throw storeClosed("etcd");
  }
}
