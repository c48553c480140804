// Durable local KVStore on embedded SQLite (better-sqlite3 12.x): <dataDir>/dnet.db, WAL, one revision counter.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { internal, invalidArgument, isLibnetworkError, unavailable, type LibnetworkError } from "../errors/index.js";
import {
  STORE_ERROR_CODES as CODES,
  checkExpectation,
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
  type Durability,
  type TxnOp,
  type TxnOptions,
  type TxnResult,
  type WriteOptions,
} from "./contract.js";
import { WalSyncer } from "./wal-sync.js";

export const SQLITE_FILE_NAME = "dnet.db";
/** Bumped with every schema change; a database with a larger number is refused, never rewritten. */
export const SQLITE_SCHEMA_VERSION = 1;

export interface SqliteStoreOptions {
  /** Directory that holds dnet.db; created (mode 0700) when missing. */
  readonly dataDir: string;
  /** How long a write waits for another connection's lock before ERR_STORE_UNAVAILABLE (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

// The revision row is a single etcd-like counter: it never goes down, even when keys are deleted,
// so a recreated key cannot reuse a revision that a compare-and-swap caller still holds.
const SCHEMA_V1 = `
CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), current INTEGER NOT NULL);
CREATE TABLE kv (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO revision (id, current) VALUES (1, 0);
`;

interface Row {
  key: string;
  value: string;
  revision: number;
}

function prepareAll(db: Database.Database) {
  // BINARY collation (the default) compares UTF-8 bytes, which is the contract's key order.
  return {
    get: db.prepare<[string], Row>("SELECT key, value, revision FROM kv WHERE key = ?"),
    revisionOf: db.prepare<[string], number>("SELECT revision FROM kv WHERE key = ?").pluck(),
    listAll: db.prepare<[], Row>("SELECT key, value, revision FROM kv ORDER BY key"),
    listRange: db.prepare<[string, string], Row>("SELECT key, value, revision FROM kv WHERE key >= ? AND key < ? ORDER BY key"),
    upsert: db.prepare<[string, string, number]>(
      "INSERT INTO kv (key, value, revision) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision",
    ),
    remove: db.prepare<[string]>("DELETE FROM kv WHERE key = ?"),
    removeRange: db.prepare<[string, string]>("DELETE FROM kv WHERE key >= ? AND key < ?"),
    bump: db.prepare<[], number>("UPDATE revision SET current = current + 1 WHERE id = 1 RETURNING current").pluck(),
    current: db.prepare<[], number>("SELECT current FROM revision WHERE id = 1").pluck(),
  };
}

type Statements = ReturnType<typeof prepareAll>;

// Prefixes end with "/" (0x2F) and "0" is 0x30, so [p, p-without-slash + "0") is exactly the keys
// starting with p: an index range scan, unlike LIKE (case-insensitive, treats % and _ specially).
function prefixEnd(prefix: string): string {
  return `${prefix.slice(0, -1)}0`;
}

const WAL_CHECKPOINT_PAGES = 256;

const TRANSIENT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL|NOLFS)/;

function wrapError(what: string, file: string, err: unknown): LibnetworkError {
  if (isLibnetworkError(err)) return err;
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "error";
  const hint = code.startsWith("SQLITE_FULL") ? " (the file system of the data directory is full: free space, then retry)" : "";
  const message = `sqlite store ${file}: ${what} failed: ${code}: ${err instanceof Error ? err.message : String(err)}${hint}`;
  return TRANSIENT.test(code) ? unavailable(CODES.unavailable, message, err) : internal(CODES.internal, message, err);
}

function configure(db: Database.Database, file: string): void {
  // WAL: readers never block the writer and a commit is one sequential append to the log.
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal") throw unavailable(CODES.openFailed, `${file}: cannot enable WAL journal (got ${String(mode)})`);
  // FULL fsyncs the WAL on every commit: an acknowledged write is on disk. Deferred transactions switch
  // to NORMAL (written to the WAL, so they survive SIGKILL; fsynced shortly after by WalSyncer).
  db.pragma("synchronous = FULL");
  // The WAL only grows until a checkpoint, by default at 1000 pages (~4 MiB): on a small file system it
  // alone filled the disk, and a checkpoint then had no room left to copy into the database, so no write
  // ever succeeded again, even once the disk had room. Checkpointed at 256 pages (1 MiB) instead, and cut
  // back to that size afterwards.
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_CHECKPOINT_PAGES * 4096}`);
}

function migrate(db: Database.Database, file: string): void {
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
  if (!tables.includes("schema_version")) {
    if (tables.length > 0) {
      throw unavailable(CODES.schemaUnknown, `${file} is an SQLite database but not a dnet store (tables: ${tables.join(", ")})`);
    }
    db.exec(SCHEMA_V1);
    db.prepare("INSERT INTO schema_version (id, version) VALUES (1, ?)").run(SQLITE_SCHEMA_VERSION);
    return;
  }
  const version = db.prepare<[], unknown>("SELECT version FROM schema_version WHERE id = 1").pluck().get();
  if (typeof version === "number" && version > SQLITE_SCHEMA_VERSION) {
    throw unavailable(
      CODES.schemaTooNew,
      `${file} has schema version ${version} but this libnetwork understands up to ${SQLITE_SCHEMA_VERSION}: ` +
        "it was written by a newer release; upgrade, or use another data directory",
    );
  }
  if (version !== SQLITE_SCHEMA_VERSION) {
    throw unavailable(CODES.schemaUnknown, `${file} has an unknown schema version ${String(version)}`);
  }
}

function validateOptions(options: SqliteStoreOptions): { dataDir: string; timeout: number } {
  const { dataDir, busyTimeoutMs = 5000 } = options;
  if (typeof dataDir !== "string" || dataDir === "" || dataDir.includes("\0")) {
    throw invalidArgument(CODES.invalidOption, `store dataDir must be a non-empty path, got ${JSON.stringify(dataDir)}`);
  }
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw invalidArgument(CODES.invalidOption, `busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
  }
  return { dataDir: resolve(dataDir), timeout: busyTimeoutMs };
}

/** Opens (creating when needed) `<dataDir>/dnet.db`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return SqliteStore.open(options);
}

export class SqliteStore implements KVStore {
  /** Absolute path of the database file. */
  readonly file: string;
  readonly #db: Database.Database;
  readonly #stmt: Statements;
  // One reusable wrapper: BEGIN IMMEDIATE takes the write lock up front, so a read-then-write
  // (compare-and-swap) cannot be invalidated by another connection between its read and its write.
  readonly #tx: Database.Transaction<(fn: () => unknown) => unknown>;
  readonly #walSync: WalSyncer;
  #synchronous: "FULL" | "NORMAL" = "FULL";
  #closed = false;

  private constructor(db: Database.Database, file: string) {
    this.#db = db;
    this.file = file;
    this.#walSync = new WalSyncer(`${file}-wal`);
    this.#stmt = prepareAll(db);
    this.#tx = db.transaction((fn: () => unknown) => fn());
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const { dataDir, timeout } = validateOptions(options);
    const file = join(dataDir, SQLITE_FILE_NAME);
    let db: Database.Database;
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      db = new Database(file, { timeout });
    } catch (err) {
      throw unavailable(CODES.openFailed, `cannot open store ${file}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    try {
      configure(db, file);
      // Immediate, so two processes creating the same fresh database cannot both create the schema.
      db.transaction(() => migrate(db, file)).immediate();
      return new SqliteStore(db, file);
    } catch (err) {
      db.close();
      if (isLibnetworkError(err)) throw err;
      throw unavailable(CODES.openFailed, `cannot open store ${file}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  async get(key: string): Promise<KVEntry | undefined> {
    return this.#run("get", () => {
      const row = this.#stmt.get.get(validateKey(key));
      return row === undefined ? undefined : { key: row.key, value: row.value, revision: row.revision };
    });
  }

  async list(prefix: string): Promise<readonly KVEntry[]> {
    return this.#run("list", () => {
      validatePrefix(prefix, true);
      return prefix === "" ? this.#stmt.listAll.all() : this.#stmt.listRange.all(prefix, prefixEnd(prefix));
    });
  }

  async put(key: string, value: string, options: WriteOptions = {}): Promise<Revision> {
    return this.#run("put", () => {
      validateValue(validateKey(key), value);
      const expect = validateExpect(key, options.expectRevision);
      return this.#write("immediate", () => {
        checkExpectation(key, expect, this.#stmt.revisionOf.get(key));
        const revision = this.#bump();
        this.#stmt.upsert.run(key, value, revision);
        return revision;
      });
    });
  }

  async delete(key: string, options: WriteOptions = {}): Promise<boolean> {
    return this.#run("delete", () => {
      const expect = validateExpect(validateKey(key), options.expectRevision);
      return this.#write("immediate", () => {
        checkExpectation(key, expect, this.#stmt.revisionOf.get(key));
        if (this.#stmt.remove.run(key).changes === 0) return false;
        this.#bump();
        return true;
      });
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    return this.#run("deletePrefix", () => {
      validatePrefix(prefix, false);
      return this.#write("immediate", () => {
        const count = this.#stmt.removeRange.run(prefix, prefixEnd(prefix)).changes;
        if (count > 0) this.#bump();
        return count;
      });
    });
  }

  async transaction(ops: readonly TxnOp[], options?: TxnOptions): Promise<TxnResult> {
    return this.#run("transaction", () => {
      const valid = validateTxn(ops);
      return this.#write(validateTxnOptions(options), () => {
        for (const op of valid) checkExpectation(op.key, op.expectRevision, this.#stmt.revisionOf.get(op.key));
        let revision: Revision | undefined;
        const next = (): Revision => (revision ??= this.#bump());
        for (const op of valid) {
          if (op.op === "put") this.#stmt.upsert.run(op.key, op.value, next());
          else if (op.op === "delete" && this.#stmt.remove.run(op.key).changes > 0) next();
        }
        return { revision: revision ?? this.#current() };
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#walSync.close();
    this.#db.close();
  }

  #run<T>(what: string, fn: () => T): T {
    if (this.#closed) throw storeClosed("sqlite");
    try {
      return fn();
    } catch (err) {
      throw wrapError(what, this.file, err);
    }
  }

  #write<T>(durability: Durability, fn: () => T): T {
    const mode = durability === "deferred" ? "NORMAL" : "FULL";
    if (mode !== this.#synchronous) {
      this.#db.pragma(`synchronous = ${mode}`);
      this.#synchronous = mode;
    }
    const result = this.#immediate(fn);
    // A FULL commit fsyncs the WAL, and with it every NORMAL commit before it.
    if (mode === "FULL") this.#walSync.covered(); else this.#walSync.schedule();
    return result;
  }

  /**
   * The transaction; when the file system is full, once more after a checkpoint that truncates the WAL.
   * The WAL only grows until a checkpoint (1000 pages, ~4 MiB, by default), so on a small file system it
   * alone can fill the disk and then no write would ever succeed again, even once space is freed.
   */
  #immediate<T>(fn: () => T): T {
    try {
      return this.#tx.immediate(fn) as T;
    } catch (err) {
      if (!String((err as { code?: unknown }).code ?? "").startsWith("SQLITE_FULL")) throw err;
      // Without waiting: a reader holding the WAL would otherwise stall every write (and the event loop)
      // for the whole busy timeout; then the WAL stays and the retry fails as the write did.
      const timeout = this.#db.pragma("busy_timeout", { simple: true });
      try {
        this.#db.pragma("busy_timeout = 0");
        this.#db.pragma("wal_checkpoint(TRUNCATE)");
      } catch { /* as full as before: the retry says so */ } finally {
        this.#db.pragma(`busy_timeout = ${Number(timeout)}`);
      }
      return this.#tx.immediate(fn) as T;
    }
  }

  #bump(): Revision {
    const revision = this.#stmt.bump.get();
    if (revision === undefined) throw internal(CODES.internal, `${this.file}: revision counter row is missing`);
    return revision;
  }

  #current(): Revision {
    return this.#stmt.current.get() ?? 0;
  }
}
