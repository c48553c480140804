// Public surface of the store layer: the KV contract and its SQLite and in-memory implementations.
// The conformance suite (./conformance.js) is left out on purpose: it imports node:test.

export * from "./contract.js";
export { MemoryStore } from "./memory.js";
export { SQLITE_FILE_NAME, SQLITE_SCHEMA_VERSION, SqliteStore, openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";
