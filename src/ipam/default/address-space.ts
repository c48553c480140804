// One address space of the default allocator: its pools (ref-counted), their bitmaps, and the
// round-robin position in the default pools. Every method is synchronous, so a caller that awaited
// nothing in between sees one consistent state (that is what serialises concurrent requests).

import {
  errBadPool, errIpAlreadyAllocated, errIpOutOfRange, errNoAvailableIps, errNoDefaultPool,
  errPoolOverlap,
} from "../../ipam-api/index.js";
import { prefixFirst, prefixSize, prefixesOverlap } from "../../types/index.js";
import type { IpAddress, IpFamily, IpPrefix } from "../../types/index.js";
import { RunBitmap } from "./bitseq.js";
import { formatPoolId, masterKey } from "./pool-id.js";
import type { PoolKey } from "./pool-id.js";
import type { PredefinedPools } from "./pools.js";

export interface PoolEntry {
  readonly key: PoolKey;
  /** Requests holding this pool; a master also counts each of its sub-pools. */
  refCount: number;
  /** The master pool's bitmap (a sub-pool shares its master's). */
  readonly bitmap: RunBitmap;
  /** First and last address of the master pool. */
  readonly first: bigint;
  readonly last: bigint;
  /** Ordinals automatic allocation draws from: the sub-pool's range, or the whole master. */
  readonly rangeStart: bigint;
  readonly rangeEnd: bigint;
}

/** Resolves everything a request needs once, when the pool is created, so requests never re-parse. */
export function poolEntry(key: PoolKey, bitmap: RunBitmap, refCount: number): PoolEntry {
  const first = prefixFirst(key.subnet);
  const last = first + prefixSize(key.subnet) - 1n;
  const child = key.child;
  const rangeStart = child === undefined ? 0n : prefixFirst(child) - first;
  const rangeEnd = child === undefined ? last - first : rangeStart + prefixSize(child) - 1n;
  return { key, refCount, bitmap, first, last, rangeStart, rangeEnd };
}

export class AddressSpace {
  readonly name: string;
  readonly predefined: PredefinedPools;
  /** Round-robin start in `predefined`: one past the last default pool handed out (in memory, as Docker). */
  next = 0n;
  /** Pool id → pool; a sub-pool's master is always present too. */
  readonly pools = new Map<string, PoolEntry>();

  constructor(name: string, predefined: PredefinedPools) {
    this.name = name;
    this.predefined = predefined;
  }

  /** A master pool of this space that overlaps `prefix` (either contains the other), if any. */
  overlappingMaster(prefix: IpPrefix): IpPrefix | undefined {
    for (const entry of this.pools.values()) {
      if (entry.key.child === undefined && prefixesOverlap(entry.key.subnet, prefix)) return entry.key.subnet;
    }
    return undefined;
  }

  /** Picks the next free default pool of `family` round-robin, skipping pools and host prefixes. */
  pickDefault(family: IpFamily, host: readonly IpPrefix[]): IpPrefix {
    const blocker = (candidate: IpPrefix): IpPrefix | undefined =>
      this.overlappingMaster(candidate) ?? host.find((h) => prefixesOverlap(h, candidate));
    const total = this.predefined.total;
    const start = this.next < total ? this.next : 0n;
    const index = this.predefined.find(start, total, family, blocker) ?? this.predefined.find(0n, start, family, blocker);
    if (index === undefined) throw errNoDefaultPool(family, this.predefined.hasFamily(family));
    this.next = index + 1n;
    return this.predefined.at(index);
  }

  /** Adds a master pool (explicit or default); an equal or overlapping master is a conflict. */
  addMaster(subnet: IpPrefix): string {
    return this.#addMaster(subnet).id;
  }

  #addMaster(subnet: IpPrefix): { id: string; entry: PoolEntry } {
    if (this.overlappingMaster(subnet) !== undefined) throw errPoolOverlap();
    const key: PoolKey = { space: this.name, subnet };
    const id = formatPoolId(key);
    const entry = poolEntry(key, newPoolBitmap(subnet), 1);
    this.pools.set(id, entry);
    return { id, entry };
  }

  /**
   * Adds a sub-pool. Its master is shared (ref-counted) when it exists already, as Docker does, so
   * two networks may split one subnet by range; a new master is still checked for overlaps (Docker
   * skips that check, letting a sub-pool request slip a subnet over another network's).
   */
  addSubPool(subnet: IpPrefix, child: IpPrefix): string {
    const key: PoolKey = { space: this.name, subnet, child };
    const id = formatPoolId(key);
    if (this.pools.has(id)) throw errPoolOverlap();
    let master = this.pools.get(formatPoolId(masterKey(key)));
    if (master === undefined) master = this.#addMaster(subnet).entry;
    else master.refCount++;
    this.pools.set(id, poolEntry(key, master.bitmap, 1));
    return id;
  }

  releasePool(id: string): void {
    const entry = this.pools.get(id);
    if (entry === undefined) throw errBadPool();
    const ids = entry.key.child === undefined ? [id] : [id, formatPoolId(masterKey(entry.key))];
    for (const each of ids) {
      const e = this.pools.get(each);
      if (e === undefined) continue;
      e.refCount--;
      if (e.refCount === 0) this.pools.delete(each);
    }
  }

  requestAddress(pool: PoolEntry, preferred: IpAddress | undefined, serial: boolean): IpPrefix {
    const { bitmap, first } = pool;
    const subnet = pool.key.subnet;
    if (preferred !== undefined && !inPool(pool, preferred)) throw errIpOutOfRange();
    if (bitmap.unselected === 0n) throw errNoAvailableIps();
    let ordinal: bigint | undefined;
    if (preferred !== undefined) {
      ordinal = preferred.value - first;
      if (!bitmap.set(ordinal)) throw errIpAlreadyAllocated();
    } else {
      ordinal = bitmap.setAnyInRange(pool.rangeStart, pool.rangeEnd, serial);
      if (ordinal === undefined) throw errNoAvailableIps();
    }
    return { family: subnet.family, address: first + ordinal, length: subnet.length };
  }

  /** Frees an address; free, network and broadcast addresses are left as they are. */
  releaseAddress(pool: PoolEntry, address: IpAddress): void {
    if (!inPool(pool, address)) throw errIpOutOfRange();
    const ordinal = address.value - pool.first;
    // Docker would unset these too and then hand out the network address; never free them.
    if (ordinal === 0n || (pool.key.subnet.family === 4 && address.value === pool.last)) return;
    pool.bitmap.unset(ordinal);
  }
}

function inPool(pool: PoolEntry, ip: IpAddress): boolean {
  return ip.family === pool.key.subnet.family && ip.value >= pool.first && ip.value <= pool.last;
}

/**
 * A bitmap with one ordinal per address of the pool, reserved ones set. Docker clamps IPv6 pools of
 * /64 and shorter to 2^64-1 ordinals (only the low 64 host bits are used); bigint runs make the full
 * size free, so every address of any pool is addressable and ordinals never alias.
 */
export function newPoolBitmap(subnet: IpPrefix): RunBitmap {
  const size = prefixSize(subnet);
  const bm = new RunBitmap(size);
  bm.set(0n);
  if (subnet.family === 4) bm.set(size - 1n);
  return bm;
}

