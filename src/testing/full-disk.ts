// For tests of a full disk under the daemon's data directory: a small tmpfs mounted there, filled with a
// file up to a chosen headroom and freed again, and the store's records read directly (read-only), to
// compare what the API shows with what is recorded.

import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export class FullDisk {
  readonly dir: string;
  readonly #fill: string;

  /** Mounts a tmpfs of `sizeMiB` at `dir` (TestDaemon.cleanup unmounts what is under its temp dir). */
  constructor(dir: string, sizeMiB: number) {
    this.dir = dir;
    this.#fill = join(dir, "fill");
    mkdirSync(dir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0700`, "tmpfs", dir]);
  }

  /** Fills the file system, then frees `headroomBytes` of it again. */
  fill(headroomBytes: number): void {
    this.free();
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${this.#fill}`, "bs=64k"], { stdio: "ignore" });
    } catch { /* ENOSPC: full, as wanted */ }
    const size = statSync(this.#fill).size;
    truncateSync(this.#fill, Math.max(0, size - headroomBytes));
  }

  free(): void {
    rmSync(this.#fill, { force: true });
  }

  /**
   * Holds a read transaction on the store until the returned function is called. The daemon's store
   * frees room itself on a full disk (it checkpoints and truncates its WAL); with a reader holding a
   * snapshot it cannot, and every write must grow the WAL: a full disk then refuses each write of an
   * operation in turn as the headroom grows.
   */
  pinWal(): () => void {
    // The WAL emptied (so it ends where its last frame does), then a frame the checkpoints have not
    // copied yet, under a key the daemon never reads: the reader's snapshot needs the WAL, which can then
    // neither be truncated nor written again from its start, only grown.
    const w = new Database(join(this.dir, "dnet.db"), { fileMustExist: true, timeout: 5_000 });
    try {
      w.pragma("wal_checkpoint(TRUNCATE)");
      w.prepare("INSERT OR REPLACE INTO kv (key, value, revision) VALUES ('test/pin', ?, 0)").run(String(Date.now()));
    } finally {
      w.close();
    }
    const db = new Database(join(this.dir, "dnet.db"), { readonly: true, fileMustExist: true });
    db.exec("BEGIN");
    db.prepare("SELECT count(*) FROM kv").get();
    return () => { db.exec("COMMIT"); db.close(); };
  }
}

export interface RecordedView {
  readonly networks: string[];
  readonly sandboxes: string[];
  /** Endpoint ID → the sandbox it is joined to ("" when none). */
  readonly endpoints: Record<string, string>;
}

/**
 * The records of the SQLite store in `dataDir`, as the API should show them: every object not in state
 * "creating" (an intent the API never shows), endpoints with the sandbox they are joined to.
 */
export function recordedView(dataDir: string): RecordedView {
  const db = new Database(join(dataDir, "dnet.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], { key: string; value: string }>("SELECT key, value FROM kv").all();
    const view = { networks: [] as string[], sandboxes: [] as string[], endpoints: {} as Record<string, string> };
    for (const r of rows) {
      const rec = JSON.parse(r.value) as { id: string; state: string; sandboxId?: string };
      if (rec.state === "creating") continue;
      if (r.key.startsWith("network/")) view.networks.push(rec.id);
      else if (r.key.startsWith("sandbox/")) view.sandboxes.push(rec.id);
      else if (r.key.startsWith("endpoint/")) view.endpoints[rec.id] = rec.sandboxId ?? "";
    }
    view.networks.sort();
    view.sandboxes.sort();
    return view;
  } finally {
    db.close();
  }
}
