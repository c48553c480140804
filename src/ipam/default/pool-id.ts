// Docker's pool identifier (SubnetKey): `AddressSpace/subnet[/childSubnet]`, parsed and formatted.

import { errInvalidPoolId } from "../../ipam-api/index.js";
import { formatPrefix, prefixContains, prefixNetwork, tryParsePrefix } from "../../types/index.js";
import type { IpPrefix } from "../../types/index.js";

export interface PoolKey {
  readonly space: string;
  /** The master pool, host bits cleared. */
  readonly subnet: IpPrefix;
  /** The sub-pool (`--ip-range`), host bits cleared, inside `subnet`. */
  readonly child?: IpPrefix;
}

/** `LocalDefault/10.99.0.0/24/10.99.0.128/25`; IPv6 addresses never contain `/`, so `/` splits. */
export function formatPoolId(key: PoolKey): string {
  const master = `${key.space}/${formatPrefix(key.subnet)}`;
  return key.child === undefined ? master : `${master}/${formatPrefix(key.child)}`;
}

/** The key of the master pool a (possibly child) key allocates from. */
export function masterKey(key: PoolKey): PoolKey {
  return { space: key.space, subnet: key.subnet };
}

/**
 * Parses a pool id. Only canonical ids (as `formatPoolId` writes them) are accepted, so that one pool
 * has exactly one id and map lookups by id are exact.
 */
export function parsePoolId(poolId: string): PoolKey {
  const parts = poolId.split("/");
  if (parts.length !== 3 && parts.length !== 5) throw errInvalidPoolId(poolId);
  const [space = "", a = "", b = "", c = "", d = ""] = parts;
  const subnet = tryParsePrefix(`${a}/${b}`);
  if (space === "" || subnet === undefined) throw errInvalidPoolId(poolId);
  let key: PoolKey = { space, subnet: prefixNetwork(subnet) };
  if (parts.length === 5) {
    const child = tryParsePrefix(`${c}/${d}`);
    if (child === undefined || !prefixContains(subnet, child)) throw errInvalidPoolId(poolId);
    key = { ...key, child: prefixNetwork(child) };
  }
  if (formatPoolId(key) !== poolId) throw errInvalidPoolId(poolId);
  return key;
}
