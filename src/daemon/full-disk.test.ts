// A full disk under the data directory (a tmpfs of a few MiB, filled with a file up to a headroom that
// grows 4 KiB per round, so each write of each operation is the one that fails in some round; a reader
// pins the store's WAL meanwhile, so the store cannot free room of its own by truncating it): every
// multi-step operation fails with a 503 and leaves what the API shows equal to what is recorded; once
// the disk is freed, the same request finishes it, and the kernel matches the API again.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { FullDisk, recordedView, type RecordedView } from "../testing/full-disk.js";
import { TestDaemon, assertConsistent } from "../testing/test-daemon.js";

interface Case {
  readonly name: string;
  /** With a free disk: what the operation needs. */
  prepare(i: number): Promise<unknown>;
  op(i: number): Promise<unknown>;
  /** After the operation failed, with the disk free again: the same request must finish it. */
  retry(i: number): Promise<unknown>;
  /** Removes what the round made (each removal must work). */
  cleanup(i: number): Promise<unknown>;
}

describe("a full disk under the data directory", () => {
  const d = new TestDaemon();
  let disk: FullDisk;
  before(async () => {
    disk = new FullDisk(`${d.tmp}/data`, 3);
    mkdirSync(d.netnsDir, { recursive: true });
    await d.start();
  });
  after(async () => { await d.cleanup(); });

  const c = (): TestDaemon["client"] => d.client;
  const net = (name: string, i: number) => c().createNetwork({ Name: name, IPAM: { Config: [{ Subnet: `10.181.${i % 250}.0/24` }] } });
  const cases: Case[] = [
    { name: "network create", prepare: async () => {}, op: (i) => net(`nc${i}`, i), retry: (i) => net(`nc${i}`, i), cleanup: (i) => c().removeNetwork(`nc${i}`) },
    { name: "network remove", prepare: (i) => net(`nr${i}`, i), op: (i) => c().removeNetwork(`nr${i}`), retry: (i) => c().removeNetwork(`nr${i}`), cleanup: async () => {} },
    {
      name: "sandbox create", prepare: async () => {}, op: (i) => c().createSandbox({ Name: `sc${i}` }), retry: (i) => c().createSandbox({ Name: `sc${i}` }),
      cleanup: (i) => c().removeSandbox(`sc${i}`, true),
    },
    {
      name: "sandbox create on a network", prepare: (i) => net(`sn${i}`, i),
      op: (i) => c().createSandbox({ Name: `sn${i}`, Networks: [{ Network: `sn${i}` }] }), retry: (i) => c().createSandbox({ Name: `sn${i}`, Networks: [{ Network: `sn${i}` }] }),
      cleanup: async (i) => { await c().removeSandbox(`sn${i}`, true); await c().removeNetwork(`sn${i}`); },
    },
    {
      name: "connect", prepare: async (i) => { await net(`co${i}`, i); await c().createSandbox({ Name: `co${i}` }); },
      op: (i) => c().connect(`co${i}`, { Container: `co${i}` }), retry: (i) => c().connect(`co${i}`, { Container: `co${i}` }),
      cleanup: async (i) => { await c().removeSandbox(`co${i}`, true); await c().removeNetwork(`co${i}`); },
    },
    {
      name: "disconnect", prepare: async (i) => { await net(`dc${i}`, i); await c().createSandbox({ Name: `dc${i}`, Networks: [{ Network: `dc${i}` }] }); },
      op: (i) => c().disconnect(`dc${i}`, { Container: `dc${i}` }), retry: (i) => c().disconnect(`dc${i}`, { Container: `dc${i}` }),
      cleanup: async (i) => { await c().removeSandbox(`dc${i}`, true); await c().removeNetwork(`dc${i}`); },
    },
    {
      name: "sandbox remove (forced, connected)", prepare: async (i) => { await net(`sr${i}`, i); await c().createSandbox({ Name: `sr${i}`, Networks: [{ Network: `sr${i}` }] }); },
      op: (i) => c().removeSandbox(`sr${i}`, true), retry: (i) => c().removeSandbox(`sr${i}`, true),
      // The case: the network could never be removed, its endpoint orphaned.
      cleanup: (i) => c().removeNetwork(`sr${i}`),
    },
  ];

  const apiView = async (): Promise<RecordedView> => {
    const [n, s, e] = await Promise.all([c().listNetworks(), c().listSandboxes(), c().listEndpoints()]);
    return { networks: n.map((x) => x.Id).sort(), sandboxes: s.map((x) => x.Id).sort(), endpoints: Object.fromEntries(e.map((x) => [x.Id, x.SandboxID])) };
  };

  let round = 0;
  for (const k of cases) {
    it(`${k.name}: fails with 503, the API shows what is recorded, a retry finishes it`, { timeout: 120_000 }, async () => {
      const failedAt: number[] = [];
      const codes = new Set<string>();
      let successes = 0;
      for (let headroom = 0; successes < 2; headroom += 4096) {
        assert.ok(headroom <= 512 * 1024, `${k.name} never succeeded`);
        const i = round++;
        await k.prepare(i);
        const unpin = disk.pinWal();
        disk.fill(headroom);
        let failure: unknown;
        try { await k.op(i); } catch (err) { failure = err; }
        unpin();
        const shown = await apiView();
        const recorded = recordedView(disk.dir);
        disk.free();
        assert.deepEqual(shown, recorded, `${k.name} at ${headroom} B of headroom: the API shows what is not recorded (${String(failure)})`);
        if (failure === undefined) {
          successes++;
        } else {
          successes = 0;
          failedAt.push(headroom);
          assert.ok(isLibnetworkError(failure) && failure.kind === "unavailable", `a 503, not ${String(failure)}`);
          codes.add(failure.code);
          await k.retry(i);
        }
        await assertConsistent(d);
        await k.cleanup(i);
      }
      await assertConsistent(d);
      console.log(`${k.name}: failed with ${[...codes].join(", ")} at ${failedAt.length} headrooms (${Math.min(...failedAt)}–${Math.max(...failedAt)} B), each finished by a retry`);
      assert.ok(failedAt.length > 0, "the disk was full enough to fail it");
    });
  }
});
