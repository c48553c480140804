// What the controller's operations ask of the cluster (global-scope records in etcd), when one is attached.

import type { EndpointRecord, NetworkRecord } from "./records.js";

export interface ClusterHooks {
  /** This host's advertise address. */
  readonly node: string;
  /**
   * Claims the network's name, pools and VNIs across the cluster (compare-and-swap) and records it as
   * being created; answers the record with the VNIs it got. Refuses what another host holds.
   */
  claimNetwork(record: NetworkRecord): Promise<NetworkRecord>;
  /** The network is ready here: other hosts create it too. */
  publishNetwork(record: NetworkRecord): Promise<void>;
  /** Refuses while another host has endpoints on it; otherwise removes it (and its claims) everywhere. */
  releaseNetwork(record: NetworkRecord): Promise<void>;
  /** Claims one address of a global network; false when another host holds it. */
  claimAddress(networkId: string, ip: string, endpointId: string): Promise<boolean>;
  releaseAddress(networkId: string, ip: string): Promise<void>;
  publishEndpoint(record: EndpointRecord): Promise<void>;
  forgetEndpoint(record: EndpointRecord): Promise<void>;
  /** Addresses this host holds in its IPAM for other hosts' claims: given back when those go. */
  holdRemote(networkId: string, ip: string, poolId: string): void;
}

/** Filled in when the cluster store becomes reachable (the daemon keeps retrying until then). */
export interface ClusterSlot {
  hooks: ClusterHooks | undefined;
}
