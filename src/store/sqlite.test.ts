// Runs the KVStore conformance suite against SqliteStore, plus durability, schema and multi-connection cases.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { isLibnetworkError, type ErrorKind } from "../errors/index.js";
import { runStoreConformance } from "./conformance.js";
import { STORE_ERROR_CODES as CODES } from "./contract.js";
import { SQLITE_FILE_NAME, openSqliteStore } from "./sqlite.js";

async function scratch(): Promise<{ dir: string; dataDir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "dnet-store-test-"));
  return { dir, dataDir: join(dir, "data"), remove: () => rm(dir, { recursive: true, force: true }) };
}

function fails(kind: ErrorKind, code: string): (err: unknown) => true {
  return (err) => {
    if (!isLibnetworkError(err)) assert.fail(`expected a LibnetworkError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind);
    return true;
  };
}

runStoreConformance("sqlite", async () => {
  const { dataDir, remove } = await scratch();
  const store = await openSqliteStore({ dataDir });
  return { store, cleanup: async () => { await store.close(); await remove(); } };
});

// The child writes as fast as it can and reports each put only after it resolved; the parent kills
// it mid-stream, so the kill lands at an arbitrary point of some later write.
const CHILD = `
import { openSqliteStore } from ${JSON.stringify(new URL("./sqlite.js", import.meta.url).href)};
const store = await openSqliteStore({ dataDir: process.argv[1] });
const mixed = process.argv[2] === "mixed";
for (let i = 0; i < 100000; i++) {
  const key = "crash/" + String(i).padStart(6, "0");
  const value = JSON.stringify({ i });
  const revision = mixed
    ? (await store.transaction([{ op: "put", key, value }], { durability: i % 2 === 1 ? "deferred" : "immediate" })).revision
    : await store.put(key, value);
  process.stdout.write(i + " " + revision + "\\n");
}
`;

async function writeUntilKilled(dataDir: string, acksBeforeKill: number, mode = "put"): Promise<Map<number, number>> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, dataDir, mode], { stdio: ["ignore", "pipe", "pipe"] });
  const acked = new Map<number, number>();
  let stderr = "";
  let pending = "";
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const [i, revision] = line.split(" ").map(Number);
      acked.set(i!, revision!);
    }
    if (acked.size >= acksBeforeKill) child.kill("SIGKILL");
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const signal = await new Promise<NodeJS.Signals | null>((done) => child.on("exit", (_code, sig) => done(sig)));
  clearTimeout(timer);
  assert.equal(signal, "SIGKILL", `child ended without being killed: ${stderr}`);
  assert.ok(acked.size >= acksBeforeKill, `child acknowledged only ${acked.size} puts: ${stderr}`);
  return acked;
}

describe("SqliteStore", () => {
  it("creates the data directory with mode 0700 and the database inside it", async () => {
    const { dataDir, remove } = await scratch();
    try {
      const store = await openSqliteStore({ dataDir: join(dataDir, "nested") });
      assert.equal(store.file, join(dataDir, "nested", SQLITE_FILE_NAME));
      assert.equal((await stat(join(dataDir, "nested"))).mode & 0o777, 0o700);
      assert.ok((await stat(store.file)).isFile());
      await store.put("k", "v");
      const raw = new Database(store.file);
      assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
      raw.close();
      await store.close();
    } finally {
      await remove();
    }
  });

  it("keeps data and the revision counter across close and reopen", async () => {
    const { dataDir, remove } = await scratch();
    try {
      const first = await openSqliteStore({ dataDir });
      await first.put("net/a", '{"a":1}');
      const { revision } = await first.transaction([{ op: "put", key: "net/b", value: "b" }, { op: "put", key: "ep/x", value: "x" }]);
      await first.put("gone", "soon");
      await first.delete("gone");
      const before = await first.list("");
      await first.close();
      const second = await openSqliteStore({ dataDir });
      assert.deepEqual(await second.list(""), before);
      assert.equal((await second.get("net/b"))?.revision, revision);
      assert.ok((await second.put("net/c", "c")) > revision + 2, "the counter restarted after reopen");
      await second.close();
    } finally {
      await remove();
    }
  });

  it("two connections to one database share revisions and compare-and-swap", async () => {
    const { dataDir, remove } = await scratch();
    try {
      const a = await openSqliteStore({ dataDir });
      const b = await openSqliteStore({ dataDir });
      const r1 = await a.put("k", "from a");
      assert.deepEqual(await b.get("k"), { key: "k", value: "from a", revision: r1 });
      const r2 = await b.put("k", "from b", { expectRevision: r1 });
      assert.ok(r2 > r1);
      await assert.rejects(a.put("k", "stale", { expectRevision: r1 }), fails("conflict", CODES.revisionMismatch));
      assert.ok((await a.put("other", "x")) > r2);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await remove();
    }
  });

  for (const mode of ["put", "mixed"]) {
    it(mode === "put" ? "every put acknowledged before SIGKILL is readable afterwards"
      : "deferred-durability transactions acknowledged before SIGKILL are readable afterwards too (mixed with immediate ones)", async () => {
      const { dataDir, remove } = await scratch();
      try {
        const acked = await writeUntilKilled(dataDir, mode === "put" ? 50 : 400, mode);
        const check = new Database(join(dataDir, SQLITE_FILE_NAME));
        assert.equal(check.pragma("integrity_check", { simple: true }), "ok");
        check.close();
        const store = await openSqliteStore({ dataDir });
        for (const [i, revision] of acked) {
          const key = `crash/${String(i).padStart(6, "0")}`;
          assert.deepEqual(await store.get(key), { key, value: JSON.stringify({ i }), revision });
        }
        await store.close();
      } finally {
        await remove();
      }
    });
  }

  it("refuses a database written by a newer schema version and leaves it untouched", async () => {
    const { dataDir, remove } = await scratch();
    try {
      const store = await openSqliteStore({ dataDir });
      await store.put("k", "v");
      await store.close();
      const raw = new Database(store.file);
      raw.prepare("UPDATE schema_version SET version = 99").run();
      raw.close();
      await assert.rejects(openSqliteStore({ dataDir }), (err) => {
        fails("unavailable", CODES.schemaTooNew)(err);
        assert.match((err as Error).message, /schema version 99 .*understands up to 1/);
        return true;
      });
      const after = new Database(store.file, { readonly: true });
      assert.equal(after.prepare("SELECT version FROM schema_version").pluck().get(), 99);
      after.close();
    } finally {
      await remove();
    }
  });

  it("refuses files that are not a dnet store and unusable data directories", async () => {
    const { dir, dataDir, remove } = await scratch();
    try {
      await mkdir(dataDir);
      await writeFile(join(dataDir, SQLITE_FILE_NAME), "this is not an SQLite database, just text. ".repeat(100));
      await assert.rejects(openSqliteStore({ dataDir }), fails("unavailable", CODES.openFailed));
      const foreign = join(dir, "foreign");
      await mkdir(foreign);
      const db = new Database(join(foreign, SQLITE_FILE_NAME));
      db.exec("CREATE TABLE users (name TEXT)");
      db.close();
      await assert.rejects(openSqliteStore({ dataDir: foreign }), fails("unavailable", CODES.schemaUnknown));
      await writeFile(join(dir, "file"), "");
      await assert.rejects(openSqliteStore({ dataDir: join(dir, "file", "sub") }), fails("unavailable", CODES.openFailed));
      await assert.rejects(openSqliteStore({ dataDir: "" }), fails("invalid-argument", CODES.invalidOption));
    } finally {
      await remove();
    }
  });
});
