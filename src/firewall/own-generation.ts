// Whether the kernel's nftables ruleset is, as far as we can tell, exactly what the backend last wrote:
// the generation (a counter the kernel bumps on every commit, anyone's) at which it was last verified,
// carried forward across the backend's own commits when each moved it by exactly one (nothing else
// committed in between). A drift check at that generation need not list the table: nothing can have
// changed it without moving the counter. Without this, every burst of changes (10,000 ports added one by
// one) made the daemon's once-a-second check list the whole table with `nft -j` (0.8 s of CPU at
// 10,000 elements), so each port cost more than the one before.

export class OwnGeneration {
  #verified: number | undefined;
  /** The first generation of the unbroken run of our own commits that ends at #verified. */
  #runStart: number | undefined;

  /** The generation at which the ruleset is known to be ours, if any. */
  get verified(): number | undefined {
    return this.#verified;
  }

  /** A full check found the ruleset right at `generation` (read before the check). */
  checkedClean(generation: number | undefined): void {
    this.#verified = generation;
    this.#runStart = generation;
  }

  /**
   * Whether the commit that made `generation` was one of ours, with nothing foreign before it since the
   * ruleset was last known ours: any generation of the run up to #verified. Not only #verified itself: the
   * watch hears of a commit a few ms late, and by then the next change may have moved #verified on; taking
   * that for a foreign commit had the watch rewrite the whole table, which made it late again, for as long
   * as changes kept coming (seen in bench:ports: every change of a busy daemon followed by a full `nft -f`).
   */
  isOwn(generation: number): boolean {
    if (this.#verified === undefined || this.#runStart === undefined) return false;
    return ((this.#verified - generation) >>> 0) <= ((this.#verified - this.#runStart) >>> 0);
  }

  /**
   * One of our commits took the generation from `before` to `after`. `fromScratch`: it rewrote the whole
   * table (its result is ours whatever was there); otherwise it changed elements of a verified table.
   */
  committed(before: number | undefined, after: number | undefined, fromScratch: boolean): void {
    const alone = before !== undefined && after === ((before + 1) >>> 0);
    const chained = alone && this.#verified === before;
    this.#runStart = chained ? this.#runStart : alone && fromScratch ? after : undefined;
    this.#verified = chained || (alone && fromScratch) ? after : undefined;
  }

  /** Something went wrong or someone else may have written: the next check lists the table. */
  forget(): void {
    this.#verified = undefined;
    this.#runStart = undefined;
  }
}
