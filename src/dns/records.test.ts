// ServiceRecords: every naming rule of libnetwork §5.2/§5.3, scoping, lifecycle and replication.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { DnsType } from "./message.js";
import { ServiceRecords, type LookupResult } from "./records.js";
import type { RecordsOp } from "./records-types.js";
import { ipToReverseName, reverseNameToIp } from "./reverse.js";

const { A, AAAA, PTR, MX, TXT } = DnsType;

function values(r: LookupResult): string[] | string {
  if (r.kind !== "answer") return r.kind;
  return r.records.map((a) => a.value).sort();
}

/** Two networks, "front" (v4+v6) and "back" (v4, internal); sandbox s1 on both, s2 on back only. */
function fixture(): ServiceRecords {
  const r = new ServiceRecords();
  r.setNetwork({ networkId: "nf", name: "front", ipv6: true });
  r.setNetwork({ networkId: "nb", name: "back", internal: true });
  r.setEndpoint("nf", { endpointId: "e1", name: "Web", aliases: ["www", "0123456789ab"], ipv4: "10.1.0.2/24", ipv6: "fd00:1::2" });
  r.setEndpoint("nf", { endpointId: "e2", name: "api", aliases: ["www"], ipv4: "10.1.0.3" });
  r.setEndpoint("nb", { endpointId: "e3", name: "web", ipv4: "10.2.0.2" });
  r.setEndpoint("nb", { endpointId: "e4", name: "db", aliases: ["store"], ipv4: "10.2.0.4" });
  r.setSandbox("s1", { networkIds: ["nf", "nb"] });
  r.setSandbox("s2", { networkIds: ["nb"] });
  return r;
}

describe("ServiceRecords names", () => {
  test("endpoint names and aliases, case-insensitive, A and AAAA", () => {
    const r = fixture();
    assert.deepEqual(values(r.lookup("s1", "web", A)), ["10.1.0.2"]);
    assert.deepEqual(values(r.lookup("s1", "WEB.", A)), ["10.1.0.2"]);
    assert.deepEqual(values(r.lookup("s1", "wEb", AAAA)), ["fd00:1::2"]);
    assert.deepEqual(values(r.lookup("s1", "0123456789AB", A)), ["10.1.0.2"]);
    assert.deepEqual(values(r.lookup("s1", "store", A)), ["10.2.0.4"]);
  });

  test("a shared alias returns every address once", () => {
    const r = fixture();
    r.setEndpoint("nf", { endpointId: "e5", name: "api2", aliases: ["www"], ipv4: "10.1.0.3" });
    assert.deepEqual(values(r.lookup("s1", "www", A)), ["10.1.0.2", "10.1.0.3"]);
  });

  test("the first network in the sandbox's order wins", () => {
    const r = fixture();
    assert.deepEqual(values(r.lookup("s1", "web", A)), ["10.1.0.2"]);
    r.setSandbox("s1", { networkIds: ["nb", "nf"] });
    assert.deepEqual(values(r.lookup("s1", "web", A)), ["10.2.0.2"]);
  });

  test("name.network restricts the lookup to that network", () => {
    const r = fixture();
    assert.deepEqual(values(r.lookup("s1", "web.back", A)), ["10.2.0.2"]);
    assert.deepEqual(values(r.lookup("s1", "Web.Front", A)), ["10.1.0.2"]);
    assert.deepEqual(values(r.lookup("s1", "www.front", A)), ["10.1.0.2", "10.1.0.3"]);
    assert.equal(values(r.lookup("s1", "db.front", A)), "unknown");
    assert.equal(values(r.lookup("s1", "web.nowhere", A)), "unknown");
  });

  test("a.b.c: the full name first, then a.b on network c, then a on network b.c", () => {
    const r = new ServiceRecords();
    r.setNetwork({ networkId: "n1", name: "my.net" });
    r.setNetwork({ networkId: "n2", name: "net" });
    r.setEndpoint("n1", { endpointId: "e1", name: "svc", ipv4: "10.0.1.1" });
    r.setEndpoint("n2", { endpointId: "e2", name: "svc.my", ipv4: "10.0.2.1" });
    r.setSandbox("s", { networkIds: ["n1", "n2"] });
    // "svc.my" exists on network "net": step 2 wins over step 3 ("svc" on "my.net").
    assert.deepEqual(values(r.lookup("s", "svc.my.net", A)), ["10.0.2.1"]);
    r.removeEndpoint("n2", "e2");
    assert.deepEqual(values(r.lookup("s", "svc.my.net", A)), ["10.0.1.1"]);
    r.setEndpoint("n2", { endpointId: "e3", name: "x", aliases: ["svc.my.net"], ipv4: "10.0.2.9" });
    assert.deepEqual(values(r.lookup("s", "svc.my.net", A)), ["10.0.2.9"]);
  });

  test("a known name without that record type: empty NOERROR, not forwarded", () => {
    const r = fixture();
    assert.equal(values(r.lookup("s1", "api", AAAA)), "nodata");
    assert.equal(values(r.lookup("s1", "web", MX)), "nodata");
    assert.equal(values(r.lookup("s1", "web", TXT)), "nodata");
    assert.equal(values(r.lookup("s1", "example.com", A)), "unknown");
    assert.equal(values(r.lookup("s1", "example.com", MX)), "unknown");
  });

  test("a sandbox sees only the networks it is attached to", () => {
    const r = fixture();
    assert.deepEqual(values(r.lookup("s2", "web", A)), ["10.2.0.2"]);
    assert.equal(values(r.lookup("s2", "api", A)), "unknown");
    assert.equal(values(r.lookup("s2", "www", A)), "unknown");
    assert.equal(values(r.lookup("nobody", "web", A)), "unknown");
  });

  test("link aliases are sandbox-local and map to a name", () => {
    const r = fixture();
    r.setSandbox("s1", { networkIds: ["nf", "nb"], linkAliases: { Database: "db" } });
    assert.deepEqual(values(r.lookup("s1", "database", A)), ["10.2.0.4"]);
    assert.deepEqual(values(r.lookup("s1", "database.back", A)), ["10.2.0.4"]);
    assert.equal(values(r.lookup("s2", "database", A)), "unknown");
  });

  test("with a user ndots a single-label miss is NOERROR, a dotted one is not", () => {
    const r = fixture();
    r.setSandbox("s1", { networkIds: ["nf"], userNdots: true });
    assert.equal(values(r.lookup("s1", "nosuch", A)), "nodata");
    assert.equal(values(r.lookup("s1", "nosuch", AAAA)), "nodata");
    assert.equal(values(r.lookup("s1", "nosuch.example", A)), "unknown");
    assert.equal(values(r.lookup("s1", "nosuch", MX)), "unknown");
  });
});

describe("ServiceRecords PTR", () => {
  test("reverse names parse and format", () => {
    assert.equal(ipToReverseName("10.1.0.2"), "2.0.1.10.in-addr.arpa");
    assert.equal(reverseNameToIp("2.0.1.10.in-addr.arpa"), "10.1.0.2");
    assert.equal(reverseNameToIp(ipToReverseName("fd00:1::2")), "fd00:1::2");
    assert.equal(reverseNameToIp("02.0.1.10.in-addr.arpa"), undefined);
    assert.equal(reverseNameToIp("1.0.1.10.in-addr.arpa.extra"), undefined);
    assert.equal(reverseNameToIp("0.1.10.in-addr.arpa"), undefined);
  });

  test("PTR answers name.network. for addresses on the asker's networks", () => {
    const r = fixture();
    assert.deepEqual(values(r.lookup("s1", ipToReverseName("10.1.0.2"), PTR)), ["Web.front."]);
    assert.deepEqual(values(r.lookup("s1", `${ipToReverseName("fd00:1::2")}.`, PTR)), ["Web.front."]);
    assert.deepEqual(values(r.lookup("s2", ipToReverseName("10.2.0.4"), PTR)), ["db.back."]);
    assert.equal(values(r.lookup("s2", ipToReverseName("10.1.0.2"), PTR)), "unknown");
    assert.equal(values(r.lookup("s1", ipToReverseName("10.9.9.9"), PTR)), "unknown");
  });

  test("anonymous endpoints: no name record, the first alias gets the PTR", () => {
    const r = fixture();
    r.setEndpoint("nf", { endpointId: "e9", name: "ignored", anonymous: true, aliases: ["anon1", "anon2"], ipv4: "10.1.0.9" });
    assert.equal(values(r.lookup("s1", "ignored", A)), "unknown");
    assert.deepEqual(values(r.lookup("s1", "anon2", A)), ["10.1.0.9"]);
    assert.deepEqual(values(r.lookup("s1", ipToReverseName("10.1.0.9"), PTR)), ["anon1.front."]);
  });
});

describe("ServiceRecords lifecycle and replication", () => {
  test("remove, rename, network removal and sandbox removal", () => {
    const r = fixture();
    r.setEndpoint("nf", { endpointId: "e1", name: "web2", ipv4: "10.1.0.2" });
    assert.equal(values(r.lookup("s1", "www.front", A)).length, 1);
    assert.deepEqual(values(r.lookup("s1", "web2", A)), ["10.1.0.2"]);
    assert.deepEqual(values(r.lookup("s1", "web", A)), ["10.2.0.2"]);
    assert.deepEqual(values(r.lookup("s1", ipToReverseName("10.1.0.2"), PTR)), ["web2.front."]);
    r.removeEndpoint("nf", "e1");
    assert.equal(values(r.lookup("s1", "web2", A)), "unknown");
    r.setNetwork({ networkId: "nb", name: "backend", internal: true });
    assert.deepEqual(values(r.lookup("s2", ipToReverseName("10.2.0.4"), PTR)), ["db.backend."]);
    assert.deepEqual(values(r.lookup("s2", "db.backend", A)), ["10.2.0.4"]);
    r.removeNetwork("nb");
    assert.equal(values(r.lookup("s2", "db", A)), "unknown");
    r.removeSandbox("s1");
    assert.equal(values(r.lookup("s1", "api", A)), "unknown");
  });

  test("forwarding policy and upstream choice", () => {
    const r = fixture();
    assert.equal(r.mayForward("s1"), true);
    assert.equal(r.mayForward("s2"), false);
    assert.equal(r.mayForward("nobody"), false);
    r.setDefaultUpstreams([{ address: "192.0.2.53", hostLoopback: false }]);
    assert.deepEqual(r.upstreamsOf("s1").map((u) => u.address), ["192.0.2.53"]);
    r.setSandbox("s1", { networkIds: ["nf"], upstreams: [{ address: "9.9.9.9", hostLoopback: false }] });
    assert.deepEqual(r.upstreamsOf("s1").map((u) => u.address), ["9.9.9.9"]);
  });

  test("a replica fed the snapshot and then the changes answers the same", () => {
    const r = fixture();
    const replica = new ServiceRecords();
    for (const op of r.snapshot()) replica.apply(structuredClone(op));
    const ops: RecordsOp[] = [];
    r.subscribe((op) => ops.push(structuredClone(op)));
    r.setEndpoint("nb", { endpointId: "e7", name: "cache", ipv4: "10.2.0.7" });
    r.removeEndpoint("nf", "e2");
    for (const op of ops) replica.apply(op);
    for (const [sb, name, type] of [["s1", "cache", A], ["s1", "www", A], ["s2", "web", A], ["s1", "web", AAAA]] as const) {
      assert.deepEqual(values(replica.lookup(sb, name, type)), values(r.lookup(sb, name, type)), `${sb} ${name}`);
    }
  });

  test("bad input is rejected and changes nothing", () => {
    const r = fixture();
    const isInvalid = (e: unknown): boolean => isLibnetworkError(e) && e.kind === "invalid-argument";
    assert.throws(() => r.setEndpoint("nf", { endpointId: "x", name: "x", ipv4: "300.1.1.1" }), isInvalid);
    assert.throws(() => r.setEndpoint("nf", { endpointId: "x", name: "x", ipv4: "fd00::1" }), isInvalid);
    assert.throws(() => r.setEndpoint("nf", { endpointId: "x", name: "bad name" }), isInvalid);
    assert.throws(() => r.setEndpoint("nope", { endpointId: "x", name: "x" }), (e: unknown) => isLibnetworkError(e) && e.kind === "not-found");
    assert.equal(values(r.lookup("s1", "x", A)), "unknown");
  });
});
