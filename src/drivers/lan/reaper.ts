// Children of left endpoints, destroyed later, one batch per sandbox: deleting a link costs ~17 ms of
// kernel time, which no leave should wait for. Until then they sit, down and renamed by the controller,
// in the trash group of their sandbox; a sandbox deleted meanwhile takes them along. Like the bridge's
// reaper, a batch waits while leaves keep coming (each postpones it), up to a limit: every deletion is
// one more call holding the kernel's rtnl lock in the middle of other requests.

import { deleteLinksByGroup, DNET_TRASH_GROUP, type NetnsHandle } from "../../osl/index.js";

export interface ReaperTiming {
  /** How long leaves must pause before the batch goes (ms). */
  readonly delayMs?: number;
  /** The longest a left child waits while leaves keep coming (ms). */
  readonly maxDelayMs?: number;
}

export class ChildReaper {
  readonly #delayMs: number;
  readonly #maxDelayMs: number;
  readonly #pending = new Set<NetnsHandle>();
  #timer: NodeJS.Timeout | undefined;
  /** When the oldest child now waiting was left. */
  #since: number | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(timing: ReaperTiming = {}) {
    this.#delayMs = timing.delayMs ?? 50;
    this.#maxDelayMs = timing.maxDelayMs ?? 1000;
  }

  /** The sandbox of `h` has a child in the trash group: delete it with the next batch. */
  schedule(h: NetnsHandle): void {
    this.#pending.add(h);
    const now = Date.now();
    this.#since ??= now;
    const overdue = now - this.#since >= this.#maxDelayMs;
    if (this.#timer !== undefined) {
      if (overdue) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#since = undefined;
      this.#running = this.#running.then(() => this.#reap(true));
    }, overdue ? 0 : this.#delayMs);
    this.#timer.unref();
  }

  /** Deletes what is waiting now (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#since = undefined;
    await this.#running;
    await this.#reap(false);
  }

  async #reap(offThread: boolean): Promise<void> {
    const handles = [...this.#pending];
    this.#pending.clear();
    for (const h of handles) {
      // A closed handle: its sandbox is gone, and its links with it.
      if (!h.closed) await deleteLinksByGroup(h, DNET_TRASH_GROUP, { offThread }).catch(() => undefined);
    }
  }
}
