// The run-length bitmap behind every pool (Docker's bitseq): allocated ordinals as sorted runs.
//
// Docker keeps (32-bit block, count) nodes in a linked list; we keep the allocated ordinals as
// sorted, disjoint, non-adjacent half-open runs [start, end) in two parallel arrays. Runs alternate
// with the free gaps between them, so
//   - memory follows fragmentation, not size: an empty /8 or /64 is two runs (network, broadcast);
//   - first-free is O(log runs): it is `from` itself or the end of the run that covers it;
//   - set/unset are a binary search plus at most one splice, and neighbours merge, so a fully
//     allocated range collapses into one run.
// Ordinals are bigints, so any pool size (even an IPv6 /0) costs the same.

import { errIpamInternal } from "../../ipam-api/index.js";

export interface Run {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

export class RunBitmap {
  /** Number of ordinals: 0 … bits-1. */
  readonly bits: bigint;
  readonly #starts: bigint[] = [];
  readonly #ends: bigint[] = [];
  #setCount = 0n;
  /** Where a serial allocation starts looking: one past the last ordinal handed out by setAny*. */
  #cursor = 0n;

  constructor(bits: bigint) {
    if (bits < 1n) throw errIpamInternal(`a bitmap needs at least one ordinal, not ${bits}`);
    this.bits = bits;
  }

  /** Rebuilds a bitmap from its runs (the codec's way in); refuses runs that are not canonical. */
  static fromRuns(bits: bigint, runs: Iterable<Run>, cursor = 0n): RunBitmap {
    const bm = new RunBitmap(bits);
    let prevEnd = -1n;
    for (const { start, end } of runs) {
      if (start <= prevEnd || end <= start || end > bits) {
        throw errIpamInternal(`corrupt bitmap: runs must be sorted, disjoint, non-adjacent and within ${bits} ordinals`);
      }
      bm.#starts.push(start);
      bm.#ends.push(end);
      bm.#setCount += end - start;
      prevEnd = end;
    }
    if (cursor < 0n || cursor > bits) throw errIpamInternal(`corrupt bitmap: cursor ${cursor} outside 0…${bits}`);
    bm.#cursor = cursor;
    return bm;
  }

  /** Ordinals still free (Docker's Unselected). */
  get unselected(): bigint {
    return this.bits - this.#setCount;
  }

  get cursor(): bigint {
    return this.#cursor;
  }

  /** Number of allocated runs; the free runs are the gaps between them. */
  get runCount(): number {
    return this.#starts.length;
  }

  *runs(): IterableIterator<Run> {
    for (let i = 0; i < this.#starts.length; i++) {
      yield { start: this.#starts[i] as bigint, end: this.#ends[i] as bigint };
    }
  }

  isSet(ordinal: bigint): boolean {
    this.#check(ordinal);
    const i = this.#runAtOrBefore(ordinal);
    return i >= 0 && ordinal < (this.#ends[i] as bigint);
  }

  /** Allocates `ordinal`; false when it already was. */
  set(ordinal: bigint): boolean {
    this.#check(ordinal);
    const starts = this.#starts;
    const ends = this.#ends;
    const i = this.#runAtOrBefore(ordinal);
    if (i >= 0 && ordinal < (ends[i] as bigint)) return false;
    const next = ordinal + 1n;
    const joinLeft = i >= 0 && ends[i] === ordinal;
    const joinRight = i + 1 < starts.length && starts[i + 1] === next;
    if (joinLeft && joinRight) {
      ends[i] = ends[i + 1] as bigint;
      starts.splice(i + 1, 1);
      ends.splice(i + 1, 1);
    } else if (joinLeft) {
      ends[i] = next;
    } else if (joinRight) {
      starts[i + 1] = ordinal;
    } else {
      starts.splice(i + 1, 0, ordinal);
      ends.splice(i + 1, 0, next);
    }
    this.#setCount++;
    return true;
  }

  /** Frees `ordinal`; false when it was not allocated. */
  unset(ordinal: bigint): boolean {
    this.#check(ordinal);
    const starts = this.#starts;
    const ends = this.#ends;
    const i = this.#runAtOrBefore(ordinal);
    if (i < 0 || ordinal >= (ends[i] as bigint)) return false;
    const start = starts[i] as bigint;
    const end = ends[i] as bigint;
    const next = ordinal + 1n;
    if (start === ordinal && end === next) {
      starts.splice(i, 1);
      ends.splice(i, 1);
    } else if (start === ordinal) {
      starts[i] = next;
    } else if (end === next) {
      ends[i] = ordinal;
    } else {
      ends[i] = ordinal;
      starts.splice(i + 1, 0, next);
      ends.splice(i + 1, 0, end);
    }
    this.#setCount--;
    return true;
  }

  /** The lowest free ordinal in [from, to], or undefined. */
  firstFree(from: bigint, to: bigint): bigint | undefined {
    if (from > to) return undefined;
    this.#check(from);
    this.#check(to);
    const i = this.#runAtOrBefore(from);
    // Runs never touch, so the end of the run covering `from` is free (or past the bitmap).
    const candidate = i >= 0 && from < (this.#ends[i] as bigint) ? (this.#ends[i] as bigint) : from;
    return candidate <= to ? candidate : undefined;
  }

  /**
   * Allocates a free ordinal in [start, end]: the lowest one, or with `serial` the lowest at or
   * after the cursor, wrapping to `start` (Docker's SetAnyInRange). Undefined when none is free.
   */
  setAnyInRange(start: bigint, end: bigint, serial: boolean): bigint | undefined {
    if (this.#setCount === this.bits) return undefined;
    let found: bigint | undefined;
    if (serial && this.#cursor > start && this.#cursor <= end) found = this.firstFree(this.#cursor, end);
    found ??= this.firstFree(start, end);
    if (found === undefined) return undefined;
    this.set(found);
    this.#cursor = found + 1n;
    return found;
  }

  setAny(serial: boolean): bigint | undefined {
    return this.setAnyInRange(0n, this.bits - 1n, serial);
  }

  /** Index of the last run starting at or before `ordinal`, or -1. */
  #runAtOrBefore(ordinal: bigint): number {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] as bigint) <= ordinal) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  #check(ordinal: bigint): void {
    if (ordinal < 0n || ordinal >= this.bits) {
      throw errIpamInternal(`ordinal ${ordinal} outside 0…${this.bits - 1n}`);
    }
  }
}
