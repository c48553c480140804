// The DHCP client a driver is handed by the composition root (drivers with the `dhcp` capability): it
// leases an address for an interface the driver created in a sandbox, and keeps the lease alive.

import type { IpAddress, IpPrefix } from "../types/index.js";
import type { StaticRoute } from "./contract.js";

export interface DhcpLeaseRequest {
  /** One lease per endpoint: later calls name it by this. */
  readonly endpointId: string;
  /** The sandbox's netns path. */
  readonly sandboxKey: string;
  /** The interface inside the sandbox the exchange runs on: up, with its final MAC, without an address. */
  readonly ifname: string;
  /** The hardware address the server sees (chaddr): the interface's own MAC. */
  readonly mac: string;
  /** Option 61, stable for the endpoint, so the server hands it the same address again. */
  readonly clientId: Uint8Array;
  /** Option 12. */
  readonly hostname?: string;
  /** The network's IPAM options (`--ipam-opt`), unparsed: the client reads its own (timeout). */
  readonly options: ReadonlyMap<string, string>;
}

/** What a server granted. */
export interface DhcpLease {
  /** The address with the subnet mask's length. */
  readonly address: IpPrefix;
  /** The default route's next hop (option 121's default route, else the first of option 3). */
  readonly gateway?: IpAddress;
  /** Routes other than the default one (option 121). */
  readonly routes: readonly StaticRoute[];
  readonly dnsServers: readonly IpAddress[];
  /** Search domains: option 119, else the domain name of option 15. */
  readonly searchDomains: readonly string[];
  /** The server that granted it (option 54). */
  readonly server: IpAddress;
  readonly leaseSeconds: number;
  /** When it was granted or last renewed (ms since the epoch). */
  readonly renewedAt: number;
}

/**
 * Where a lease stands: bound (renewed on time), being taken back after a restart (rebooting), being renewed
 * or rebound, or lost (expired, refused, or not confirmed after a restart; the client keeps asking for it).
 */
export type DhcpLeaseState = "bound" | "rebooting" | "renewing" | "rebinding" | "lost";

export interface DhcpLeaser {
  /**
   * DISCOVER, OFFER, REQUEST, ACK on the interface, then renewal at T1 and rebinding at T2 until the lease is
   * released or forgotten. Rejects (a LibnetworkError) when no server grants one within the network's timeout,
   * keeping nothing.
   */
  acquire(req: DhcpLeaseRequest): Promise<DhcpLease>;
  /**
   * After a restart: takes the lease of `address` back (INIT-REBOOT: a REQUEST for it, no DISCOVER) and keeps it
   * renewed, in the background. The interface keeps its address meanwhile; `state` tells how it went.
   */
  resume(req: DhcpLeaseRequest, address: IpPrefix): void;
  /** Sends DHCPRELEASE while the interface still has the address, and stops renewing. */
  release(endpointId: string): Promise<void>;
  /** Stops renewing without a word to the server (the interface is gone). */
  forget(endpointId: string): void;
  /** The lease of an endpoint and where it stands, for operational info; undefined when there is none. */
  status(endpointId: string): { readonly lease: DhcpLease | undefined; readonly state: DhcpLeaseState } | undefined;
}
