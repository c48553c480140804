// Whether the kernel's nftables ruleset is, as far as we can tell, exactly what the backend last wrote:
// the generation (a counter the kernel bumps on every commit, anyone's) at which it was last verified,
// carried forward across the backend's own commits when each moved it by exactly one (nothing else
// committed in between). A drift check at that generation need not list the table: nothing can have
// changed it without moving the counter. Without this, every burst of changes (10,000 ports added one by
// one) made the daemon's once-a-second check list the whole table with `nft -j` (0.8 s of CPU at
// 10,000 elements), so each port cost more than the one before.

export class OwnGeneration {
  #verified: number | undefined;

  /** The generation at which the ruleset is known to be ours, if any. */
  get verified(): number | undefined {
    return this.#verified;
  }

  /** A full check found the ruleset right at `generation` (read before the check). */
  checkedClean(generation: number | undefined): void {
    this.#verified = generation;
  }

  /**
   * One of our commits took the generation from `before` to `after`. `fromScratch`: it rewrote the whole
   * table (its result is ours whatever was there); otherwise it changed elements of a verified table.
   */
  committed(before: number | undefined, after: number | undefined, fromScratch: boolean): void {
    const alone = before !== undefined && after === ((before + 1) >>> 0);
    this.#verified = alone && (fromScratch || this.#verified === before) ? after : undefined;
  }

  /** Something went wrong or someone else may have written: the next check lists the table. */
  forget(): void {
    this.#verified = undefined;
  }
}
