// Saving and restoring the default allocator's state: pools with their reference counts and bitmaps.
//
// The snapshot is plain JSON (what a store keeps): Docker persists the same two things for its
// global space (`ipam/default/config/<space>` and `ipam/default/data/<poolID>`). Restoring validates
// everything first and builds fresh state, so a bad snapshot changes nothing.

import { errInvalidSnapshot } from "../../ipam-api/index.js";
import { isLibnetworkError } from "../../errors/index.js";
import { prefixFirst, prefixLast, prefixSize } from "../../types/index.js";
import type { IpPrefix } from "../../types/index.js";
import { AddressSpace, poolEntry } from "./address-space.js";
import type { RunBitmap } from "./bitseq.js";
import { decodeBitmapBase64, encodeBitmapBase64 } from "./bitseq-codec.js";
import { formatPoolId, masterKey, parsePoolId } from "./pool-id.js";
import type { PoolKey } from "./pool-id.js";
import type { PredefinedPools } from "./pools.js";

export interface SpaceSnapshot {
  /** Round-robin position in the default pools, as a decimal integer. */
  readonly next: string;
  /** Pool id → number of requests holding it. */
  readonly pools: Readonly<Record<string, number>>;
  /** Master pool id → bitmap (bitseq-codec, base64). */
  readonly bitmaps: Readonly<Record<string, string>>;
}

export interface IpamSnapshot {
  readonly version: 1;
  readonly spaces: Readonly<Record<string, SpaceSnapshot>>;
}

export function snapshotSpace(space: AddressSpace): SpaceSnapshot {
  const pools: Record<string, number> = {};
  const bitmaps: Record<string, string> = {};
  for (const [id, entry] of space.pools) {
    pools[id] = entry.refCount;
    if (entry.key.child === undefined) bitmaps[id] = encodeBitmapBase64(entry.bitmap);
  }
  return { next: space.next.toString(), pools, bitmaps };
}

/** Rebuilds one address space from its snapshot, or throws invalid-argument saying what is wrong. */
export function restoreSpace(name: string, predefined: PredefinedPools, snap: SpaceSnapshot): AddressSpace {
  const space = new AddressSpace(name, predefined);
  if (typeof snap.next !== "string" || !/^(0|[1-9][0-9]*)$/.test(snap.next)) {
    throw errInvalidSnapshot(`space ${name}: bad round-robin position ${JSON.stringify(snap.next)}`);
  }
  space.next = BigInt(snap.next);
  const keys = Object.entries(snap.pools).map(([id, refCount]) => {
    const key = parseOrExplain(id);
    if (key.space !== name) throw errInvalidSnapshot(`pool ${id} listed under space ${name}`);
    if (!Number.isInteger(refCount) || refCount < 1) throw errInvalidSnapshot(`pool ${id}: bad reference count ${refCount}`);
    return { id, key, refCount };
  });
  const masterIds = new Set(keys.filter((k) => k.key.child === undefined).map((k) => k.id));
  for (const id of Object.keys(snap.bitmaps)) {
    if (!masterIds.has(id)) throw errInvalidSnapshot(`bitmap ${id} belongs to no master pool`);
  }
  for (const { id, key, refCount } of keys) {
    if (key.child === undefined) space.pools.set(id, poolEntry(key, restoreBitmap(id, key, snap.bitmaps[id]), refCount));
  }
  for (const { id, key, refCount } of keys) {
    if (key.child === undefined) continue;
    const master = space.pools.get(formatPoolId(masterKey(key)));
    if (master === undefined) throw errInvalidSnapshot(`sub-pool ${id} has no master pool`);
    space.pools.set(id, poolEntry(key, master.bitmap, refCount));
  }
  checkMasters(space);
  return space;
}

function parseOrExplain(id: string): PoolKey {
  try {
    return parsePoolId(id);
  } catch (err) {
    throw errInvalidSnapshot(`bad pool id ${JSON.stringify(id)}`, err);
  }
}

function restoreBitmap(id: string, key: PoolKey, text: string | undefined): RunBitmap {
  if (text === undefined) throw errInvalidSnapshot(`pool ${id} has no bitmap`);
  let bm: RunBitmap;
  try {
    bm = decodeBitmapBase64(text);
  } catch (err) {
    if (!isLibnetworkError(err)) throw err;
    throw errInvalidSnapshot(`bitmap ${id}: ${err.message}`, err);
  }
  const size = prefixSize(key.subnet);
  if (bm.bits !== size) throw errInvalidSnapshot(`bitmap ${id} has ${bm.bits} ordinals, the pool ${size}`);
  const broadcastFree = key.subnet.family === 4 && !bm.isSet(size - 1n);
  if (!bm.isSet(0n) || broadcastFree) throw errInvalidSnapshot(`bitmap ${id} frees a reserved address`);
  return bm;
}

/** Masters do not overlap, and a master counts every reference its sub-pools hold. */
function checkMasters(space: AddressSpace): void {
  const children = new Map<string, number>();
  for (const entry of space.pools.values()) {
    if (entry.key.child === undefined) continue;
    const master = formatPoolId(masterKey(entry.key));
    children.set(master, (children.get(master) ?? 0) + entry.refCount);
  }
  const masters: [string, IpPrefix][] = [];
  for (const [id, entry] of space.pools) {
    if (entry.key.child !== undefined) continue;
    if (entry.refCount < (children.get(id) ?? 0)) throw errInvalidSnapshot(`pool ${id} counts fewer references than its sub-pools`);
    masters.push([id, entry.key.subnet]);
  }
  // Sorted by family then first address, two prefixes overlap only if neighbours do: O(n log n).
  masters.sort(([, a], [, b]) => a.family - b.family || (prefixFirst(a) < prefixFirst(b) ? -1 : prefixFirst(a) > prefixFirst(b) ? 1 : 0));
  for (let i = 1; i < masters.length; i++) {
    const [prevId, prev] = masters[i - 1] as [string, IpPrefix];
    const [id, cur] = masters[i] as [string, IpPrefix];
    if (prev.family === cur.family && prefixLast(prev) >= prefixFirst(cur)) throw errInvalidSnapshot(`pools ${prevId} and ${id} overlap`);
  }
}
