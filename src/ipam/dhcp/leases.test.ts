// The DHCP client's behaviour on a fake LAN and a clock the test moves: the exchange, retransmission and
// its bound, renewal at T1 (unicast), rebinding at T2 (broadcast), a lost lease taken back, INIT-REBOOT after
// a restart, RELEASE, close. Every socket opened is closed.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { formatIp, formatPrefix, parsePrefix } from "../../types/index.js";
import { DhcpClient } from "./leases.js";
import { FakeClock, FakeLan, LEASE_REQUEST as REQ } from "./fake-lan.test.js";
import { DhcpMessageType as T } from "./options.js";
import { FLAG_BROADCAST } from "./packet.js";

describe("DHCP client (fake LAN, fake clock)", () => {
  let clock: FakeClock;
  let lan: FakeLan;
  let client: DhcpClient;

  beforeEach(() => {
    clock = new FakeClock();
    lan = new FakeLan(clock);
    client = new DhcpClient({ openTransport: lan.open, clock, lostRetryMs: 30_000 });
  });

  afterEach(async () => {
    await client.close();
    assert.equal(lan.closed, lan.opened, "every socket the client opened is closed");
    assert.equal(clock.pending, 0, "no timer left after close");
  });

  test("DISCOVER, OFFER, REQUEST, ACK: broadcast with the MAC, client id and hostname; the lease", async () => {
    const lease = await client.acquire(REQ);
    assert.equal(formatPrefix(lease.address), "10.0.0.50/24");
    assert.equal(formatIp(lease.gateway ?? lan.server), "10.0.0.1");
    assert.deepEqual(lease.dnsServers.map(formatIp), ["10.0.0.53"]);
    assert.deepEqual(lease.searchDomains, ["lan.test"]);
    assert.deepEqual(lan.sent.map((s) => [s.msg.options.messageType, s.to]), [[T.discover, "255.255.255.255"], [T.request, "255.255.255.255"]]);
    const [discover, request] = lan.sent;
    for (const s of [discover, request]) {
      assert.equal(s?.msg.chaddr, REQ.mac);
      assert.deepEqual(s?.msg.options.clientId, REQ.clientId);
      assert.equal(s?.msg.options.hostname, "alpha");
      assert.equal((s?.msg.flags ?? 0) & FLAG_BROADCAST, FLAG_BROADCAST, "no address yet: replies must be broadcast");
    }
    assert.equal(request?.msg.xid, discover?.msg.xid);
    assert.equal(formatIp(request?.msg.options.requestedAddress ?? lan.server), "10.0.0.50");
    assert.equal(formatIp(request?.msg.options.serverId ?? lan.address), "10.0.0.1");
    assert.equal(client.status("ep1")?.state, "bound");
  });

  test("a NAK to the REQUEST starts over with a new DISCOVER", async () => {
    lan.nakNext = 1;
    const lease = await client.acquire(REQ);
    assert.equal(formatPrefix(lease.address), "10.0.0.50/24");
    assert.deepEqual(lan.sent.map((s) => s.msg.options.messageType), [T.discover, T.request, T.discover, T.request]);
  });

  test("no server: DISCOVER is retransmitted with backoff, and the join fails at the timeout, unavailable", async () => {
    lan.mood = "silent";
    const options = new Map([["dhcp_timeout", "7"]]);
    const pending = client.acquire({ ...REQ, options });
    const outcome = pending.then(() => "granted", (err: unknown) => err);
    await clock.advance(7_000);
    const err = await outcome;
    assert.ok(isLibnetworkError(err), String(err));
    assert.equal(err.kind, "unavailable");
    assert.equal(err.code, "ERR_DHCP_NO_LEASE");
    assert.match(err.message, /no DHCP server granted a lease on eth0 within 7 s/);
    const times = lan.sent.map((s) => s.at - (lan.sent[0]?.at ?? 0));
    assert.ok(times.length >= 3 && times.length <= 4, `sent at ${JSON.stringify(times)}`);
    assert.ok((times[1] ?? 0) >= 1500 && (times[1] ?? 0) <= 2500, `first retry after ~2 s: ${JSON.stringify(times)}`);
    assert.ok((times[2] ?? 0) - (times[1] ?? 0) >= 3500, `then ~4 s: ${JSON.stringify(times)}`);
    assert.equal(client.status("ep1"), undefined, "nothing kept");
  });

  test("renewal at T1: a REQUEST unicast to the server with ciaddr, and the lease is bound again", async () => {
    await client.acquire(REQ);
    const before = lan.sent.length;
    await clock.advance(39_000);
    assert.equal(lan.sent.length, before, "nothing before T1");
    await clock.advance(1_000);
    const renew = lan.sent[before];
    assert.equal(renew?.msg.options.messageType, T.request);
    assert.equal(renew?.to, "10.0.0.1");
    assert.equal(formatIp(renew?.msg.ciaddr ?? lan.server), "10.0.0.50");
    assert.equal(renew?.msg.options.serverId, undefined, "RENEWING names no server");
    assert.equal(renew?.msg.options.requestedAddress, undefined);
    assert.equal((renew?.msg.flags ?? 0) & FLAG_BROADCAST, 0);
    assert.equal(client.status("ep1")?.state, "bound");
    assert.equal(client.status("ep1")?.lease?.renewedAt, clock.now());
    await clock.advance(40_000);
    assert.equal(lan.ofType(T.request).length, 3, "and again 40 s after the renewal");
  });

  test("a silent server: renewing until T2, then rebinding (broadcast), then the lease is lost and asked for again", async () => {
    await client.acquire(REQ);
    lan.mood = "silent";
    await clock.advance(40_000);
    assert.equal(client.status("ep1")?.state, "renewing");
    await clock.advance(30_000);
    assert.equal(client.status("ep1")?.state, "rebinding");
    const rebind = lan.sent.at(-1);
    assert.equal(rebind?.to, "255.255.255.255");
    assert.equal(formatIp(rebind?.msg.ciaddr ?? lan.server), "10.0.0.50");
    const unicast = lan.sent.filter((s) => s.to === "10.0.0.1").length;
    assert.ok(unicast >= 2, `renewal retransmitted before T2 (${unicast} unicast REQUESTs)`);
    await clock.advance(50_000);
    assert.equal(client.status("ep1")?.state, "lost", "past the lease's end");
    lan.mood = "answer";
    await clock.advance(30_000);
    const reboot = lan.sent.at(-1);
    assert.equal(formatIp(reboot?.msg.options.requestedAddress ?? lan.server), "10.0.0.50", "INIT-REBOOT for the same address");
    assert.equal(client.status("ep1")?.state, "bound");
  });

  test("a NAK to a renewal loses the lease", async () => {
    await client.acquire(REQ);
    lan.mood = "nak";
    await clock.advance(40_000);
    assert.equal(client.status("ep1")?.state, "lost");
  });

  test("release: DHCPRELEASE unicast to the server from the leased address, and no renewal after it", async () => {
    await client.acquire(REQ);
    await client.release("ep1");
    const release = lan.sent.at(-1);
    assert.equal(release?.msg.options.messageType, T.release);
    assert.equal(release?.to, "10.0.0.1");
    assert.equal(formatIp(release?.msg.ciaddr ?? lan.server), "10.0.0.50");
    assert.equal(formatIp(release?.msg.options.serverId ?? lan.address), "10.0.0.1");
    assert.deepEqual(release?.msg.options.clientId, REQ.clientId);
    const count = lan.sent.length;
    await clock.advance(200_000);
    assert.equal(lan.sent.length, count);
    assert.equal(client.status("ep1"), undefined);
  });

  test("resume after a restart: INIT-REBOOT (a broadcast REQUEST for the address, no server named), then renewals", async () => {
    client.resume(REQ, parsePrefix("10.0.0.50/24"));
    assert.equal(client.status("ep1")?.state, "rebooting");
    await clock.advance(0);
    const reboot = lan.sent[0];
    assert.equal(reboot?.msg.options.messageType, T.request);
    assert.equal(reboot?.to, "255.255.255.255");
    assert.equal(formatIp(reboot?.msg.options.requestedAddress ?? lan.server), "10.0.0.50");
    assert.equal(reboot?.msg.options.serverId, undefined);
    assert.equal(reboot?.msg.ciaddr.value, 0n);
    assert.equal(client.status("ep1")?.state, "bound");
    await clock.advance(40_000);
    assert.equal(lan.sent.at(-1)?.to, "10.0.0.1", "renewed at T1 like any lease");
  });

  test("resume refused (NAK): lost, the address is asked for again later", async () => {
    lan.mood = "nak";
    client.resume(REQ, parsePrefix("10.0.0.50/24"));
    await clock.advance(0);
    assert.equal(client.status("ep1")?.state, "lost");
    const count = lan.sent.length;
    await clock.advance(30_000);
    assert.ok(lan.sent.length > count);
  });

  test("close stops a join waiting for a server and every timer", async () => {
    lan.mood = "silent";
    const pending = client.acquire(REQ).then(() => "granted", (err: unknown) => (err as Error).message);
    await clock.advance(1000);
    await client.close();
    assert.match(await pending, /the client was closed/);
  });

  test("bad options are refused before anything is sent", async () => {
    for (const [key, value] of [["dhcp_timeout", "0"], ["dhcp_timeout", "abc"], ["dhcp_timeout", "1000"], ["lease", "5"]] as const) {
      await assert.rejects(client.acquire({ ...REQ, options: new Map([[key, value]]) }), (err: unknown) => isLibnetworkError(err) && err.kind === "invalid-argument");
    }
    assert.equal(lan.sent.length, 0);
  });
});
