// When the periodic firewall check may be skipped: the nftables generation (bumped by every nftables
// commit, ours and anyone's) has not moved since a full check found the ruleset right, and that check is
// recent enough (changes that bypass nftables, e.g. iptables-legacy, are caught by the periodic full one).

export const FULL_CHECK_EVERY_MS = 10_000;

export class GenerationGate {
  readonly #fullEveryMs: number;
  /** The generation at which the last full check found nothing wrong, and when that check ran. */
  #clean: { readonly generation: number; readonly at: number } | undefined;

  constructor(fullEveryMs = FULL_CHECK_EVERY_MS) {
    this.#fullEveryMs = fullEveryMs;
  }

  /** True when a full check is needed; `generation` undefined (unreadable) always needs one. */
  needsCheck(generation: number | undefined, now: number): boolean {
    const c = this.#clean;
    return generation === undefined || c === undefined || c.generation !== generation || now - c.at >= this.#fullEveryMs;
  }

  /** The outcome of a full check that started at `generation` (read before it). */
  checked(generation: number | undefined, drifted: boolean, now: number): void {
    this.#clean = drifted || generation === undefined ? undefined : { generation, at: now };
  }
}
