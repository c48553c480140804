// Docker's IPAM errors (ipamapi/contract.go and the default allocator's own) as code + kind + message.
//
// Messages are Docker's, word for word, because users and scripts match on them. Kinds follow Docker's
// error classes (BadRequest → invalid-argument, NotFound → not-found, NoService → unavailable), except
// that Docker's Forbidden for "overlaps" and "already in use" is a conflict in our taxonomy.

import { conflict, internal, invalidArgument, notFound, notImplemented, unavailable } from "../errors/index.js";
import type { LibnetworkError } from "../errors/index.js";
import type { IpFamily } from "../types/index.js";

export const IpamErrorCodes = Object.freeze({
  invalidAddressSpace: "ERR_IPAM_INVALID_ADDRESS_SPACE",
  unknownAddressSpace: "ERR_IPAM_UNKNOWN_ADDRESS_SPACE",
  invalidPool: "ERR_IPAM_INVALID_POOL",
  invalidSubPool: "ERR_IPAM_INVALID_SUBPOOL",
  invalidPoolId: "ERR_IPAM_INVALID_POOL_ID",
  invalidRequest: "ERR_IPAM_INVALID_REQUEST",
  poolNotFound: "ERR_IPAM_POOL_NOT_FOUND",
  badPool: "ERR_IPAM_BAD_POOL",
  poolOverlap: "ERR_IPAM_POOL_OVERLAP",
  noAvailablePool: "ERR_IPAM_NO_AVAILABLE_POOL",
  noDefaultPool: "ERR_IPAM_NO_DEFAULT_POOL",
  noAvailableIps: "ERR_IPAM_NO_AVAILABLE_IPS",
  noIpReturned: "ERR_IPAM_NO_IP_RETURNED",
  ipAlreadyAllocated: "ERR_IPAM_IP_ALREADY_ALLOCATED",
  ipOutOfRange: "ERR_IPAM_IP_OUT_OF_RANGE",
  invalidPoolConfig: "ERR_IPAM_INVALID_POOL_CONFIG",
  invalidSnapshot: "ERR_IPAM_INVALID_SNAPSHOT",
  notSupported: "ERR_IPAM_NOT_SUPPORTED",
  internal: "ERR_IPAM_INTERNAL",
} as const);

const C = IpamErrorCodes;

/** ErrInvalidAddressSpace: empty or malformed address space name. */
export function errInvalidAddressSpace(): LibnetworkError {
  return invalidArgument(C.invalidAddressSpace, "Invalid Address Space");
}

/** The default allocator knows only its local and global spaces. */
export function errUnknownAddressSpace(space: string): LibnetworkError {
  return notFound(C.unknownAddressSpace,
    `cannot find address space ${space} (most likely the backing datastore is not configured)`);
}

/** ErrInvalidPool. */
export function errInvalidPool(): LibnetworkError {
  return invalidArgument(C.invalidPool, "Invalid Address Pool");
}

/** ErrInvalidSubPool: a sub-pool without a pool, or one that does not lie inside it. */
export function errInvalidSubPool(): LibnetworkError {
  return invalidArgument(C.invalidSubPool, "Invalid Address SubPool");
}

export function errInvalidPoolId(poolId: string): LibnetworkError {
  return invalidArgument(C.invalidPoolId, `invalid pool id: ${poolId}`);
}

/** ErrInvalidRequest. */
export function errInvalidRequest(): LibnetworkError {
  return invalidArgument(C.invalidRequest, "Invalid Request");
}

/** RequestAddress / ReleaseAddress on a pool this IPAM does not hold. */
export function errPoolIdNotFound(poolId: string): LibnetworkError {
  return notFound(C.poolNotFound, `cannot find address pool for poolID:${poolId}`);
}

/** ErrPoolNotFound. */
export function errPoolNotFound(): LibnetworkError {
  return invalidArgument(C.poolNotFound, "Address Pool not found");
}

/** ErrBadPool: ReleasePool of a pool this address space does not hold. */
export function errBadPool(): LibnetworkError {
  return invalidArgument(C.badPool, "Address space does not contain specified address pool");
}

/** ErrPoolOverlap: an explicit pool overlaps (or equals) one already allocated in the space. */
export function errPoolOverlap(): LibnetworkError {
  return conflict(C.poolOverlap, "Pool overlaps with other one on this address space");
}

/** ErrNoAvailablePool. */
export function errNoAvailablePool(): LibnetworkError {
  return unavailable(C.noAvailablePool, "No available pool");
}

/**
 * No default pool left for an automatic pool request. Docker says the same words whether the
 * defaults are exhausted or there are none of that family (IPv6 has none unless configured); we keep
 * the words and tell the two apart by kind: `exhausted` → unavailable (retry after a network is
 * removed), otherwise not-found (Docker's kind; nothing will ever match).
 */
export function errNoDefaultPool(family: IpFamily, exhausted: boolean): LibnetworkError {
  const message =
    `could not find an available, non-overlapping IPv${family} address pool among the defaults to assign to the network`;
  return exhausted ? unavailable(C.noAvailablePool, message) : notFound(C.noDefaultPool, message);
}

/** ErrNoAvailableIPs: the pool (or its sub-range) is full; also what /31 and /32 pools answer. */
export function errNoAvailableIps(): LibnetworkError {
  return unavailable(C.noAvailableIps, "No available addresses on this pool");
}

/** ErrNoIPReturned: an IPAM answered a request without an address. */
export function errNoIpReturned(): LibnetworkError {
  return unavailable(C.noIpReturned, "No address returned");
}

/** ErrIPAlreadyAllocated. */
export function errIpAlreadyAllocated(): LibnetworkError {
  return conflict(C.ipAlreadyAllocated, "Address already in use");
}

/** ErrIPOutOfRange: the preferred (or released) address is not in the pool. */
export function errIpOutOfRange(): LibnetworkError {
  return invalidArgument(C.ipOutOfRange, "Requested address is out of range");
}

/** A request an IPAM refuses by design (the null IPAM and explicit pools, for example). */
export function errNotSupported(message: string): LibnetworkError {
  return invalidArgument(C.notSupported, message);
}

/** No default pools for an address space that is not a default one. */
export function errNoDefaultsForSpace(): LibnetworkError {
  return notImplemented(C.notSupported, "no default pool available for non-default address spaces");
}

/** A stored allocator state that cannot be restored (corrupt, or written by something else). */
export function errInvalidSnapshot(why: string, cause?: unknown): LibnetworkError {
  return invalidArgument(C.invalidSnapshot, `invalid IPAM snapshot: ${why}`, cause);
}

/** ErrIpamInternalError, with what went wrong. */
export function errIpamInternal(message: string, cause?: unknown): LibnetworkError {
  return internal(C.internal, message, cause);
}
