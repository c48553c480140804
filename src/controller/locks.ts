// Per-object async mutexes: operations on one network, endpoint or sandbox run one at a time.

export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of every key in `keys` is done. Keys are taken in sorted order. */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const waits = sorted.map((k) => this.#tails.get(k) ?? Promise.resolve());
    for (const k of sorted) this.#tails.set(k, held);
    try {
      await Promise.all(waits);
      return await fn();
    } finally {
      release();
      for (const k of sorted) if (this.#tails.get(k) === held) this.#tails.delete(k);
    }
  }

  get size(): number {
    return this.#tails.size;
  }
}
