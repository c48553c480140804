// Runs the KVStore conformance suite against MemoryStore, plus its isolation between instances.

import assert from "node:assert/strict";
import { it } from "node:test";
import { runStoreConformance } from "./conformance.js";
import { MemoryStore } from "./memory.js";
import { runWatchConformance } from "./watch-conformance.js";

runStoreConformance("memory", async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});

it("MemoryStore instances share neither keys nor revisions", async () => {
  const a = new MemoryStore();
  const b = new MemoryStore();
  const ra = await a.put("k", "a");
  assert.equal(await b.get("k"), undefined);
  assert.equal(await b.put("k", "b"), ra);
  assert.equal((await a.get("k"))?.value, "a");
  await Promise.all([a.close(), b.close()]);
});

runWatchConformance("memory", async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
