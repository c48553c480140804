// Unit tests of KeyedMutex: per-key order, concurrency across keys, multi-key holds, no deadlock with
// overlapping key sets taken in any order, and errors releasing the lock.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyedMutex } from "./locks.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const ticks = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await tick(); };

/** Records who holds which key and fails on any overlap. */
class Holders {
  readonly #held = new Map<string, string>();
  readonly overlaps: string[] = [];

  enter(who: string, keys: readonly string[]): void {
    for (const k of keys) {
      const other = this.#held.get(k);
      if (other !== undefined) this.overlaps.push(`${who} entered ${k} while ${other} held it`);
      this.#held.set(k, who);
    }
  }

  leave(keys: readonly string[]): void {
    for (const k of keys) this.#held.delete(k);
  }
}

describe("KeyedMutex", () => {
  it("runs holders of one key one at a time, in call order", async () => {
    const m = new KeyedMutex();
    const order: number[] = [];
    const h = new Holders();
    await Promise.all(Array.from({ length: 20 }, (_, i) => m.run(["k"], async () => {
      h.enter(`#${i}`, ["k"]);
      await ticks(20 - i); // later callers would finish first without the lock
      order.push(i);
      h.leave(["k"]);
    })));
    assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(h.overlaps, []);
    assert.equal(m.size, 0);
  });

  it("lets holders of different keys run at the same time", async () => {
    const m = new KeyedMutex();
    const started: string[] = [];
    let releaseA!: () => void;
    const a = m.run(["a"], async () => { started.push("a"); await new Promise<void>((r) => { releaseA = r; }); });
    const b = m.run(["b"], async () => { started.push("b"); });
    await b;
    assert.deepEqual(started, ["a", "b"], "b ran while a was still held");
    releaseA();
    await a;
    assert.equal(m.size, 0);
  });

  it("a multi-key holder waits for every key, and later holders of any of them wait for it", async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const gate = (name: string, keys: string[], n: number): Promise<void> =>
      m.run(keys, async () => { log.push(`${name}+`); await ticks(n); log.push(`${name}-`); });
    await Promise.all([gate("A", ["a"], 10), gate("B", ["b"], 3), gate("AB", ["b", "a"], 1), gate("B2", ["b"], 1), gate("C", ["c"], 1)]);
    const at = (e: string): number => log.indexOf(e);
    assert.ok(at("AB+") > at("A-") && at("AB+") > at("B-"), log.join(" "));
    assert.ok(at("B2+") > at("AB-"), log.join(" "));
    assert.ok(at("C-") < at("A-"), `c is independent: ${log.join(" ")}`);
    assert.equal(m.size, 0);
  });

  it("never deadlocks on overlapping key sets taken in any order, and never lets two holders share a key", async () => {
    const m = new KeyedMutex();
    const h = new Holders();
    const keys = ["n1", "n2", "e1", "e2", "e3", "s1", "s2"];
    let seed = 42;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    let done = 0;
    const runs = Array.from({ length: 300 }, (_, i) => {
      const set = keys.filter(() => rand(3) === 0);
      const mine = (set.length === 0 ? [keys[rand(keys.length)] as string] : set).reverse();
      return (async () => {
        await ticks(rand(4));
        await m.run(mine, async () => {
          h.enter(`#${i}`, mine);
          await ticks(rand(3));
          h.leave(mine);
        });
        done++;
      })();
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`deadlock: ${done}/300 finished`)), 10_000); });
    try {
      await Promise.race([Promise.all(runs), timeout]);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(done, 300);
    assert.deepEqual(h.overlaps, []);
    assert.equal(m.size, 0);
  });

  it("releases the keys when the holder throws or rejects, and passes the error on", async () => {
    const m = new KeyedMutex();
    const after: string[] = [];
    const boom = m.run(["x", "y"], async () => { throw new Error("boom"); });
    const syncBoom = m.run(["y"], () => { throw new Error("sync boom"); });
    const next = m.run(["x", "y"], async () => { after.push("next"); return 7; });
    await assert.rejects(boom, /^Error: boom$/);
    await assert.rejects(syncBoom, /sync boom/);
    assert.equal(await next, 7);
    assert.deepEqual(after, ["next"]);
    assert.equal(m.size, 0);
  });

  it("treats a key given twice as one key", async () => {
    const m = new KeyedMutex();
    assert.equal(await m.run(["k", "k"], async () => "ok"), "ok");
    assert.equal(m.size, 0);
  });
});
