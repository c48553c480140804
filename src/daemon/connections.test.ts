// Connections as a hostile client holds them: timed-out and idle connections give their file
// descriptors back (counted in /proc/PID/fd) even when the client never closes, connections beyond
// --max-connections are refused with a clear error, and a client that vanishes mid-body is not a 500.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TestDaemon } from "../testing/test-daemon.js";
import { countLines, metricValue, openMany, openRaw, sleep, waitFor, type RawConn } from "../testing/test-clients.js";

const PARTIAL = "POST /networks/create HTTP/1.1\r\nHost: x\r\n";

describe("connections of hostile clients", () => {
  const d = new TestDaemon(["--request-timeout", "1", "--max-connections", "250"]);
  const opened: RawConn[] = [];
  const open = (conns: RawConn[]): RawConn[] => { opened.push(...conns); return conns; };
  let base = 0;
  before(async () => {
    await d.start();
    // The start's probe connection is closed on both sides, and the first firewall check (1 s) opened
    // the netlink sockets it keeps.
    await sleep(1_500);
    base = d.fdCount();
  });
  after(async () => {
    for (const c of opened) c.socket.destroy();
    await d.cleanup();
  });

  it("200 timed-out clients that never close get their 408 and their fds are freed", { timeout: 30_000 }, async () => {
    const conns = open(openMany(d.socket, 200, PARTIAL));
    assert.ok(await waitFor(() => d.fdCount() >= base + 200, 5_000), "all accepted");
    const peak = d.fdCount();
    assert.ok(await waitFor(() => conns.every((c) => /^HTTP\/1\.1 408/.test(c.received())), 10_000), "every client got its 408");
    const freed = await waitFor(() => d.fdCount() <= base + 5, 5_000);
    const left = d.fdCount();
    console.log(`200 timed-out clients that never close: fds ${base} before, ${peak} with them, ${left} after their 408`);
    assert.ok(freed, `fds held after the 408s: ${left} (base ${base})`);
  });

  it("connections beyond --max-connections are refused with a clear error", { timeout: 30_000 }, async () => {
    const conns = open(openMany(d.socket, 260, PARTIAL));
    assert.ok(await waitFor(() => conns.filter((c) => c.ended()).length >= 10, 5_000), "the excess is closed at once");
    const refused = conns.filter((c) => /^HTTP\/1\.1 503/.test(c.received()));
    assert.equal(refused.length, 10, `${refused.length} refused`);
    assert.match(refused[0]?.received() ?? "", /too many connections \(limit 250\)/);
    // The refused ones are released as soon as their answer is flushed.
    assert.ok(await waitFor(() => d.fdCount() <= base + 250, 2_000), `${d.fdCount()} fds`);
    const held = d.fdCount();
    assert.ok(await waitFor(() => d.fdCount() <= base + 5, 10_000), "the accepted ones time out and are freed too");
    console.log(`260 clients, --max-connections 250: ${refused.length} refused with 503, ${held} fds at most (base ${base})`);
  });

  it("idle connections time out: one that sent nothing, one kept alive after a request", { timeout: 30_000 }, async () => {
    const silent = open([openRaw(d.socket)])[0] as RawConn;
    const kept = open([openRaw(d.socket, "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")])[0] as RawConn;
    assert.ok(await waitFor(() => kept.received().includes("OK"), 5_000));
    assert.ok(await waitFor(() => silent.ended() && kept.ended(), 12_000), `silent ${silent.ended()}, kept-alive ${kept.ended()}`);
    assert.ok(await waitFor(() => d.fdCount() <= base + 1, 5_000), `${d.fdCount()} fds (base ${base})`);
  });

  it("a client that disconnects mid-body is a client abort, not a server error", { timeout: 20_000 }, async () => {
    const c = openRaw(d.socket, `${PARTIAL}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Name":`);
    await sleep(200);
    c.socket.destroy();
    await sleep(300);
    const metrics = await d.client.metrics();
    assert.equal(countLines(d.log, /level=error.*aborted/), 0, d.log.slice(-1500));
    assert.doesNotMatch(metrics, /code="500"/);
    assert.equal(metricValue(metrics, 'dnet_http_requests_total{route="POST /networks/create",method="POST",code="499"}'), 1, metrics);
  });
});
