// WalSyncer: one fdatasync per burst of deferred commits, cancelled by a durable commit, flushed at close.

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WalSyncer } from "./wal-sync.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("WalSyncer", () => {
  it("a deferred commit is pending until its timer fires; a burst arms one timer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dnet-walsync-"));
    try {
      await writeFile(join(dir, "x-wal"), "frames");
      const w = new WalSyncer(join(dir, "x-wal"), 30);
      assert.equal(w.pending, false);
      w.schedule(); w.schedule(); w.schedule();
      assert.equal(w.pending, true);
      await sleep(80);
      assert.equal(w.pending, false, "synced by the timer");
      await w.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a durable commit covers the deferred ones before it (no timer left)", async () => {
    const w = new WalSyncer("/nonexistent/dnet-wal", 10_000);
    w.schedule();
    w.covered();
    assert.equal(w.pending, false);
    await w.close();
  });

  it("close() syncs what is pending; a vanished WAL is not an error", async () => {
    const w = new WalSyncer("/nonexistent/dnet-wal", 10_000);
    w.schedule();
    await w.close();
    assert.equal(w.pending, false);
  });
});
