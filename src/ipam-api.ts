// `libnetwork/ipam-api`: what an IPAM is written against: the contract, Docker's option keys, and the
// typed errors the contract's callers expect (Docker's ipamapi errors, with stable codes).

export type {
  Ipam, IpamOptions, AddressSpaces, IpamCapabilities, PoolRequest, PoolGrant, AddressGrant,
} from "./ipam-api/index.js";
export {
  IpamLabels, IpamDriverNames, IpamErrorCodes, errInvalidAddressSpace, errUnknownAddressSpace, errInvalidPool,
  errInvalidSubPool, errInvalidPoolId, errInvalidRequest, errPoolIdNotFound, errPoolNotFound, errBadPool,
  errPoolOverlap, errNoAvailablePool, errNoDefaultPool, errNoAvailableIps, errNoIpReturned, errIpAlreadyAllocated,
  errIpOutOfRange, errNotSupported, errNoDefaultsForSpace, errInvalidSnapshot, errIpamInternal,
} from "./ipam-api/index.js";
export type { IpAddress, IpPrefix, IpFamily } from "./types/index.js";
export { parseIp, parsePrefix, formatIp, formatPrefix } from "./types/index.js";
export { LibnetworkError, isLibnetworkError, type ErrorKind, type ErrorCode } from "./errors/index.js";
