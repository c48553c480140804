// Property tests: random allocate/release sequences, checked against a plain Set model, never hand out
// an address twice and never lose one. Seeded, so a failure names the seed that reproduces it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { IpamLabels } from "../../ipam-api/index.js";
import { parsePrefix, prefixFirst, prefixSize } from "../../types/index.js";
import { RunBitmap } from "./bitseq.js";
import { decodeBitmap, encodeBitmap } from "./bitseq-codec.js";
import { DefaultIpam, LOCAL_ADDRESS_SPACE } from "./allocator.js";

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough to drive test sequences reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

describe("RunBitmap against a Set model", () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    test(`seed ${seed}: 4,000 random set/unset/setAny keep runs canonical and counts exact`, () => {
      const rand = mulberry32(seed);
      const bits = 200n;
      const bm = new RunBitmap(bits);
      const model = new Set<bigint>();
      for (let step = 0; step < 4000; step++) {
        const o = BigInt(Math.floor(rand() * 200));
        const op = rand();
        if (op < 0.35) {
          assert.equal(bm.set(o), !model.has(o));
          model.add(o);
        } else if (op < 0.7) {
          assert.equal(bm.unset(o), model.delete(o));
        } else {
          const start = BigInt(Math.floor(rand() * 100));
          const got = bm.setAnyInRange(start, start + 99n, rand() < 0.5);
          const free = [...Array(100).keys()].map((i) => start + BigInt(i)).filter((x) => !model.has(x));
          if (got === undefined) {
            assert.equal(free.length, 0, `seed ${seed} step ${step}: lost free ordinals`);
          } else {
            assert.ok(free.includes(got), `seed ${seed} step ${step}: handed out ${got} twice`);
            model.add(got);
          }
        }
        assert.equal(bm.unselected, bits - BigInt(model.size));
      }
      let prevEnd = -1n;
      let count = 0n;
      for (const run of bm.runs()) {
        assert.ok(run.start > prevEnd && run.end > run.start, "runs sorted, disjoint, non-adjacent");
        for (let o = run.start; o < run.end; o++) assert.ok(model.has(o));
        count += run.end - run.start;
        prevEnd = run.end;
      }
      assert.equal(count, BigInt(model.size));
      assert.deepEqual([...decodeBitmap(encodeBitmap(bm)).runs()], [...bm.runs()]);
    });
  }
});

interface Scenario {
  readonly pool: string;
  readonly range?: string;
}

const SCENARIOS: readonly Scenario[] = [
  { pool: "10.77.0.0/24" },
  { pool: "10.77.0.0/26", range: "10.77.0.16/28" },
  { pool: "fd00:77::/120" },
  { pool: "fd00:77::/64", range: "fd00:77::/122" },
];

async function randomRun(seed: number, scenario: Scenario): Promise<void> {
  const rand = mulberry32(seed);
  const ipam = new DefaultIpam();
  const master = parsePrefix(scenario.pool);
  const req = { addressSpace: LOCAL_ADDRESS_SPACE, pool: master, v6: master.family === 6 };
  const range = scenario.range === undefined ? master : parsePrefix(scenario.range);
  const { poolId } = await ipam.requestPool(scenario.range === undefined ? req : { ...req, subPool: range });
  const base = prefixFirst(master);
  const lastOrdinal = prefixSize(master) - 1n;
  const reserved = (o: bigint): boolean => o === 0n || (master.family === 4 && o === lastOrdinal);
  const reservedCount = master.family === 4 ? 2 : 1;
  const span = Number(prefixSize(range) < 256n ? prefixSize(range) : 256n);
  const held = new Set<bigint>();
  for (let step = 0; step < 2500; step++) {
    const where = `seed ${seed} ${scenario.pool} step ${step}`;
    const op = rand();
    if (op < 0.45) {
      const options = rand() < 0.3 ? { [IpamLabels.serial]: "true" } : {};
      try {
        const { address } = await ipam.requestAddress(poolId, undefined, options);
        assert.ok(address !== undefined);
        const o = address.address - base;
        assert.ok(!held.has(o) && !reserved(o), `${where}: handed out ${o} twice`);
        assert.ok(address.address >= prefixFirst(range) && address.address < prefixFirst(range) + prefixSize(range), where);
        held.add(o);
      } catch (err) {
        assert.ok(isLibnetworkError(err) && err.kind === "unavailable", `${where}: ${String(err)}`);
        for (let i = 0n; i < prefixSize(range); i++) {
          const o = prefixFirst(range) - base + i;
          assert.ok(held.has(o) || reserved(o), `${where}: lost ordinal ${o}`);
        }
      }
    } else if (op < 0.65) {
      const o = prefixFirst(range) - base + BigInt(Math.floor(rand() * span));
      const result = await ipam.requestAddress(poolId, { family: master.family, value: base + o }).then(() => "ok", (e: unknown) => e);
      // Docker answers "no addresses" before looking at the preferred one when the pool is full.
      const full = BigInt(held.size + reservedCount) === prefixSize(master);
      const expected = full ? "unavailable" : held.has(o) || reserved(o) ? "conflict" : "ok";
      assert.equal(result === "ok" ? "ok" : (result as { kind?: string }).kind, expected, where);
      if (result === "ok") held.add(o);
    } else if (held.size > 0) {
      const o = pick(rand, [...held]);
      await ipam.releaseAddress(poolId, { family: master.family, value: base + o });
      held.delete(o);
    }
  }
  // Nothing lost: once everything is released, the whole range can be handed out again.
  for (const o of held) await ipam.releaseAddress(poolId, { family: master.family, value: base + o });
  let usable = 0n;
  for (let i = 0n; i < prefixSize(range); i++) if (!reserved(prefixFirst(range) - base + i)) usable++;
  let count = 0n;
  while (await ipam.requestAddress(poolId).then(() => true, () => false)) count++;
  assert.equal(count, usable, `seed ${seed} ${scenario.pool}: addresses lost`);
}

describe("default IPAM against a Set model", () => {
  for (const scenario of SCENARIOS) {
    test(`${scenario.pool}${scenario.range === undefined ? "" : ` range ${scenario.range}`}: 2,500 random operations × 3 seeds`, async () => {
      for (const seed of [7, 99, 2024]) await randomRun(seed, scenario);
    });
  }
});
