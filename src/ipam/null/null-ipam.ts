// The null IPAM (Docker's ipams/null): one catch-all pool and no addresses, for networks that need none.

import { errNotSupported } from "../../ipam-api/index.js";
import type {
  AddressGrant, AddressSpaces, Ipam, IpamCapabilities, IpamOptions, PoolGrant, PoolRequest,
} from "../../ipam-api/index.js";
import type { IpAddress, IpPrefix } from "../../types/index.js";

export const NULL_ADDRESS_SPACE = "null";
export const NULL_POOL: IpPrefix = Object.freeze({ family: 4, address: 0n, length: 0 });
export const NULL_POOL_ID = `${NULL_ADDRESS_SPACE}/0.0.0.0/0`;

const CAPABILITIES: IpamCapabilities = Object.freeze({ requiresMacAddress: false, requiresRequestReplay: false });
const NO_META: IpamOptions = Object.freeze({});

/** Stateless: every network gets the same pool, so releasing it is a no-op. Messages are Docker's. */
export class NullIpam implements Ipam {
  async getDefaultAddressSpaces(): Promise<AddressSpaces> {
    return { local: NULL_ADDRESS_SPACE, global: NULL_ADDRESS_SPACE };
  }

  async capabilities(): Promise<IpamCapabilities> {
    return CAPABILITIES;
  }

  async requestPool(request: PoolRequest): Promise<PoolGrant> {
    if (request.addressSpace !== NULL_ADDRESS_SPACE) {
      throw errNotSupported(`unknown address space: ${request.addressSpace}`);
    }
    if (request.pool !== undefined) throw errNotSupported("null ipam driver does not handle specific address pool requests");
    if (request.subPool !== undefined) {
      throw errNotSupported("null ipam driver does not handle specific address subpool requests");
    }
    if (request.v6) throw errNotSupported("null ipam driver does not handle IPv6 address pool pool requests");
    return { poolId: NULL_POOL_ID, pool: NULL_POOL, meta: NO_META };
  }

  async releasePool(_poolId: string): Promise<void> {
    // Nothing is held.
  }

  async requestAddress(poolId: string, _preferred?: IpAddress, _options?: IpamOptions): Promise<AddressGrant> {
    checkPoolId(poolId);
    return { address: undefined, meta: NO_META };
  }

  async releaseAddress(poolId: string, _address: IpAddress): Promise<void> {
    checkPoolId(poolId);
  }
}

function checkPoolId(poolId: string): void {
  if (poolId !== NULL_POOL_ID) throw errNotSupported(`unknown pool id: ${poolId}`);
}
