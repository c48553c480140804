// The dhcp IPAM (`--ipam-driver dhcp`, after netavark's): it hands out no addresses. Its networks have
// one placeholder pool, 0.0.0.0/0, and their driver leases each endpoint's address from the LAN's DHCP
// server at join (with DhcpClient). What it checks is that nothing asks it for an address it cannot give.

import { errNotSupported, IpamLabels } from "../../ipam-api/index.js";
import type {
  AddressGrant, AddressSpaces, Ipam, IpamCapabilities, IpamOptions, PoolGrant, PoolRequest,
} from "../../ipam-api/index.js";
import { notImplemented } from "../../errors/index.js";
import type { IpAddress, IpPrefix } from "../../types/index.js";
import { parseDhcpConfig } from "./config.js";

export const DHCP_ADDRESS_SPACE = "dhcp";
export const DHCP_POOL: IpPrefix = Object.freeze({ family: 4, address: 0n, length: 0 });
export const DHCP_POOL_ID = `${DHCP_ADDRESS_SPACE}/0.0.0.0/0`;

const CAPABILITIES: IpamCapabilities = Object.freeze({ requiresMacAddress: false, requiresRequestReplay: false, dhcp: true });
const NO_META: IpamOptions = Object.freeze({});

const isPlaceholder = (p: IpPrefix): boolean => p.family === 4 && p.length === 0 && p.address === 0n;

/** Stateless, like the null IPAM: every network gets the same placeholder pool. */
export class DhcpIpam implements Ipam {
  async getDefaultAddressSpaces(): Promise<AddressSpaces> {
    return { local: DHCP_ADDRESS_SPACE, global: DHCP_ADDRESS_SPACE };
  }

  async capabilities(): Promise<IpamCapabilities> {
    return CAPABILITIES;
  }

  /** The placeholder pool; given again explicitly when the controller replays it after a restart. */
  async requestPool(request: PoolRequest): Promise<PoolGrant> {
    if (request.addressSpace !== DHCP_ADDRESS_SPACE) throw errNotSupported(`unknown address space: ${request.addressSpace}`);
    if (request.v6) throw notImplemented("ERR_DHCPV6", "the dhcp IPAM driver has no DHCPv6 client: IPv6 networks cannot use it");
    if ((request.pool !== undefined && !isPlaceholder(request.pool)) || request.subPool !== undefined) {
      throw errNotSupported("the dhcp IPAM driver takes no subnet, range or gateway: the DHCP server on the network assigns them");
    }
    parseDhcpConfig(request.options ?? {}); // bad options fail here, when the network is created
    return { poolId: DHCP_POOL_ID, pool: DHCP_POOL, meta: NO_META };
  }

  async releasePool(_poolId: string): Promise<void> {
    // Nothing is held.
  }

  /** None: the network's gateway comes with each lease, and endpoint addresses at join. */
  async requestAddress(poolId: string, preferred?: IpAddress, options?: IpamOptions): Promise<AddressGrant> {
    checkPoolId(poolId);
    if (preferred !== undefined) {
      const what = options?.[IpamLabels.requestAddressType] === IpamLabels.gateway ? "a network a chosen gateway" : "an endpoint a chosen address";
      throw errNotSupported(`the dhcp IPAM driver cannot give ${what}: the DHCP server assigns it at connect`);
    }
    return { address: undefined, meta: NO_META };
  }

  async releaseAddress(poolId: string, _address: IpAddress): Promise<void> {
    checkPoolId(poolId);
  }
}

function checkPoolId(poolId: string): void {
  if (poolId !== DHCP_POOL_ID) throw errNotSupported(`unknown pool id: ${poolId}`);
}
