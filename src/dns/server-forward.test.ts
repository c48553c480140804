// Root end-to-end: forwarding from inside sandboxes to test upstreams on the host's loopback, with `dig`.

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, before, describe, test } from "node:test";
import { AF_INET, SOCK_DGRAM, loadNative, type NativeAddon } from "../native/index.js";
import { rootOnly, uniqueName } from "../testing/kernel.js";
import { ScratchSandboxes, answerData, dig, type ScratchSandbox } from "../testing/dns-sandboxes.js";
import { DnsType, encodeMessage, newHeader } from "./message.js";
import { ServiceRecords } from "./records.js";
import { DnsServer } from "./server.js";
import { TestUpstream } from "./test-upstream.js";

describe("embedded DNS: forwarding", rootOnly, () => {
  const native = rootOnly.skip === false ? loadNative() : undefined;
  const boxes = native === undefined ? undefined : new ScratchSandboxes(native);
  const records = new ServiceRecords();
  let server: DnsServer | undefined;
  let daemonDns: TestUpstream;
  let userDns: TestUpstream;
  let ext: ScratchSandbox;
  let own: ScratchSandbox;
  let internal: ScratchSandbox;
  const tag = uniqueName("dnf");

  before(async () => {
    daemonDns = await TestUpstream.start({ answer: "192.0.2.1" });
    userDns = await TestUpstream.start({ answer: "192.0.2.2" });
    const b = boxes as ScratchSandboxes;
    [ext, own, internal] = [await b.create(`${tag}-e`), await b.create(`${tag}-o`), await b.create(`${tag}-i`)];
    // Both upstreams live on the host's 127.0.0.1: reachable only because we forward from the host side.
    records.setDefaultUpstreams([{ address: daemonDns.address, hostLoopback: true }]);
    records.setNetwork({ networkId: "n1", name: "net1" });
    records.setNetwork({ networkId: "ni", name: "isolated", internal: true });
    records.setEndpoint("n1", { endpointId: "e1", name: "web", ipv4: "10.3.0.2" });
    records.setEndpoint("ni", { endpointId: "e2", name: "vault", ipv4: "10.4.0.2" });
    records.setSandbox("ext", { networkIds: ["n1"] });
    records.setSandbox("own", { networkIds: ["n1"], upstreams: [{ address: userDns.address, hostLoopback: true }] });
    records.setSandbox("internal", { networkIds: ["ni"] });
    server = await DnsServer.start({
      native: native as ReturnType<typeof loadNative>, records, forwarder: { attemptTimeoutMs: 600, budgetMs: 1200 },
    });
    await server.attach("ext", ext.nsFd);
    await server.attach("own", own.nsFd);
    await server.attach("internal", internal.nsFd);
  });

  after(async () => {
    await server?.close();
    await Promise.all([daemonDns?.close(), userDns?.close()]);
    boxes?.cleanup();
  });

  test("outside names are forwarded over UDP and TCP, the same transport upstream", async () => {
    const before = daemonDns.log.length;
    const u = await dig(ext.name, ["example.org", "A"]);
    assert.deepEqual([u.status, answerData(u, "A")], ["NOERROR", ["192.0.2.1"]], u.output);
    assert.equal(u.answers[0]?.ttl, 30, "the upstream's TTL is relayed");
    const t = await dig(ext.name, ["+tcp", "example.net", "AAAA"]);
    assert.deepEqual(answerData(t, "AAAA"), ["2001:db8::1"], t.output);
    assert.deepEqual(daemonDns.log.slice(before), [
      { name: "example.org", type: DnsType.A, transport: "udp" },
      { name: "example.net", type: DnsType.AAAA, transport: "tcp" },
    ]);
  });

  test("a sandbox's own --dns servers replace the defaults", async () => {
    const before = daemonDns.log.length;
    assert.deepEqual(answerData(await dig(own.name, ["example.org", "A"])), ["192.0.2.2"]);
    assert.equal(daemonDns.log.length, before);
    assert.deepEqual(answerData(await dig(own.name, ["web", "A"])), ["10.3.0.2"], "local names still win");
  });

  test("NXDOMAIN is relayed", async () => {
    const r = await dig(ext.name, ["missing.nx.test", "A"]);
    assert.equal(r.status, "NXDOMAIN", r.output);
  });

  test("truncation: the forwarder retries over TCP; a client without EDNS gets TC and retries itself", async () => {
    let before = daemonDns.log.length;
    const edns = await dig(ext.name, ["big.test", "A"]);
    assert.equal(answerData(edns, "A").length, 60, edns.output);
    assert.ok(!edns.output.includes("Truncated"), "fits the client's EDNS size after our TCP retry");
    assert.deepEqual(daemonDns.log.slice(before).map((l) => l.transport), ["udp", "tcp"]);
    before = daemonDns.log.length;
    const classic = await dig(ext.name, ["+noedns", "big.test", "A"]);
    assert.ok(classic.output.includes("Truncated, retrying in TCP mode"), classic.output);
    assert.equal(answerData(classic, "A").length, 60);
    assert.deepEqual(daemonDns.log.slice(before).map((l) => l.transport), ["udp", "tcp", "tcp"]);
  });

  test("an upstream that never answers: SERVFAIL within the budget, long before dig gives up", async () => {
    const r = await dig(ext.name, ["never.slow.test", "A"], { timeout: 5 });
    assert.equal(r.status, "SERVFAIL", r.output);
    assert.ok(r.ms < 2500, `${r.ms} ms`);
    const t = await dig(ext.name, ["+tcp", "never2.slow.test", "A"], { timeout: 5 });
    assert.equal(t.status, "SERVFAIL", t.output);
  });

  test("internal networks: local names resolve, outside names are REFUSED and never forwarded", async () => {
    const before = daemonDns.log.length;
    assert.deepEqual(answerData(await dig(internal.name, ["vault", "A"])), ["10.4.0.2"]);
    const r = await dig(internal.name, ["example.org", "A"]);
    assert.equal(r.status, "REFUSED", r.output);
    const t = await dig(internal.name, ["+tcp", "-x", "192.0.2.1"]);
    assert.equal(t.status, "REFUSED", t.output);
    assert.equal(daemonDns.log.length, before);
  });

  test("a sandbox that joins an external network may forward again", async () => {
    records.setSandbox("internal", { networkIds: ["ni", "n1"] });
    await (server as DnsServer).sync();
    assert.deepEqual(answerData(await dig(internal.name, ["example.org", "A"])), ["192.0.2.1"]);
    records.setSandbox("internal", { networkIds: ["ni"] });
    await (server as DnsServer).sync();
  });

  test("an answer that comes back after detach harms nothing", async () => {
    const srv = server as DnsServer;
    const s = dgram.createSocket("udp4");
    s.bind({ fd: (native as NativeAddon).listenAt(ext.nsFd, AF_INET, SOCK_DGRAM, "127.0.0.1", 0) });
    const q = encodeMessage({
      header: newHeader({ id: 9, rd: true }), questions: [{ name: "late.slow.test", type: DnsType.A, class: 1 }],
      answers: [], authorities: [], additionals: [],
    });
    try {
      await new Promise<void>((resolve) => s.send(q, 53, "127.0.0.11", () => resolve()));
      await new Promise((r) => setTimeout(r, 100));
      await srv.detach("ext");
      // The forward fails (budget 1.2 s) after the sandbox's sockets are gone.
      await new Promise((r) => setTimeout(r, 1500));
      await srv.sync();
      assert.equal(srv.restarts, 0, "no serving thread died");
      await srv.attach("ext", ext.nsFd);
      assert.deepEqual(answerData(await dig(ext.name, ["web", "A"])), ["10.3.0.2"]);
    } finally {
      s.close();
    }
  });
});
