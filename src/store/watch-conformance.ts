// The watch conformance suite: node:test cases every WatchableStore (etcd, memory) must pass.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WatchEvent, WatchableStore } from "./watch.js";

export interface WatchableUnderTest {
  readonly store: WatchableStore;
  readonly cleanup: () => Promise<void>;
}

/** Collects events; `next(n)` resolves once n events have arrived in total. */
function collector(): { events: WatchEvent[]; onEvent: (e: WatchEvent) => void; next: (n: number) => Promise<WatchEvent[]> } {
  const events: WatchEvent[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  const onEvent = (e: WatchEvent): void => {
    events.push(e);
    for (const w of waiting.filter((x) => events.length >= x.n)) w.resolve();
  };
  const next = async (n: number): Promise<WatchEvent[]> => {
    if (events.length < n) await new Promise<void>((resolve) => waiting.push({ n, resolve }));
    return events.slice(0, n);
  };
  return { events, onEvent, next };
}

type Case = (title: string, body: (s: WatchableStore) => Promise<void>) => void;

function cases(test: Case): void {
  changeCases(test);
  replayAndCloseCases(test);
}

/** What a watch delivers: later changes under its prefix, in order, one revision per transaction. */
function changeCases(test: Case): void {
  test("a watch from a snapshot sees every later change under its prefix, in order", async (s) => {
    await s.put("w/a", "0");
    await s.put("other/x", "0");
    const snap = await s.snapshot("w/");
    assert.deepEqual(snap.entries.map((e) => e.key), ["w/a"]);
    const c = collector();
    const watch = await s.watch("w/", snap.revision, c.onEvent);
    const r1 = await s.put("w/b", "1");
    await s.put("other/y", "ignored");
    const r2 = await s.delete("w/a").then(async () => (await s.transaction([])).revision);
    const r3 = await s.put("w/c/d", "2");
    assert.deepEqual(await c.next(3), [
      { type: "put", key: "w/b", value: "1", revision: r1 },
      { type: "delete", key: "w/a", revision: r2 },
      { type: "put", key: "w/c/d", value: "2", revision: r3 },
    ]);
    await watch.close();
  });
  test("a transaction's and a deletePrefix's changes arrive under one revision each", async (s) => {
    const c = collector();
    const watch = await s.watch("", (await s.snapshot("")).revision, c.onEvent);
    const { revision } = await s.transaction([{ op: "put", key: "t/a", value: "A" }, { op: "put", key: "t/b", value: "B" }]);
    await s.deletePrefix("t/");
    const events = await c.next(4);
    assert.deepEqual(events.slice(0, 2), [
      { type: "put", key: "t/a", value: "A", revision },
      { type: "put", key: "t/b", value: "B", revision },
    ]);
    assert.deepEqual(events.slice(2).map((e) => [e.type, e.key]), [["delete", "t/a"], ["delete", "t/b"]]);
    assert.ok(events[2]!.revision > revision && events[2]!.revision === events[3]!.revision);
    await watch.close();
  });
}

/** Where a watch starts (an older revision replays) and where it stops (close). */
function replayAndCloseCases(test: Case): void {
  test("a watch from an older revision replays what happened since", async (s) => {
    const r0 = (await s.snapshot("")).revision;
    const r1 = await s.put("h/a", "1");
    const r2 = await s.put("h/a", "2");
    const c = collector();
    const watch = await s.watch("h/", r0, c.onEvent);
    assert.deepEqual(await c.next(2), [
      { type: "put", key: "h/a", value: "1", revision: r1 },
      { type: "put", key: "h/a", value: "2", revision: r2 },
    ]);
    await watch.close();
  });
  test("nothing is delivered after close", async (s) => {
    const c = collector();
    const watch = await s.watch("c/", (await s.snapshot("")).revision, c.onEvent);
    await s.put("c/a", "1");
    await c.next(1);
    await watch.close();
    await watch.close();
    await s.put("c/b", "2");
    // A second watch proves the write was published before the count is read.
    const probe = collector();
    const after = await s.watch("c/", (await s.snapshot("")).revision - 1, probe.onEvent);
    await probe.next(1);
    await after.close();
    assert.equal(c.events.length, 1);
  });
}

/** Registers the suite under `describe("watch conformance: <name>")`; each case gets a fresh store. */
export function runWatchConformance(name: string, make: () => Promise<WatchableUnderTest>): void {
  describe(`watch conformance: ${name}`, () => {
    const test: Case = (title, body) => {
      it(title, { timeout: 30_000 }, async () => {
        const { store, cleanup } = await make();
        try {
          await body(store);
        } finally {
          await cleanup();
        }
      });
    };
    cases(test);
  });
}
