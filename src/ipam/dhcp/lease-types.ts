// The leases the DHCP client hands out and takes requests for. These are the shapes of the driver
// contract's DhcpLeaser (driver-api/dhcp.ts), which an IPAM may not import: the composition root hands
// this client to drivers as a DhcpLeaser, so the compiler checks there that the two still match.

import type { IpAddress, IpPrefix } from "../../types/index.js";

export interface DhcpLeaseRequest {
  readonly endpointId: string;
  readonly sandboxKey: string;
  readonly ifname: string;
  readonly mac: string;
  readonly clientId: Uint8Array;
  readonly hostname?: string;
  readonly options: ReadonlyMap<string, string>;
}

export interface DhcpRoute {
  readonly destination: IpPrefix;
  readonly type: "nexthop" | "connected";
  readonly nextHop?: IpAddress;
}

export interface DhcpLease {
  readonly address: IpPrefix;
  readonly gateway?: IpAddress;
  readonly routes: readonly DhcpRoute[];
  readonly dnsServers: readonly IpAddress[];
  readonly searchDomains: readonly string[];
  readonly server: IpAddress;
  readonly leaseSeconds: number;
  readonly renewedAt: number;
}

export type DhcpLeaseState = "bound" | "rebooting" | "renewing" | "rebinding" | "lost";

/** A lease with the times the client acts on (s after `lease.renewedAt`): renew at t1, rebind at t2. */
export interface Granted {
  readonly lease: DhcpLease;
  readonly t1: number;
  readonly t2: number;
}

/** A lease time of 0xffffffff: never renewed. */
export const INFINITE_LEASE = 0xffffffff;
