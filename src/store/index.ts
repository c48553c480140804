// Public surface of the store layer: the KV contract (and its watch extension); SQLite, in-memory and etcd stores.
// The conformance suite (./conformance.js) is left out on purpose: it imports node:test.

export * from "./contract.js";
export { MemoryStore } from "./memory.js";
export { SQLITE_FILE_NAME, SQLITE_SCHEMA_VERSION, SqliteStore, openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export { isLeasing, isWatchable, type Ephemeral, type LeasingStore, type Snapshot, type StoreWatch, type WatchEvent, type WatchableStore } from "./watch.js";
export { EtcdStore, openEtcdStore, type EtcdStoreOptions } from "./etcd.js";
export { parseClusterStoreOptions, parseEtcdUrl, type EtcdTlsFiles } from "./etcd-config.js";
