// A token bucket: `rate` tokens a second, at most `burst` saved up.

export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  /** rate ≤ 0 or Infinity: never limits. */
  constructor(rate: number, burst: number, now: number = performance.now()) {
    this.#rate = rate;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#last = now;
  }

  /** Takes one token if there is one. */
  take(now: number = performance.now()): boolean {
    if (!(this.#rate > 0) || this.#rate === Infinity) return true;
    if (this.#tokens < 1) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / 1000);
      this.#last = now;
      if (this.#tokens < 1) return false;
    }
    this.#tokens -= 1;
    return true;
  }
}
