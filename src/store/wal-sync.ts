// Group commit for the SQLite store's deferred-durability transactions: one background fdatasync of the
// WAL covers every commit made since the previous one.

import { open, type FileHandle } from "node:fs/promises";

/** How long a deferred commit may stay in the page cache only (lost on power loss, never on a crash). */
export const DEFERRED_SYNC_MS = 200;

/**
 * A commit made with `synchronous = NORMAL` is written to the WAL (the OS holds it: it survives the
 * process being killed) but not fsynced. `schedule()` after such a commit arms one timer; when it fires,
 * the WAL is fdatasynced through libuv's thread pool, so the event loop never waits for the disk.
 */
export class WalSyncer {
  readonly #walFile: string;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  #handle: Promise<FileHandle> | undefined;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(walFile: string, delayMs = DEFERRED_SYNC_MS) {
    this.#walFile = walFile;
    this.#delayMs = delayMs;
  }

  /** True while a deferred commit waits for its fdatasync. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  schedule(): void {
    if (this.#timer !== undefined) return;
    // Unref'd: a process that exits leaves the pages to the OS, which writes them back on its own.
    this.#timer = setTimeout(() => { this.#timer = undefined; void this.#sync(); }, this.#delayMs);
    this.#timer.unref();
  }

  /** A durable commit fsynced the WAL, and with it every deferred commit before it. */
  covered(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Syncs now if a deferred commit is waiting, then releases the file handle. */
  async close(): Promise<void> {
    const waiting = this.#timer !== undefined;
    this.covered();
    if (waiting) await this.#sync();
    await this.#inFlight;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) await (await handle.catch(() => undefined))?.close().catch(() => undefined);
  }

  #sync(): Promise<void> {
    // Chained: never two fdatasyncs at once, and close() can wait for the last one.
    this.#inFlight = this.#inFlight.then(async () => {
      this.#handle ??= open(this.#walFile, "r");
      try {
        await (await this.#handle).datasync();
      } catch {
        // The WAL vanished (checkpointed and removed at close) or the open failed: nothing left to sync
        // through this handle; the next schedule() reopens it.
        const stale = this.#handle;
        this.#handle = undefined;
        await (await stale.catch(() => undefined))?.close().catch(() => undefined);
      }
    });
    return this.#inFlight;
  }
}
