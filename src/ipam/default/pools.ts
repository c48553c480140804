// The default pools automatic pool requests choose from (Docker's ipamutils), and their configuration.

import { errIpamInternal, IpamErrorCodes } from "../../ipam-api/index.js";
import { invalidArgument } from "../../errors/index.js";
import { familyBits, prefixFirst, prefixLast, prefixNetwork, tryParsePrefix } from "../../types/index.js";
import type { IpFamily, IpPrefix } from "../../types/index.js";

/** One entry of the daemon's `default-address-pools`: split `base` into prefixes of length `size`. */
export interface AddressPoolConfig {
  readonly base: string;
  readonly size: number;
}

/** Docker's local-scope defaults: 3 × /16, 3 × /14 in /16s, 192.168.0.0/16 in /20s = 31 pools. */
export const LOCAL_DEFAULT_POOLS: readonly AddressPoolConfig[] = Object.freeze([
  { base: "172.17.0.0/16", size: 16 },
  { base: "172.18.0.0/16", size: 16 },
  { base: "172.19.0.0/16", size: 16 },
  { base: "172.20.0.0/14", size: 16 },
  { base: "172.24.0.0/14", size: 16 },
  { base: "172.28.0.0/14", size: 16 },
  { base: "192.168.0.0/16", size: 20 },
].map((p) => Object.freeze(p)));

/** Docker's global-scope defaults: 10.0.0.0/8 in 65,536 /24s. */
export const GLOBAL_DEFAULT_POOLS: readonly AddressPoolConfig[] = Object.freeze([
  Object.freeze({ base: "10.0.0.0/8", size: 24 }),
]);

interface Segment {
  /** Network of the base, host bits cleared. */
  readonly base: IpPrefix;
  readonly size: number;
  /** Bits per pool, as a shift: a pool covers 2^shift addresses. */
  readonly shift: bigint;
  readonly count: bigint;
  /** Index of this segment's first pool in the whole list. */
  readonly offset: bigint;
}

/**
 * Returns the prefix that makes a candidate unusable (an allocated pool, a host route), or undefined
 * when the candidate is free. Returning the blocker lets the scan jump past a large one at once.
 */
export type Blocker = (candidate: IpPrefix) => IpPrefix | undefined;

/**
 * The ordered list of default pools, kept as (base, size) segments and indexed arithmetically:
 * 10.0.0.0/8 in /24s is one segment, not 65,536 objects, and an IPv6 base split into /64s costs
 * the same whatever its size.
 */
export class PredefinedPools {
  readonly #segments: readonly Segment[];
  /** Number of pools in the list. */
  readonly total: bigint;

  constructor(config: readonly AddressPoolConfig[]) {
    let offset = 0n;
    const segments: Segment[] = [];
    for (const entry of config) {
      const base = parseBase(entry);
      const shift = BigInt(familyBits(base.family) - entry.size);
      const count = 1n << BigInt(entry.size - base.length);
      segments.push(Object.freeze({ base, size: entry.size, shift, count, offset }));
      offset += count;
    }
    this.#segments = Object.freeze(segments);
    this.total = offset;
  }

  hasFamily(family: IpFamily): boolean {
    return this.#segments.some((s) => s.base.family === family);
  }

  /** The pool at `index` in Docker's order. */
  at(index: bigint): IpPrefix {
    for (const s of this.#segments) {
      if (index >= s.offset && index < s.offset + s.count) return poolOf(s, index - s.offset);
    }
    throw errIpamInternal(`default pool index ${index} outside 0…${this.total - 1n}`);
  }

  /**
   * The first index in [from, to) whose pool has `family` and no blocker, or undefined. A blocker
   * larger than the candidate skips every candidate it covers in one step.
   */
  find(from: bigint, to: bigint, family: IpFamily, blocker: Blocker): bigint | undefined {
    for (const s of this.#segments) {
      if (s.base.family !== family) continue;
      let i = from > s.offset ? from - s.offset : 0n;
      const end = to - s.offset < s.count ? to - s.offset : s.count;
      while (i < end) {
        const candidate = poolOf(s, i);
        const block = blocker(candidate);
        if (block === undefined) return s.offset + i;
        const after = (prefixLast(block) + 1n - prefixFirst(s.base) + (1n << s.shift) - 1n) >> s.shift;
        i = after > i + 1n ? after : i + 1n;
      }
    }
    return undefined;
  }
}

function poolOf(s: Segment, i: bigint): IpPrefix {
  return { family: s.base.family, address: prefixFirst(s.base) + (i << s.shift), length: s.size };
}

/** Docker's checks (ipamutils.splitNetworks), with its messages; a size past the family is refused too. */
function parseBase(entry: AddressPoolConfig): IpPrefix {
  const base = typeof entry.base === "string" ? tryParsePrefix(entry.base) : undefined;
  if (base === undefined) {
    throw invalidArgument(IpamErrorCodes.invalidPoolConfig,
      `invalid base pool ${JSON.stringify(entry.base)}: invalid CIDR address: ${String(entry.base)}`);
  }
  const size = entry.size;
  if (!Number.isInteger(size) || size <= 0 || size < base.length || size > familyBits(base.family)) {
    throw invalidArgument(IpamErrorCodes.invalidPoolConfig, `invalid pools size: ${String(size)}`);
  }
  return prefixNetwork(base);
}

/** Validates a `default-address-pools` configuration (daemon flag or config file) once, at the edge. */
export function parseAddressPools(config: readonly AddressPoolConfig[]): PredefinedPools {
  return new PredefinedPools(config);
}
