// The shared records change log: order, wrap-around, a full ring, an op larger than the ring, and a
// reader in another thread.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { createOpLog, OpLogReader, OpLogWriter } from "./op-log.js";

interface Op { readonly n: number; readonly pad: string }
const op = (n: number, pad = ""): Op => ({ n, pad });

describe("op log", () => {
  test("bad capacities are refused with a typed error", () => {
    for (const bad of [0, 63, 100, 2 ** 31, 1.5, Number.NaN]) {
      assert.throws(() => createOpLog(bad), { code: "ERR_INVALID_OP_LOG" }, String(bad));
    }
  });

  test("ops come out in order, once, with their content", () => {
    const sab = createOpLog(1024);
    const w = new OpLogWriter<Op>(sab);
    const r = new OpLogReader<Op>(sab);
    assert.deepEqual(r.drain(), []);
    assert.equal(w.append([op(1, "é"), op(2)]), 2);
    assert.equal(w.append([op(3)]), 1);
    assert.deepEqual(r.drain(), [op(1, "é"), op(2), op(3)]);
    assert.deepEqual(r.drain(), []);
  });

  test("entries wrap around the end of the ring, many times", () => {
    const sab = createOpLog(128);
    const w = new OpLogWriter<Op>(sab);
    const r = new OpLogReader<Op>(sab);
    // 3 + 17 bytes of JSON per op: entries never line up with the ring's end.
    for (let i = 0; i < 500; i++) {
      const batch = [op(i, "x".repeat(i % 7)), op(-i - 1)];
      assert.equal(w.append(batch), 2, `round ${i}`);
      assert.deepEqual(r.drain(), batch, `round ${i}`);
    }
  });

  test("a full ring takes what fits and nothing is overwritten until read", () => {
    const sab = createOpLog(64);
    const w = new OpLogWriter<Op>(sab);
    const r = new OpLogReader<Op>(sab);
    const ops = Array.from({ length: 10 }, (_, i) => op(i)); // 4 + 16 bytes each: 3 fit in 64
    assert.equal(w.append(ops), 3);
    assert.equal(w.append(ops.slice(3)), 0, "no room: nothing taken");
    assert.deepEqual(r.drain(), ops.slice(0, 3));
    assert.equal(w.append(ops.slice(3)), 3);
    assert.deepEqual(r.drain(), ops.slice(3, 6));
  });

  test("an op larger than the ring is never taken (the caller sends it another way)", () => {
    const sab = createOpLog(64);
    const w = new OpLogWriter<Op>(sab);
    const r = new OpLogReader<Op>(sab);
    assert.equal(w.append([op(1), op(2, "y".repeat(100)), op(3)]), 1);
    assert.deepEqual(r.drain(), [op(1)]);
  });

  test("a reader in a worker thread sees every op in order while the writer keeps writing", async () => {
    const sab = createOpLog(256);
    const w = new OpLogWriter<Op>(sab);
    const total = 20_000;
    const reader = new Worker(`
      const { workerData, parentPort } = require("node:worker_threads");
      import(workerData.module).then(({ OpLogReader }) => {
        const r = new OpLogReader(workerData.sab);
        let next = 0;
        while (next < workerData.total) {
          for (const o of r.drain()) { if (o.n !== next) throw new Error("got " + o.n + ", expected " + next); next++; }
        }
        parentPort.postMessage(next);
      });`, { eval: true, workerData: { sab, total, module: new URL("./op-log.js", import.meta.url).href } });
    const done = new Promise<unknown>((resolve, reject) => { reader.once("message", resolve); reader.once("error", reject); });
    let n = 0;
    while (n < total) {
      n += w.append(Array.from({ length: Math.min(5, total - n) }, (_, i) => op(n + i, "z".repeat((n + i) % 11))));
      if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(await done, total);
    await reader.terminate();
  });
});
