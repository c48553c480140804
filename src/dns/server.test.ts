// Root end-to-end: `dig` inside scratch sandboxes against the embedded resolver, for every local-name rule.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadNative } from "../native/index.js";
import { rootOnly, run, uniqueName } from "../testing/kernel.js";
import { ScratchSandboxes, answerData, dig, type ScratchSandbox } from "../testing/dns-sandboxes.js";
import { ServiceRecords } from "./records.js";
import { DnsServer } from "./server.js";
import { TestUpstream } from "./test-upstream.js";

/** Sockets of this process that listen on 127.0.0.11:53 in the netns `ns` (undefined: the host). */
function ourListeners(ns: string | undefined): string[] {
  const ss = ["-Hlnup", "-t", "-u", "src", "127.0.0.11"];
  const out = ns === undefined ? run("ss", ss) : run("ip", ["netns", "exec", ns, "ss", ...ss]);
  return out.split("\n").filter((l) => l.includes(`pid=${process.pid},`));
}

describe("embedded DNS: local names", rootOnly, () => {
  const native = rootOnly.skip === false ? loadNative() : undefined;
  const boxes = native === undefined ? undefined : new ScratchSandboxes(native);
  const records = new ServiceRecords();
  let server: DnsServer | undefined;
  let upstream: TestUpstream;
  let a: ScratchSandbox;
  let b: ScratchSandbox;
  const tag = uniqueName("dns");

  before(async () => {
    upstream = await TestUpstream.start();
    a = await (boxes as ScratchSandboxes).create(`${tag}-a`);
    b = await (boxes as ScratchSandboxes).create(`${tag}-b`);
    records.setDefaultUpstreams([{ address: upstream.address, hostLoopback: true }]);
    records.setNetwork({ networkId: "nf", name: "front", ipv6: true });
    records.setNetwork({ networkId: "nb", name: "back" });
    records.setEndpoint("nf", { endpointId: "e1", name: "web", aliases: ["www", "0123456789ab"], ipv4: "10.1.0.2", ipv6: "fd00:1::2" });
    records.setEndpoint("nf", { endpointId: "e2", name: "api", aliases: ["www"], ipv4: "10.1.0.3" });
    records.setEndpoint("nb", { endpointId: "e3", name: "db", ipv4: "10.2.0.4" });
    records.setEndpoint("nb", { endpointId: "e4", name: "web", ipv4: "10.2.0.2" });
    records.setSandbox("sa", { networkIds: ["nf", "nb"] });
    records.setSandbox("sb", { networkIds: ["nb"] });
    server = await DnsServer.start({ native: native as ReturnType<typeof loadNative>, records, forwarder: { attemptTimeoutMs: 500, budgetMs: 1000 } });
    await server.attach("sa", a.nsFd);
    await server.attach("sb", b.nsFd);
  });

  after(async () => {
    await server?.close();
    await upstream?.close();
    boxes?.cleanup();
  });

  test("names, aliases and the short ID: A over UDP, TTL 600, RA=1, AA=0", async () => {
    for (const [name, want] of [["web", ["10.1.0.2"]], ["0123456789ab", ["10.1.0.2"]], ["api", ["10.1.0.3"]], ["db", ["10.2.0.4"]]] as const) {
      const r = await dig(a.name, [name, "A"]);
      assert.equal(r.status, "NOERROR", r.output);
      assert.deepEqual(answerData(r, "A"), want, r.output);
      assert.equal(r.answers[0]?.ttl, 600);
      assert.ok(r.flags.includes("ra") && !r.flags.includes("aa"), r.flags.join(" "));
    }
  });

  test("case-insensitive, and the answer keeps the question's case", async () => {
    const r = await dig(a.name, ["WeB.FrOnT", "A"]);
    assert.deepEqual(answerData(r, "A"), ["10.1.0.2"], r.output);
    assert.equal(r.answers[0]?.name, "WeB.FrOnT.");
  });

  test("name.network picks the network; the first network in the sandbox's order wins otherwise", async () => {
    assert.deepEqual(answerData(await dig(a.name, ["web.back", "A"])), ["10.2.0.2"]);
    assert.deepEqual(answerData(await dig(a.name, ["web.front", "A"])), ["10.1.0.2"]);
    assert.deepEqual(answerData(await dig(a.name, ["web", "A"])), ["10.1.0.2"]);
  });

  test("over TCP, several queries on one connection", async () => {
    const r = await dig(a.name, ["+tcp", "+keepopen", "web", "A", "db", "A", "api", "A"]);
    const addresses = r.output.split("\n").filter((l) => /\sIN\s+A\s/.test(l) && !l.startsWith(";")).map((l) => l.split(/\s+/).pop());
    assert.deepEqual(addresses, ["10.1.0.2", "10.2.0.4", "10.1.0.3"], r.output);
  });

  test("AAAA for a dual-stack name; NOERROR and no answer for a v4-only name, not forwarded", async () => {
    assert.deepEqual(answerData(await dig(a.name, ["web", "AAAA"]), "AAAA"), ["fd00:1::2"]);
    const before = upstream.log.length;
    const r = await dig(a.name, ["api", "AAAA"]);
    assert.equal(r.status, "NOERROR");
    assert.equal(r.answers.length, 0);
    const mx = await dig(a.name, ["api", "MX"]);
    assert.deepEqual([mx.status, mx.answers.length], ["NOERROR", 0]);
    assert.equal(upstream.log.length, before, "nothing was forwarded");
  });

  test("a shared alias answers every address", async () => {
    assert.deepEqual(answerData(await dig(a.name, ["www", "A"]), "A"), ["10.1.0.2", "10.1.0.3"]);
  });

  test("PTR for addresses on the asker's networks; other addresses are forwarded", async () => {
    assert.deepEqual(answerData(await dig(a.name, ["-x", "10.1.0.2"]), "PTR"), ["web.front."]);
    assert.deepEqual(answerData(await dig(a.name, ["-x", "fd00:1::2"]), "PTR"), ["web.front."]);
    assert.deepEqual(answerData(await dig(a.name, ["-x", "10.2.0.4"]), "PTR"), ["db.back."]);
    const before = upstream.log.length;
    const r = await dig(b.name, ["-x", "10.1.0.2"]);
    assert.equal(r.answers.length, 0, r.output);
    assert.deepEqual(upstream.log.slice(before).map((l) => l.name), ["2.0.1.10.in-addr.arpa"]);
  });

  test("a sandbox sees only the names of its networks", async () => {
    assert.deepEqual(answerData(await dig(b.name, ["web", "A"])), ["10.2.0.2"]);
    const before = upstream.log.length;
    const r = await dig(b.name, ["api", "A"]);
    assert.ok(!answerData(r).includes("10.1.0.3"), r.output);
    assert.deepEqual(upstream.log.slice(before).map((l) => l.name), ["api"], "went to the upstream, not the records");
  });

  test("not an open resolver: nothing listens outside the sandboxes", async () => {
    assert.equal(ourListeners(undefined).length, 0);
    const threads = (server as DnsServer).threadCount;
    assert.equal(ourListeners(a.name).length, threads + 1, "one UDP socket per serving thread and one TCP");
    const r = await dig(undefined, ["web", "A"], { timeout: 1 });
    assert.ok(!answerData(r).includes("10.1.0.2"), r.output);
  });

  test("lifecycle: join adds, rename updates, leave and delete remove", async () => {
    const srv = server as DnsServer;
    records.setEndpoint("nb", { endpointId: "e5", name: "cache", ipv4: "10.2.0.5" });
    await srv.sync();
    assert.deepEqual(answerData(await dig(b.name, ["cache", "A"])), ["10.2.0.5"]);
    records.setEndpoint("nb", { endpointId: "e5", name: "cache2", ipv4: "10.2.0.5" });
    await srv.sync();
    assert.deepEqual(answerData(await dig(b.name, ["cache2", "A"])), ["10.2.0.5"]);
    assert.deepEqual(answerData(await dig(b.name, ["-x", "10.2.0.5"])), ["cache2.back."]);
    assert.ok(!answerData(await dig(b.name, ["cache", "A"])).includes("10.2.0.5"));
    records.removeEndpoint("nb", "e5");
    records.setSandbox("sa", { networkIds: ["nf"] });
    await srv.sync();
    assert.ok(!answerData(await dig(b.name, ["cache2", "A"])).includes("10.2.0.5"));
    assert.ok(!answerData(await dig(a.name, ["db", "A"])).includes("10.2.0.4"), "left network back");
    records.setSandbox("sa", { networkIds: ["nf", "nb"] });
    await srv.sync();
    assert.deepEqual(answerData(await dig(a.name, ["db", "A"])), ["10.2.0.4"]);
  });

  test("restart restores: a new server fed the same records answers the same", async () => {
    await (server as DnsServer).close();
    assert.equal(ourListeners(a.name).length, 0, "close() closed every socket");
    const restored = new ServiceRecords();
    for (const op of records.snapshot()) restored.apply(op);
    server = await DnsServer.start({ native: native as ReturnType<typeof loadNative>, records: restored, threads: 1 });
    await server.attach("sa", a.nsFd);
    assert.deepEqual(answerData(await dig(a.name, ["web", "A"])), ["10.1.0.2"]);
    assert.deepEqual(answerData(await dig(a.name, ["+tcp", "db.back", "A"])), ["10.2.0.4"]);
    await server.detach("sa");
    assert.equal(ourListeners(a.name).length, 0, "detach() closed the sandbox's sockets");
  });
});
