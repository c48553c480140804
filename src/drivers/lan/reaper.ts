// Children of left endpoints, destroyed later in one batch per sandbox: deleting a link costs ~17 ms of
// kernel time, which no leave should wait for. Until then they sit, down and renamed by the controller,
// in the trash group of their sandbox; a sandbox deleted meanwhile takes them along.

import { deleteLinksByGroup, DNET_TRASH_GROUP, type NetnsHandle } from "../../osl/index.js";

export class ChildReaper {
  readonly #delayMs: number;
  readonly #pending = new Set<NetnsHandle>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(delayMs = 50) {
    this.#delayMs = delayMs;
  }

  /** The sandbox of `h` has a child in the trash group: delete it with the next batch. */
  schedule(h: NetnsHandle): void {
    this.#pending.add(h);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#running.then(() => this.#reap(true));
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Deletes what is waiting now (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
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
