// A client can use up the daemon's file descriptors: the daemon must not die of EMFILE. Under a limit
// lowered while it runs, it refuses work with a clear error, says so once and recovers by itself; under a
// limit it starts with, it caps its connections below it and refuses the excess with a clear error.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TestDaemon, sh } from "../testing/test-daemon.js";
import { countLines, openMany, openRaw, sleep, waitFor, type RawConn } from "../testing/test-clients.js";

const HANGING = "GET /networks HTTP/1.1\r\nHost: x\r\n";

function alive(d: TestDaemon): boolean {
  return d.proc !== undefined && d.proc.exitCode === null && d.proc.signalCode === null;
}

describe("file descriptors run out while the daemon runs", () => {
  const d = new TestDaemon();
  let flood: RawConn[] = [];
  before(async () => { await d.start(); });
  after(async () => {
    for (const c of flood) c.socket.destroy();
    await d.cleanup();
  });

  it("450 hanging clients under a 400-fd limit: the daemon lives, refuses work clearly, says so once, recovers", { timeout: 50_000 }, async () => {
    // A connection made while fds were plenty, proven accepted by a first answer.
    const early = openRaw(d.socket, "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.ok(await waitFor(() => early.received().includes("OK"), 5_000), "ping on the early connection");
    // Its next request starts now (so no keep-alive timeout closes it) and is finished under exhaustion.
    early.socket.write("POST /networks/create HTTP/1.1\r\nHost: x\r\n");
    const before0 = d.fdCount();
    sh("prlimit", [`--pid=${d.pid}`, "--nofile=400:400"]);
    flood = openMany(d.socket, 450, HANGING);
    await waitFor(() => !alive(d) || /msg="out of file descriptors/.test(d.log), 4_000);
    assert.ok(alive(d), `the daemon died:\n${d.log.slice(-2000)}`);
    const held = d.fdCount();
    const mark = early.received().length;
    const answer = (): string => early.received().slice(mark);
    early.socket.write('Content-Type: application/json\r\nContent-Length: 14\r\n\r\n{"Name":"fdx"}');
    assert.ok(await waitFor(() => /\r\n\r\n\{.*\}\n$/s.test(answer()), 5_000), answer());
    const refusal = answer();
    assert.match(refusal, /^HTTP\/1\.1 503/, refusal);
    assert.match(refusal, /file descriptors/, refusal);
    await sleep(2_500); // periodic firewall checks come and go meanwhile
    assert.ok(alive(d), `the daemon died:\n${d.log.slice(-2000)}`);
    assert.equal(countLines(d.log, /msg="out of file descriptors/), 1, `logged once:\n${d.log.slice(-3000)}`);
    for (const c of flood) c.socket.destroy();
    early.socket.destroy();
    assert.ok(await waitFor(() => /file descriptors available again/.test(d.log), 15_000), `no recovery:\n${d.log.slice(-2000)}`);
    await d.client.createNetwork({ Name: "fdok", IPAM: { Config: [{ Subnet: "10.123.0.0/24" }] } });
    await d.client.removeNetwork("fdok");
    d.client.close();
    assert.ok(await waitFor(() => d.fdCount() <= before0 + 8, 10_000), `fds back to about ${before0}: ${d.fdCount()}`);
    console.log(`fd limit 400, 450 hanging clients: fds ${before0} before, ${held} during, ${d.fdCount()} after; alive, one log line, recovered`);
  });
});

describe("the daemon starts under a low fd limit", () => {
  const d = new TestDaemon([], ["prlimit", "--nofile=400:400"]);
  let flood: RawConn[] = [];
  before(async () => { await d.start(); });
  after(async () => {
    for (const c of flood) c.socket.destroy();
    await d.cleanup();
  });

  it("caps its connections below the limit and refuses the excess with a clear error", { timeout: 30_000 }, async () => {
    assert.match(d.log, /connections capped at 200/);
    flood = openMany(d.socket, 450, HANGING);
    assert.ok(await waitFor(() => flood.filter((c) => c.ended()).length >= 250, 10_000), "the excess is closed");
    // In a burst, a quarter of the cap is kept to read its 503; the rest is closed at once.
    const refused = flood.filter((c) => /^HTTP\/1\.1 503/.test(c.received()));
    assert.ok(refused.length >= 50, `${refused.length} refused with a 503`);
    assert.match(refused[0]?.received() ?? "", /too many connections \(limit 200\)/);
    assert.ok(await waitFor(() => d.fdCount() < 250, 5_000), `${d.fdCount()} fds`);
    const held = d.fdCount();
    assert.ok(held < 400, `${held} fds`);
    assert.ok(alive(d));
    assert.equal(countLines(d.log, /msg="out of file descriptors/), 0, d.log.slice(-2000));
    for (const c of flood) c.socket.destroy();
    assert.ok(await waitFor(async () => { try { await d.client.ping(); return true; } catch { return false; } }, 10_000));
    console.log(`fd limit 400 at start: 200 served, ${refused.length} of the 250 others told 503 and the rest closed, ${held} fds held`);
  });
});
