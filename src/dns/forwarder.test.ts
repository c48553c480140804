// Forwarder against scripted upstream servers on 127.0.0.1 (no root, never the machine's real upstream).

import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { Forwarder, upstreamTarget, type ForwardOutcome } from "./forwarder.js";
import { DnsType, Rcode, decodeMessage, encodeMessage, newHeader } from "./message.js";
import type { Upstream } from "./sandbox-resolvconf.js";
import { TestUpstream } from "./test-upstream.js";

function query(name: string, type: number = DnsType.A, id = 0x1111): Buffer {
  return encodeMessage({
    header: newHeader({ id, rd: true }), questions: [{ name, type, class: 1 }], answers: [], authorities: [], additionals: [],
  });
}

const up = (u: TestUpstream | string): Upstream => ({ address: typeof u === "string" ? u : u.address, hostLoopback: true });

function answer(r: ForwardOutcome): ReturnType<typeof decodeMessage> {
  assert.equal(r.kind, "answer", JSON.stringify(r));
  return decodeMessage((r as { message: Buffer }).message);
}

/** A port nothing listens on (UDP gets ICMP port unreachable, TCP a RST). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("Forwarder", () => {
  let good: TestUpstream;
  let other: TestUpstream;
  let failing: TestUpstream;
  let fwd: Forwarder;

  before(async () => {
    good = await TestUpstream.start({ answer: "192.0.2.1" });
    other = await TestUpstream.start({ answer: "192.0.2.2" });
    failing = await TestUpstream.start({ rcode: Rcode.SERVFAIL });
    fwd = new Forwarder({ attemptTimeoutMs: 300, budgetMs: 700 });
  });

  after(async () => {
    fwd.close();
    await Promise.all([good.close(), other.close(), failing.close()]);
  });

  test("UDP query, UDP answer, with a random id on the wire", async () => {
    const before = good.log.length;
    const m = answer(await fwd.forward(query("Host.Example"), [up(good)], "udp"));
    assert.deepEqual(m.answers.map((a) => a.data), [{ kind: "address", address: "192.0.2.1" }]);
    assert.deepEqual(m.questions[0]?.name, "Host.Example");
    assert.deepEqual(good.log.slice(before), [{ name: "host.example", type: DnsType.A, transport: "udp" }]);
    const ids = new Set<number>();
    for (let i = 0; i < 20; i++) ids.add(answer(await fwd.forward(query("x.example"), [up(good)], "udp")).header.id);
    assert.ok(ids.size > 15 && !ids.has(0x1111), `ids ${[...ids].join(",")}`);
  });

  test("TCP queries go out over TCP", async () => {
    const before = good.log.length;
    const r = await fwd.forward(query("t.example", DnsType.AAAA), [up(good)], "tcp");
    assert.equal(answer(r).answers.length, 1);
    assert.deepEqual(good.log.slice(before).map((l) => l.transport), ["tcp"]);
  });

  test("a truncated UDP answer is retried over TCP", async () => {
    const before = good.log.length;
    const r = await fwd.forward(query("big.test"), [up(good)], "udp");
    const m = answer(r);
    assert.equal(m.header.tc, false);
    assert.equal(m.answers.length, 60);
    assert.equal((r as { transport: string }).transport, "tcp");
    assert.deepEqual(good.log.slice(before).map((l) => l.transport), ["udp", "tcp"]);
  });

  test("NXDOMAIN is relayed", async () => {
    assert.equal(answer(await fwd.forward(query("nope.nx.test"), [up(good)], "udp")).header.rcode, Rcode.NXDOMAIN);
  });

  test("SERVFAIL or a dead server: the next server answers", async () => {
    const m = answer(await fwd.forward(query("a.example"), [up(failing), up(other)], "udp"));
    assert.deepEqual(m.answers.map((a) => a.data), [{ kind: "address", address: "192.0.2.2" }]);
    const dead = `127.0.0.1:${await closedPort()}`;
    const patient = new Forwarder({ attemptTimeoutMs: 3000, budgetMs: 6000 });
    const t0 = performance.now();
    const m2 = answer(await patient.forward(query("b.example"), [up(dead), up(good)], "udp"));
    patient.close();
    assert.deepEqual(m2.answers.map((a) => a.data), [{ kind: "address", address: "192.0.2.1" }]);
    assert.ok(performance.now() - t0 < 1500, "a refused port fails at once (ICMP), not after the 3 s timeout");
    const onlyFailing = answer(await fwd.forward(query("c.example"), [up(failing)], "udp"));
    assert.equal(onlyFailing.header.rcode, Rcode.SERVFAIL);
  });

  test("timeouts fail within the budget, never hang", async () => {
    let t0 = performance.now();
    const one = await fwd.forward(query("x.slow.test"), [up(good)], "udp");
    assert.deepEqual(one, { kind: "failed", reason: "timeout" });
    assert.ok(performance.now() - t0 < 700, `${performance.now() - t0} ms (attempt timeout 300)`);
    t0 = performance.now();
    const three = await fwd.forward(query("y.slow.test"), [up(good), up(other), up(good)], "tcp");
    assert.deepEqual(three, { kind: "failed", reason: "timeout" });
    const took = performance.now() - t0;
    // Timers only fire late, never early; the upper bound leaves room for a loaded test machine.
    assert.ok(took >= 600 && took < 1200, `${took} ms (budget 700)`);
  });

  test("answers with a wrong id or a wrong question are ignored", async () => {
    const m = answer(await fwd.forward(query("spoof.test"), [up(good)], "udp"));
    assert.deepEqual(m.answers.map((a) => a.data), [{ kind: "address", address: "192.0.2.1" }]);
    assert.equal(m.questions[0]?.name, "spoof.test");
  });

  test("the concurrency cap answers busy at once", async () => {
    const small = new Forwarder({ maxConcurrent: 2, attemptTimeoutMs: 200, budgetMs: 200 });
    const slow = [small.forward(query("1.slow.test"), [up(good)], "udp"), small.forward(query("2.slow.test"), [up(good)], "udp")];
    assert.deepEqual(await small.forward(query("3.example"), [up(good)], "udp"), { kind: "failed", reason: "busy" });
    assert.equal(small.inFlight, 2);
    small.close();
    assert.deepEqual(await Promise.all(slow), [{ kind: "failed", reason: "closed" }, { kind: "failed", reason: "closed" }]);
  });

  test("a sandbox-loopback server is never dialled on the host's loopback", async () => {
    const r = await fwd.forward(query("z.example"), [{ address: good.address, hostLoopback: false }], "udp");
    assert.deepEqual(r, { kind: "failed", reason: "no-upstream" });
    assert.deepEqual(upstreamTarget({ address: "[::1]:5300", hostLoopback: true }), { ip: "::1", port: 5300, family: 6, key: "[::1]:5300" });
    assert.deepEqual(upstreamTarget({ address: "9.9.9.9", hostLoopback: false })?.key, "9.9.9.9:53");
    assert.equal(upstreamTarget({ address: "nonsense", hostLoopback: false }), undefined);
  });

  test("only the first three servers are tried", async () => {
    const before = other.log.length;
    const r = await fwd.forward(query("d.example"), [up(failing), up(failing), up(failing), up(other)], "udp");
    assert.equal(answer(r).header.rcode, Rcode.SERVFAIL);
    assert.equal(other.log.length, before);
  });
});
