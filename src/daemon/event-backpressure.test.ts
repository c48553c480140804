// `/events` subscribers that never read must not grow the daemon's memory without bound: each one's
// buffer is bounded, one that falls behind is dropped (and counted), one that reads gets every event.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DnetClient } from "../api/client.js";
import type { EventDto } from "../api/dto.js";
import { TestDaemon } from "../testing/test-daemon.js";
import { metricValue, openRaw, rssMiB, waitFor, type RawConn } from "../testing/test-clients.js";

const SUBSCRIBERS = 50;
const WORKERS = 10;
const CYCLES = 150; // per worker, two events each: 3,000 events

describe("/events subscribers that do not read", () => {
  const d = new TestDaemon();
  const stalled: RawConn[] = [];
  const ac = new AbortController();
  before(async () => { await d.start(); });
  after(async () => {
    ac.abort();
    for (const c of stalled) c.socket.destroy();
    await d.cleanup();
  });

  it("are dropped once they fall behind; memory stays bounded; a reader gets every event", { timeout: 55_000 }, async () => {
    // Long names make long events (a sandbox name is at most 200 characters).
    const names = Array.from({ length: WORKERS }, (_, i) => `bp${i}-${"x".repeat(190)}`);
    for (const n of names) await d.client.createSandbox({ Name: n });
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const c = openRaw(d.socket, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
      c.socket.pause();
      stalled.push(c);
    }
    const seen: EventDto[] = [];
    const reader = d.client.events((e) => seen.push(e), ac.signal);
    const subscribers = async (): Promise<number | undefined> => metricValue(await d.client.metrics(), "dnet_event_subscribers");
    assert.ok(await waitFor(async () => (await subscribers()) === SUBSCRIBERS + 1, 10_000), "every subscriber is streaming");
    const rssBefore = rssMiB(d.pid);
    await Promise.all(names.map(async (n) => {
      const c = new DnetClient(d.host);
      try {
        for (let i = 0; i < CYCLES; i++) {
          await c.connect("none", { Container: n });
          await c.disconnect("none", { Container: n });
        }
      } finally {
        c.close();
      }
    }));
    const rssAfter = rssMiB(d.pid);
    const events = WORKERS * CYCLES * 2;
    assert.ok(await waitFor(() => seen.length >= events, 10_000), `the reader saw ${seen.length} of ${events}`);
    const metrics = await d.client.metrics();
    ac.abort();
    await reader;
    const dropped = metricValue(metrics, "dnet_event_subscribers_dropped_total");
    console.log(`${SUBSCRIBERS} stalled subscribers, ${events} events: RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB, ${String(dropped)} dropped`);
    assert.equal(seen.filter((e) => e.Action === "connect" || e.Action === "disconnect").length, events);
    assert.equal(dropped, SUBSCRIBERS, metrics);
    assert.equal(metricValue(metrics, "dnet_event_subscribers"), 1);
    // The load alone grows RSS by ~16 MiB here; unbounded buffers made it +150 MiB.
    assert.ok(rssAfter - rssBefore < 64, `RSS grew by ${(rssAfter - rssBefore).toFixed(0)} MiB`);
    assert.match(d.log, /events subscriber dropped/);
  });
});
