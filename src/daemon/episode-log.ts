// Logging a condition that repeats (a failing check, a full connection table, no file descriptors left):
// one line when it starts or changes, one when it is over with how often it happened, nothing between.

import type { LogFields, LogLevel, Logger } from "./logging.js";

export class EpisodeLog {
  readonly #logger: Logger;
  #key: string | undefined;
  #count = 0;
  #since = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get active(): boolean {
    return this.#key !== undefined;
  }

  /** One occurrence; logged only when no episode runs or `key` (what went wrong) changed. */
  occur(key: string, level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (this.#key === key) {
      this.#count++;
      return;
    }
    this.#key = key;
    this.#count = 1;
    this.#since = Date.now();
    this.#logger.log(level, msg, fields);
  }

  /** The condition is over: one line saying so, when there was an episode. */
  end(msg: string, fields: LogFields = {}): void {
    if (this.#key === undefined) return;
    this.#logger.info(msg, { ...fields, occurrences: this.#count, seconds: Math.round((Date.now() - this.#since) / 100) / 10 });
    this.#key = undefined;
    this.#count = 0;
  }
}
