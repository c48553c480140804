// Runs the KVStore and watch conformance suites against a real etcd, plus bad addresses and unreachable etcds.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { startEtcd, freePort, type EtcdServer } from "../testing/etcd-server.js";
import { runStoreConformance } from "./conformance.js";
import { STORE_ERROR_CODES } from "./contract.js";
import { parseClusterStoreOptions, parseEtcdUrl } from "./etcd-config.js";
import { EtcdStore, openEtcdStore } from "./etcd.js";
import { runWatchConformance } from "./watch-conformance.js";

function failsWith(code: string, text?: RegExp): (err: unknown) => true {
  return (err) => {
    assert.ok(isLibnetworkError(err), String(err));
    assert.equal(err.code, code, err.message);
    if (text !== undefined) assert.match(err.message, text);
    return true;
  };
}

describe("etcd store", () => {
  let etcd: EtcdServer | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  // Every store gets a root of its own, so list("") sees only its keys on the shared etcd.
  const fresh = async (): Promise<{ store: EtcdStore; cleanup: () => Promise<void> }> => {
    assert.ok(etcd !== undefined);
    const root = `t-${randomBytes(6).toString("hex")}`;
    const store = await openEtcdStore({ url: etcd.url, root });
    return { store, cleanup: () => store.close() };
  };
  runStoreConformance("etcd", fresh);
  runWatchConformance("etcd", fresh);

  it("two stores on one etcd see each other's writes and compare-and-swap against each other", async () => {
    assert.ok(etcd !== undefined);
    const root = `t-${randomBytes(6).toString("hex")}`;
    const [a, b] = [await openEtcdStore({ url: etcd.url, root }), await openEtcdStore({ url: etcd.url, root })];
    try {
      const r = await a.put("net/x", "1");
      assert.equal((await b.get("net/x"))?.revision, r);
      await b.put("net/x", "2", { expectRevision: r });
      await assert.rejects(a.put("net/x", "3", { expectRevision: r }), failsWith(STORE_ERROR_CODES.revisionMismatch, /net\/x/));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("etcd store: leases", () => {
  let etcd: EtcdServer | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });
  it("an ephemeral key is seen by others while its holder lives and goes with close", async () => {
    assert.ok(etcd !== undefined);
    const root = `t-${randomBytes(6).toString("hex")}`;
    const [holder, other] = [await openEtcdStore({ url: etcd.url, root }), await openEtcdStore({ url: etcd.url, root })];
    try {
      const live = await holder.putEphemeral("nodes/10.0.0.1", "{}", 5);
      assert.equal((await other.get("nodes/10.0.0.1"))?.value, "{}");
      await live.close();
      assert.equal(await other.get("nodes/10.0.0.1"), undefined);
      await holder.putEphemeral("nodes/10.0.0.2", "{}", 5);
      await holder.close();
      assert.equal(await other.get("nodes/10.0.0.2"), undefined, "closing the store ends its leases");
    } finally {
      await Promise.all([holder.close(), other.close()]);
    }
  });
});

describe("etcd store: bad input", () => {
  it("malformed cluster store addresses are refused before any connection", () => {
    const invalid = failsWith(STORE_ERROR_CODES.invalidOption);
    for (const url of ["", "http://1.2.3.4:2379", "etcd://", "etcd://host", "etcd://host:99999", "etcd://a:1,,b:2", "etcd://ho st:1", "consul://h:1"]) {
      assert.throws(() => parseEtcdUrl(url, false), invalid, url);
      assert.throws(() => new EtcdStore({ url }), invalid, url);
    }
    assert.deepEqual(parseEtcdUrl("etcd://10.0.0.1:2379,[fd00::1]:2379", false).hosts, ["http://10.0.0.1:2379", "http://[fd00::1]:2379"]);
    assert.deepEqual(parseEtcdUrl("etcd://e1:2379", true).hosts, ["https://e1:2379"]);
  });
  it("cluster store TLS options are checked", () => {
    const invalid = failsWith(STORE_ERROR_CODES.invalidOption);
    assert.equal(parseClusterStoreOptions(new Map()), undefined);
    assert.throws(() => parseClusterStoreOptions(new Map([["kv.certfile", "/c"]])), invalid);
    assert.throws(() => parseClusterStoreOptions(new Map([["kv.cacertfile", "/a"], ["kv.keyfile", "/k"]])), invalid);
    assert.throws(() => parseClusterStoreOptions(new Map([["kv.path", "/x"]])), invalid);
    assert.deepEqual(parseClusterStoreOptions(new Map([["kv.cacertfile", "/a"]])), { caFile: "/a" });
    assert.throws(() => new EtcdStore({ url: "etcd://127.0.0.1:1", tls: { caFile: "/nonexistent/ca.pem" } }), failsWith(STORE_ERROR_CODES.invalidOption, /kv.cacertfile/));
  });
  it("an etcd nobody listens for is ERR_STORE_UNAVAILABLE naming the address", async () => {
    const url = `etcd://127.0.0.1:${await freePort()}`;
    await assert.rejects(openEtcdStore({ url, timeoutMs: 1000 }), failsWith(STORE_ERROR_CODES.unavailable, /127\.0\.0\.1/));
  });
  it("an etcd that accepts but never answers is ERR_STORE_UNAVAILABLE once the timeout passes", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      await assert.rejects(openEtcdStore({ url: `etcd://127.0.0.1:${port}`, timeoutMs: 500 }), failsWith(STORE_ERROR_CODES.unavailable));
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
