// The IPAM contract (Docker's ipamapi.Ipam): what the controller asks of any address manager.

import type { IpAddress, IpPrefix } from "../types/index.js";

/**
 * Options travel to the IPAM unchanged (remote plugins receive them as a JSON object of strings),
 * so they stay a string map; the keys the built-ins understand are in `IpamLabels`.
 */
export type IpamOptions = Readonly<Record<string, string>>;

/** The address spaces an IPAM uses when the network does not name one, by network scope. */
export interface AddressSpaces {
  readonly local: string;
  readonly global: string;
}

/** Docker's ipamapi.Capability. */
export interface IpamCapabilities {
  /** Endpoint address requests must carry `IpamLabels.macAddress`. */
  readonly requiresMacAddress: boolean;
  /**
   * The IPAM keeps no state of its own across restarts: the controller must replay every stored
   * network's pool (as an explicit pool) and every stored address (as a preferred address) at start.
   */
  readonly requiresRequestReplay: boolean;
  /**
   * Addresses come from a DHCP server at join, not from this IPAM: `requestAddress` hands out none, and the
   * network's driver must be able to run DHCP on the interfaces it creates (its `dhcp` capability).
   */
  readonly dhcp?: boolean;
}

export interface PoolRequest {
  readonly addressSpace: string;
  /** Explicit pool (`--subnet`); host bits are ignored. Absent: pick one of the IPAM's default pools. */
  readonly pool?: IpPrefix;
  /** Sub-pool (`--ip-range`) inside `pool`; addresses are then handed out from it only. */
  readonly subPool?: IpPrefix;
  readonly options?: IpamOptions;
  /** Ask for an IPv6 pool (only meaningful when `pool` is absent). */
  readonly v6: boolean;
}

export interface PoolGrant {
  /** Opaque to callers; the default IPAM uses Docker's `AddressSpace/subnet[/childSubnet]`. */
  readonly poolId: string;
  /** The master pool, host bits cleared. */
  readonly pool: IpPrefix;
  /** Pool metadata, e.g. `IpamLabels.gateway` when the IPAM picked the gateway itself. */
  readonly meta: IpamOptions;
}

export interface AddressGrant {
  /**
   * The address with the pool's prefix length (`10.0.0.2/24`), or undefined when the IPAM hands out
   * no addresses at all (the null IPAM), in which case the endpoint simply has none.
   */
  readonly address: IpPrefix | undefined;
  readonly meta: IpamOptions;
}

/**
 * An address manager. Every method is async so that a remote plugin (an HTTP round trip) implements
 * the same interface as the in-process allocators. Failures reject with a `LibnetworkError` built by
 * the factories in `ipam-api/errors.ts` (or the implementation's own, for plugin transport errors),
 * and a rejected call changes nothing.
 */
export interface Ipam {
  getDefaultAddressSpaces(): Promise<AddressSpaces>;
  capabilities(): Promise<IpamCapabilities>;
  requestPool(request: PoolRequest): Promise<PoolGrant>;
  /** Releases one reference to the pool; the last reference frees it and its addresses. */
  releasePool(poolId: string): Promise<void>;
  /**
   * Allocates an address in the pool (in its sub-pool's range when it has one): `preferred` when
   * given (it may lie anywhere in the master pool), otherwise the first free one, or the one after
   * the last allocated when `options[IpamLabels.serial] === "true"`.
   */
  requestAddress(poolId: string, preferred?: IpAddress, options?: IpamOptions): Promise<AddressGrant>;
  /** Frees an address; freeing one that is not allocated is a no-op (teardown is best-effort). */
  releaseAddress(poolId: string, address: IpAddress): Promise<void>;
}
