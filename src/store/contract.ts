// The KV store contract (keys, values, revisions, compare-and-swap, transactions) and its validation rules.

import { conflict, invalidArgument, unavailable, type LibnetworkError } from "../errors/index.js";

/**
 * A store-wide revision: a positive safe integer drawn from one counter per store, like etcd's
 * mod_revision. Every write that changes something takes a new, strictly larger revision, so
 * revisions of different keys are comparable and a deleted-then-recreated key never gets its old
 * revision back (compare-and-swap cannot be fooled by an A→B→A history).
 */
export type Revision = number;

/** One stored key. Values are strings (callers store JSON); they round-trip exactly. */
export interface KVEntry {
  readonly key: string;
  readonly value: string;
  /** Revision of the write that last set this key. */
  readonly revision: Revision;
}

/**
 * How soon a transaction must be on stable storage when its promise resolves.
 * - "immediate" (default): on disk; it survives a power loss.
 * - "deferred": it survives the process being killed at once, and reaches the disk shortly after (the
 *   SQLite store: within 200 ms, one fdatasync for every commit since the last). For records whose
 *   kernel objects would not survive a power loss either (sandboxes, joins). Stores without the
 *   distinction treat it as "immediate".
 */
export type Durability = "immediate" | "deferred";

export interface TxnOptions {
  readonly durability?: Durability;
}

/** A compare-and-swap condition: the key's current revision, or "absent" for "must not exist". */
export type ExpectRevision = Revision | "absent";

export interface WriteOptions {
  /** When given, the write happens only if the key is in this state; otherwise ERR_STORE_REVISION_MISMATCH. */
  readonly expectRevision?: ExpectRevision;
}

/** One step of a transaction. Conditions are all evaluated against the state before the transaction. */
export type TxnOp =
  | { readonly op: "put"; readonly key: string; readonly value: string; readonly expectRevision?: ExpectRevision }
  | { readonly op: "delete"; readonly key: string; readonly expectRevision?: ExpectRevision }
  /** Writes nothing; only asserts a key's state (e.g. "the network still exists at revision n"). */
  | { readonly op: "check"; readonly key: string; readonly expectRevision: ExpectRevision };

export interface TxnResult {
  /** Revision shared by every write of the transaction; the store's current revision when it wrote nothing. */
  readonly revision: Revision;
}

/**
 * The persistence contract every store (SQLite, in-memory, etcd) implements and that
 * `runStoreConformance` checks. All methods are async so a networked store fits; every failure
 * is a LibnetworkError with one of the ERR_STORE_* codes below.
 */
export interface KVStore {
  /** The entry, or undefined when the key does not exist. */
  get(key: string): Promise<KVEntry | undefined>;
  /**
   * Entries whose key starts with `prefix`, ordered by key in UTF-8 byte (= code point) order.
   * `prefix` is "" (everything) or ends with "/", so "a/b/" never matches "a/bc/…" nor "a/b" itself.
   */
  list(prefix: string): Promise<readonly KVEntry[]>;
  /** Creates or replaces a key; resolves to the new revision once the write is durable. */
  put(key: string, value: string, options?: WriteOptions): Promise<Revision>;
  /** Resolves to true when a key was removed, false when it did not exist (and the condition allowed that). */
  delete(key: string, options?: WriteOptions): Promise<boolean>;
  /** Removes every key under `prefix` (non-empty, ends with "/") in one write; resolves to how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Applies puts/deletes atomically: all conditions hold and every op is applied, or nothing changes. */
  transaction(ops: readonly TxnOp[], options?: TxnOptions): Promise<TxnResult>;
  /** Releases the store; idempotent. Any later call rejects with ERR_STORE_CLOSED. */
  close(): Promise<void>;
}

/** etcd rejects keys and requests beyond similar sizes; the same limits everywhere keep stores swappable. */
export const MAX_KEY_BYTES = 1024;
/** 1 MiB: fits etcd's default 1.5 MiB request limit with room for the key and framing. */
export const MAX_VALUE_BYTES = 1024 * 1024;
/** etcd's default --max-txn-ops. */
export const MAX_TXN_OPS = 128;

export const STORE_ERROR_CODES = Object.freeze({
  invalidKey: "ERR_STORE_INVALID_KEY",
  invalidPrefix: "ERR_STORE_INVALID_PREFIX",
  invalidValue: "ERR_STORE_INVALID_VALUE",
  valueTooLarge: "ERR_STORE_VALUE_TOO_LARGE",
  invalidRevision: "ERR_STORE_INVALID_REVISION",
  invalidTransaction: "ERR_STORE_INVALID_TRANSACTION",
  revisionMismatch: "ERR_STORE_REVISION_MISMATCH",
  closed: "ERR_STORE_CLOSED",
  /** A store's own options (data directory, timeouts) are unusable. */
  invalidOption: "ERR_STORE_INVALID_OPTION",
  /** The backing database could not be opened or created (permissions, not a database, …). */
  openFailed: "ERR_STORE_OPEN_FAILED",
  /** The database was written by a newer release with a schema this one does not understand. */
  schemaTooNew: "ERR_STORE_SCHEMA_TOO_NEW",
  /** The database exists but is not one of ours. */
  schemaUnknown: "ERR_STORE_SCHEMA_UNKNOWN",
  /** The backend refused for a reason that may pass (busy, disk full, I/O error, unreachable). */
  unavailable: "ERR_STORE_UNAVAILABLE",
  /** The backend failed in a way that indicates a bug or corruption. */
  internal: "ERR_STORE_INTERNAL",
} as const);

// A lone surrogate cannot be encoded as UTF-8: SQLite and etcd would store U+FFFD instead,
// silently turning one key into another.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function show(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function keyProblem(key: string): string | undefined {
  if (key === "") return "must not be empty";
  if (key.includes("\0")) return "must not contain NUL";
  if (key.startsWith("/") || key.endsWith("/") || key.includes("//")) {
    return "must be '/'-separated non-empty segments (no leading, trailing or doubled '/')";
  }
  if (LONE_SURROGATE.test(key)) return "is not well-formed Unicode (lone surrogate)";
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > MAX_KEY_BYTES) return `is ${bytes} bytes long (at most ${MAX_KEY_BYTES})`;
  return undefined;
}

/** Throws ERR_STORE_INVALID_KEY unless `key` is a valid key. */
export function validateKey(key: unknown): string {
  if (typeof key !== "string") throw invalidArgument(STORE_ERROR_CODES.invalidKey, `store key must be a string, got ${typeof key}`);
  const problem = keyProblem(key);
  if (problem !== undefined) throw invalidArgument(STORE_ERROR_CODES.invalidKey, `store key ${show(key)} ${problem}`);
  return key;
}

/** Throws ERR_STORE_INVALID_PREFIX unless `prefix` is "" (when allowed) or a valid key followed by "/". */
export function validatePrefix(prefix: unknown, allowEmpty: boolean): string {
  if (typeof prefix !== "string") {
    throw invalidArgument(STORE_ERROR_CODES.invalidPrefix, `store prefix must be a string, got ${typeof prefix}`);
  }
  if (prefix === "" && allowEmpty) return prefix;
  const problem = prefix.endsWith("/") ? keyProblem(prefix.slice(0, -1)) : "must end with '/' (prefixes are whole path segments)";
  if (problem !== undefined) throw invalidArgument(STORE_ERROR_CODES.invalidPrefix, `store prefix ${show(prefix)} ${problem}`);
  return prefix;
}

/** Throws ERR_STORE_INVALID_VALUE / ERR_STORE_VALUE_TOO_LARGE unless `value` can be stored losslessly. */
export function validateValue(key: string, value: unknown): string {
  if (typeof value !== "string") {
    throw invalidArgument(STORE_ERROR_CODES.invalidValue, `value for ${show(key)} must be a string, got ${typeof value}`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw invalidArgument(STORE_ERROR_CODES.invalidValue, `value for ${show(key)} is not well-formed Unicode (lone surrogate)`);
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_VALUE_BYTES) {
    throw invalidArgument(STORE_ERROR_CODES.valueTooLarge, `value for ${show(key)} is ${bytes} bytes (at most ${MAX_VALUE_BYTES})`);
  }
  return value;
}

/** Throws ERR_STORE_INVALID_REVISION unless `expect` is undefined, "absent" or a positive safe integer. */
export function validateExpect(key: string, expect: unknown): ExpectRevision | undefined {
  if (expect === undefined || expect === "absent") return expect;
  if (typeof expect === "number" && Number.isSafeInteger(expect) && expect > 0) return expect;
  throw invalidArgument(
    STORE_ERROR_CODES.invalidRevision,
    `expected revision for ${show(key)} must be a positive integer or "absent", got ${String(expect)}`,
  );
}

function validateOp(op: unknown, index: number): TxnOp {
  if (typeof op !== "object" || op === null) {
    throw invalidArgument(STORE_ERROR_CODES.invalidTransaction, `transaction op #${index} is not an object`);
  }
  const o = op as { op?: unknown; key?: unknown; value?: unknown; expectRevision?: unknown };
  const key = validateKey(o.key);
  const expectRevision = validateExpect(key, o.expectRevision);
  const cond = expectRevision === undefined ? {} : { expectRevision };
  switch (o.op) {
    case "put":
      return { op: "put", key, value: validateValue(key, o.value), ...cond };
    case "delete":
      return { op: "delete", key, ...cond };
    case "check":
      if (expectRevision === undefined) {
        throw invalidArgument(STORE_ERROR_CODES.invalidTransaction, `transaction op #${index} (check ${show(key)}) needs expectRevision`);
      }
      return { op: "check", key, expectRevision };
    default:
      throw invalidArgument(STORE_ERROR_CODES.invalidTransaction, `transaction op #${index} has unknown op ${String(o.op)}`);
  }
}

/** The durability a transaction asked for ("immediate" when not given); anything else is refused. */
export function validateTxnOptions(options: unknown): Durability {
  const d = options === undefined || options === null ? undefined : (options as { durability?: unknown }).durability;
  if (d === undefined) return "immediate";
  if (d === "immediate" || d === "deferred") return d;
  throw invalidArgument(STORE_ERROR_CODES.invalidTransaction, `transaction durability must be "immediate" or "deferred", got ${JSON.stringify(d)}`);
}

/**
 * Validates a whole transaction before anything is touched. One op per key, as etcd requires:
 * with every condition read from the pre-transaction state, two ops on one key would be ambiguous.
 */
export function validateTxn(ops: unknown): readonly TxnOp[] {
  if (!Array.isArray(ops)) throw invalidArgument(STORE_ERROR_CODES.invalidTransaction, "transaction ops must be an array");
  if (ops.length > MAX_TXN_OPS) {
    throw invalidArgument(STORE_ERROR_CODES.invalidTransaction, `transaction has ${ops.length} ops (at most ${MAX_TXN_OPS})`);
  }
  const seen = new Set<string>();
  return ops.map((raw: unknown, index) => {
    const op = validateOp(raw, index);
    if (seen.has(op.key)) {
      throw invalidArgument(STORE_ERROR_CODES.invalidTransaction, `transaction names key ${show(op.key)} more than once`);
    }
    seen.add(op.key);
    return op;
  });
}

/** Throws ERR_STORE_REVISION_MISMATCH when `actual` (undefined = absent) does not satisfy `expect`. */
export function checkExpectation(key: string, expect: ExpectRevision | undefined, actual: Revision | undefined): void {
  if (expect === undefined || expect === (actual ?? "absent")) return;
  const found = actual === undefined ? "absent" : `revision ${actual}`;
  const wanted = expect === "absent" ? "absent" : `revision ${expect}`;
  throw conflict(STORE_ERROR_CODES.revisionMismatch, `store key ${show(key)} is ${found}, expected ${wanted}`);
}

export function storeClosed(name: string): LibnetworkError {
  return unavailable(STORE_ERROR_CODES.closed, `${name} store is closed`);
}

// Surrogate code units encode code points above U+FFFF, so they must sort after U+E000–U+FFFF:
// this shift turns UTF-16 code unit order into code point order (= UTF-8 byte order).
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  return unit >= 0xd800 ? unit + 0x2000 : unit;
}

/** Orders keys as SQLite's BINARY collation and etcd do (UTF-8 bytes), unlike JavaScript's `<`. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}
