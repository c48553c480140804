// The KVStore conformance suite: one set of node:test cases that every store implementation must pass.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLibnetworkError, type ErrorKind } from "../errors/index.js";
import { MAX_KEY_BYTES, MAX_TXN_OPS, MAX_VALUE_BYTES, STORE_ERROR_CODES as CODES, type KVEntry, type KVStore, type TxnOp, type TxnOptions } from "./contract.js";

export interface StoreUnderTest {
  readonly store: KVStore;
  /** Closes the store (close is idempotent, it may already be closed) and removes what it created. */
  readonly cleanup: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

type Case = (title: string, body: (store: KVStore) => Promise<void>) => void;

function fails(kind: ErrorKind, code: string): (err: unknown) => true {
  return (err) => {
    if (!isLibnetworkError(err)) assert.fail(`expected a LibnetworkError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind);
    return true;
  };
}

const mismatch = fails("conflict", CODES.revisionMismatch);
const invalid = (code: string) => fails("invalid-argument", code);
const keysOf = (entries: readonly KVEntry[]): string[] => entries.map((e) => e.key);
// Independent of the implementations' comparator: UTF-8 byte order computed by Buffer.
const byteOrder = (keys: readonly string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

async function putAll(store: KVStore, keys: readonly string[]): Promise<void> {
  for (const key of keys) await store.put(key, `v:${key}`);
}

function crudCases(test: Case): void {
  test("get of a missing key resolves to undefined", async (s) => assert.equal(await s.get("net/missing"), undefined));
  test("put then get round-trips value and revision", async (s) => {
    const revision = await s.put("net/a", '{"name":"a"}');
    assert.ok(Number.isSafeInteger(revision) && revision > 0, `revision ${revision}`);
    assert.deepEqual(await s.get("net/a"), { key: "net/a", value: '{"name":"a"}', revision });
  });
  test("put replaces the value under a new revision", async (s) => {
    const r1 = await s.put("net/a", "1");
    const r2 = await s.put("net/a", "2");
    assert.ok(r2 > r1);
    assert.deepEqual(await s.get("net/a"), { key: "net/a", value: "2", revision: r2 });
  });
  test("delete removes a key and tells whether it existed", async (s) => {
    await s.put("net/a", "1");
    assert.equal(await s.delete("net/a"), true);
    assert.equal(await s.get("net/a"), undefined);
    assert.equal(await s.delete("net/a"), false);
  });
  test("an empty value is stored and differs from a missing key", async (s) => {
    const revision = await s.put("k", "");
    assert.deepEqual(await s.get("k"), { key: "k", value: "", revision });
  });
}

function listCases(test: Case): void {
  const tree = ["a/b", "a/b/c", "a/b/d/e", "a/bc/x", "a/b0", "a/c", "b/x"];
  test("list orders by key in UTF-8 byte order", async (s) => {
    const keys = ["k/a", "k/B", "k/a-b", "k/a/b", "k/a0", "k/é", "k/\uffff", "k/\u{1f600}", "k/Z", "k/a/b/c"];
    await putAll(s, [...keys].reverse());
    const listed = keysOf(await s.list("k/"));
    assert.deepEqual(listed, byteOrder(keys));
    // JavaScript's `<` would put the emoji (a surrogate pair) before U+FFFF.
    assert.ok(listed.indexOf("k/\uffff") < listed.indexOf("k/\u{1f600}"));
  });
  test("list respects segment boundaries", async (s) => {
    await putAll(s, tree);
    assert.deepEqual(keysOf(await s.list("a/b/")), ["a/b/c", "a/b/d/e"]);
    assert.deepEqual(keysOf(await s.list("a/")), ["a/b", "a/b/c", "a/b/d/e", "a/b0", "a/bc/x", "a/c"]);
    assert.deepEqual(keysOf(await s.list("")), byteOrder(tree));
    assert.deepEqual(await s.list("zz/"), []);
    const [first] = await s.list("b/");
    assert.deepEqual(first, { key: "b/x", value: "v:b/x", revision: (await s.get("b/x"))?.revision });
  });
  test("list refuses prefixes that do not end at a segment boundary", async (s) => {
    for (const prefix of ["a/b", "/", "a//", "x\0/"]) await assert.rejects(s.list(prefix), invalid(CODES.invalidPrefix));
  });
  test("deletePrefix removes exactly the keys under the prefix", async (s) => {
    await putAll(s, tree);
    assert.equal(await s.deletePrefix("a/b/"), 2);
    assert.deepEqual(keysOf(await s.list("")), ["a/b", "a/b0", "a/bc/x", "a/c", "b/x"]);
    assert.equal(await s.deletePrefix("nothing/"), 0);
    for (const prefix of ["", "a/b", "/"]) await assert.rejects(s.deletePrefix(prefix), invalid(CODES.invalidPrefix));
    assert.equal((await s.list("")).length, 5);
  });
}

function casCases(test: Case): void {
  test("put with expectRevision 'absent' creates only a missing key", async (s) => {
    const revision = await s.put("k", "1", { expectRevision: "absent" });
    await assert.rejects(s.put("k", "2", { expectRevision: "absent" }), mismatch);
    assert.deepEqual(await s.get("k"), { key: "k", value: "1", revision });
  });
  test("put with a revision succeeds only on exactly that revision", async (s) => {
    const r1 = await s.put("k", "1");
    const r2 = await s.put("k", "2", { expectRevision: r1 });
    await assert.rejects(s.put("k", "3", { expectRevision: r1 }), mismatch);
    await assert.rejects(s.put("other", "x", { expectRevision: r1 }), mismatch);
    assert.deepEqual(await s.get("k"), { key: "k", value: "2", revision: r2 });
    assert.equal(await s.get("other"), undefined);
  });
  test("delete with a condition removes only on a match", async (s) => {
    const r1 = await s.put("k", "1");
    const r2 = await s.put("k", "2");
    await assert.rejects(s.delete("k", { expectRevision: r1 }), mismatch);
    await assert.rejects(s.delete("k", { expectRevision: "absent" }), mismatch);
    assert.equal((await s.get("k"))?.revision, r2);
    assert.equal(await s.delete("k", { expectRevision: r2 }), true);
    await assert.rejects(s.delete("k", { expectRevision: r2 }), mismatch);
    assert.equal(await s.delete("k", { expectRevision: "absent" }), false);
  });
  test("concurrent compare-and-swap callers get exactly one winner per revision", async (s) => {
    await s.put("c/counter", "0");
    const callers = 25;
    const winners = new Map<number, number>();
    let conflicts = 0;
    const caller = async (id: number): Promise<void> => {
      for (let attempt = 0; attempt <= callers; attempt++) {
        const current = await s.get("c/counter");
        assert.ok(current !== undefined);
        try {
          await s.put("c/counter", String(Number(current.value) + 1), { expectRevision: current.revision });
        } catch (err) {
          mismatch(err);
          conflicts++;
          continue;
        }
        assert.ok(!winners.has(current.revision), `two winners for revision ${current.revision}`);
        winners.set(current.revision, id);
        return;
      }
      assert.fail(`caller ${id} never won`);
    };
    await Promise.all(Array.from({ length: callers }, (_, id) => caller(id)));
    assert.equal((await s.get("c/counter"))?.value, String(callers));
    assert.equal(winners.size, callers);
    assert.ok(conflicts > 0, "the callers never raced");
  });
}

function txnCases(test: Case): void {
  test("transaction applies every op under one shared revision", async (s) => {
    const old = await s.put("t/old", "x");
    const { revision } = await s.transaction([
      { op: "put", key: "t/a", value: "A" },
      { op: "put", key: "t/b", value: "B", expectRevision: "absent" },
      { op: "delete", key: "t/old", expectRevision: old },
      { op: "check", key: "t/none", expectRevision: "absent" },
    ]);
    assert.ok(revision > old);
    assert.deepEqual(await s.list("t/"), [
      { key: "t/a", value: "A", revision },
      { key: "t/b", value: "B", revision },
    ]);
  });
  test("transaction changes nothing when any condition fails", async (s) => {
    const keep = await s.put("t/keep", "k");
    const failing: TxnOp[][] = [
      [{ op: "put", key: "t/new", value: "n" }, { op: "delete", key: "t/keep" }, { op: "put", key: "t/x", value: "x", expectRevision: keep + 1000 }],
      [{ op: "put", key: "t/new", value: "n" }, { op: "check", key: "t/keep", expectRevision: "absent" }],
      [{ op: "delete", key: "t/keep", expectRevision: keep }, { op: "put", key: "t/new", value: "n", expectRevision: keep }],
    ];
    for (const ops of failing) await assert.rejects(s.transaction(ops), mismatch);
    assert.deepEqual(await s.list("t/"), [{ key: "t/keep", value: "k", revision: keep }]);
    const { revision } = await s.transaction([{ op: "check", key: "t/keep", expectRevision: keep }, { op: "put", key: "t/new", value: "n" }]);
    assert.equal((await s.get("t/new"))?.revision, revision);
  });
  test("transaction changes nothing when any op is invalid", async (s) => {
    const put = (key: string): TxnOp => ({ op: "put", key, value: "v" });
    await assert.rejects(s.transaction([put("t/a"), put("bad//key")]), invalid(CODES.invalidKey));
    await assert.rejects(s.transaction([put("t/a"), put("t/a")]), invalid(CODES.invalidTransaction));
    await assert.rejects(s.transaction([put("t/a"), { op: "delete", key: "t/a" }]), invalid(CODES.invalidTransaction));
    const tooMany = Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => put(`t/${i}`));
    await assert.rejects(s.transaction(tooMany), invalid(CODES.invalidTransaction));
    const odd = [put("t/a"), { op: "merge", key: "t/b", value: "v" } as unknown as TxnOp];
    await assert.rejects(s.transaction(odd), invalid(CODES.invalidTransaction));
    await assert.rejects(s.transaction([{ op: "check", key: "t/a" } as unknown as TxnOp]), invalid(CODES.invalidTransaction));
    await assert.rejects(s.transaction([put("t/a")], { durability: "eventually" } as unknown as TxnOptions), invalid(CODES.invalidTransaction));
    assert.deepEqual(await s.list(""), []);
    assert.equal((await s.transaction([put("t/d")], { durability: "deferred" })).revision > 0, true, "deferred is a valid durability");
    await s.delete("t/d");
    await s.transaction(tooMany.slice(1));
    assert.equal((await s.list("t/")).length, MAX_TXN_OPS);
  });
  test("a transaction that writes nothing reports the current revision", async (s) => {
    const r = await s.put("k", "v");
    assert.equal((await s.transaction([])).revision, r);
    assert.equal((await s.transaction([{ op: "check", key: "k", expectRevision: r }])).revision, r);
    assert.equal((await s.transaction([{ op: "delete", key: "missing" }])).revision, r);
    assert.ok((await s.put("k", "w")) > r);
  });
}

function revisionCases(test: Case): void {
  test("revisions increase strictly across keys and kinds of write", async (s) => {
    const seen: number[] = [await s.put("a", "1"), await s.put("b", "1"), await s.put("a", "2")];
    await s.delete("b");
    seen.push(await s.put("m/1", "x"));
    await s.deletePrefix("m/");
    seen.push((await s.transaction([{ op: "put", key: "c", value: "1" }])).revision);
    seen.push(await s.put("d", "1"));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `revisions ${seen.join(", ")}`);
  });
  test("a deleted and recreated key never gets an old revision back", async (s) => {
    const r1 = await s.put("k", "1");
    await s.delete("k");
    const r2 = await s.put("k", "1");
    assert.ok(r2 > r1);
    await assert.rejects(s.put("k", "2", { expectRevision: r1 }), mismatch);
  });
}

function validationCases(test: Case): void {
  test("invalid keys are rejected with ERR_STORE_INVALID_KEY and change nothing", async (s) => {
    const bad = ["", "a\0b", "/a", "a/", "a//b", "x".repeat(MAX_KEY_BYTES + 1), "é".repeat(MAX_KEY_BYTES / 2 + 1), "a/\ud800", 42];
    const check = invalid(CODES.invalidKey);
    for (const key of bad as string[]) {
      await assert.rejects(s.get(key), check);
      await assert.rejects(s.put(key, "v"), check);
      await assert.rejects(s.delete(key), check);
      await assert.rejects(s.transaction([{ op: "put", key, value: "v" }]), check);
    }
    assert.deepEqual(await s.list(""), []);
    for (const key of ["k", "x".repeat(MAX_KEY_BYTES), "é".repeat(MAX_KEY_BYTES / 2), "n/été 😀/a b", "a/-/_/.."]) {
      const revision = await s.put(key, "v");
      assert.deepEqual(await s.get(key), { key, value: "v", revision });
    }
  });
  test("invalid values and expected revisions are rejected and change nothing", async (s) => {
    await assert.rejects(s.put("k", 5 as unknown as string), invalid(CODES.invalidValue));
    await assert.rejects(s.put("k", "\udc00x"), invalid(CODES.invalidValue));
    await assert.rejects(s.put("k", "x".repeat(MAX_VALUE_BYTES + 1)), invalid(CODES.valueTooLarge));
    for (const expectRevision of [0, -1, 1.5, Number.NaN, "1", null]) {
      const options = { expectRevision } as unknown as { expectRevision: number };
      await assert.rejects(s.put("k", "v", options), invalid(CODES.invalidRevision));
      await assert.rejects(s.delete("k", options), invalid(CODES.invalidRevision));
    }
    assert.deepEqual(await s.list(""), []);
  });
}

function valueCases(test: Case): void {
  test("values round-trip exactly", async (s) => {
    const values = [
      JSON.stringify({ name: "réseau-网络-🚀", ctl: "\u0000\u001f\"\\", combining: "e\u0301", rtl: "שלום" }),
      "raw \u0000 NUL inside",
      "line\nbreak\r\n\ttab",
      " leading and trailing ",
      "😀".repeat(100),
    ];
    for (const [i, value] of values.entries()) await s.put(`v/${i}`, value);
    for (const [i, value] of values.entries()) assert.equal((await s.get(`v/${i}`))?.value, value);
    assert.deepEqual((await s.list("v/")).map((e) => e.value), values);
  });
  test("a value of exactly the 1 MiB limit round-trips", async (s) => {
    const value = "€".repeat(Math.floor(MAX_VALUE_BYTES / 3)) + "x".repeat(MAX_VALUE_BYTES % 3);
    assert.equal(Buffer.byteLength(value), MAX_VALUE_BYTES);
    const revision = await s.put("big", value);
    assert.deepEqual(await s.get("big"), { key: "big", value, revision });
    await s.transaction([{ op: "put", key: "big2", value }]);
    assert.equal((await s.list(""))[1]?.value, value);
  });
}

function lifecycleCases(test: Case): void {
  test("after close every call rejects with ERR_STORE_CLOSED", async (s) => {
    await s.put("k", "v");
    await s.close();
    await s.close();
    const closed = fails("unavailable", CODES.closed);
    await assert.rejects(s.get("k"), closed);
    await assert.rejects(s.list(""), closed);
    await assert.rejects(s.put("k", "w"), closed);
    await assert.rejects(s.delete("k"), closed);
    await assert.rejects(s.deletePrefix("k/"), closed);
    await assert.rejects(s.transaction([]), closed);
  });
}

/** Registers the whole suite under `describe("KVStore conformance: <name>")`; each case gets a fresh store. */
export function runStoreConformance(name: string, makeStore: StoreFactory): void {
  describe(`KVStore conformance: ${name}`, () => {
    const test: Case = (title, body) => {
      it(title, async () => {
        const { store, cleanup } = await makeStore();
        try {
          await body(store);
        } finally {
          await cleanup();
        }
      });
    };
    for (const cases of [crudCases, listCases, casCases, txnCases, revisionCases, validationCases, valueCases, lifecycleCases]) cases(test);
  });
}
