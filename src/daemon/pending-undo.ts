// Undo steps of the daemon's composite requests (a sandbox created with its networks, a connect = create
// + join) that could not run because the store refused their writes (its disk full): kept, and tried
// again before the next change, so that a retry of the request starts from a clean slate. Until then
// the half-made object is what the store records, and what the API shows.

import { isLibnetworkError } from "../errors/index.js";
import { errorFields } from "./error-info.js";
import type { Logger } from "./logging.js";

export class PendingUndos {
  readonly #undos = new Map<string, { readonly what: string; readonly run: () => Promise<void> }>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Runs `undo` now; when it fails, keeps it for later and says so. An object already gone counts as undone. */
  async run(key: string, what: string, undo: () => Promise<void>): Promise<void> {
    try {
      await undo();
    } catch (err) {
      if (isLibnetworkError(err) && err.kind === "not-found") return;
      this.#undos.set(key, { what, run: undo });
      this.#logger.error(`${what} failed: tried again before the next change`, errorFields(err));
    }
  }

  /** Tries every kept undo again; those that still fail stay. */
  async settle(): Promise<void> {
    for (const [key, u] of this.#undos) {
      try {
        await u.run();
      } catch (err) {
        if (!(isLibnetworkError(err) && err.kind === "not-found")) continue;
      }
      this.#undos.delete(key);
      this.#logger.info(`${u.what} done (it had failed before)`, { object: key });
    }
  }

  get size(): number {
    return this.#undos.size;
  }
}
