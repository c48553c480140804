// The driver contract's optional parts: what a driver implements only when it has the capability — ports
// and NAT on the gateway endpoint, operational info, cluster discovery, network-wide allocation, restore
// and repair of its kernel objects — each with the guard the controller asks before calling it.

import type { IpAddress } from "../types/index.js";
import type { CreateEndpointRequest, CreateNetworkRequest, NetworkDriver, PortBinding } from "./contract.js";

/**
 * What the gateway endpoint publishes: the sandbox's port bindings, whichever endpoint they were given
 * with (Docker hands the driver the sandbox's labels), so they follow the gateway from network to network.
 */
export interface ExternalConnectivityRequest {
  readonly portBindings: readonly PortBinding[];
}

/** Drivers that program reachability from outside (port publishing, NAT) on the gateway endpoint. */
export interface ExternalConnectivity {
  programExternalConnectivity(networkId: string, endpointId: string, req: ExternalConnectivityRequest): Promise<void>;
  revokeExternalConnectivity(networkId: string, endpointId: string): Promise<void>;
}

/** Operational data of an endpoint for `DriverInfo()` (port map, MAC …), keyed by Docker's labels. */
export interface OperationalInfo {
  endpointOperInfo(networkId: string, endpointId: string): ReadonlyMap<string, unknown>;
}

/** What a discovery event is about (Docker's discoverapi): a node of the cluster. */
export type DiscoveryType = "node";

export interface NodeDiscovery {
  /** The node's advertise address. */
  readonly address: IpAddress;
  /** This host itself. */
  readonly self: boolean;
}

/** Drivers that follow the cluster's membership (multi-host drivers: overlay). */
export interface Discovery {
  discoverNew(type: DiscoveryType, data: NodeDiscovery): Promise<void>;
  discoverDelete(type: DiscoveryType, data: NodeDiscovery): Promise<void>;
}

export function hasDiscovery(d: NetworkDriver): d is NetworkDriver & Discovery {
  const c = d as Partial<Discovery>;
  return typeof c.discoverNew === "function" && typeof c.discoverDelete === "function";
}

/**
 * Drivers whose networks are allocated cluster-wide before any host creates them (Docker's
 * NetworkAllocate / NetworkFree, which swarm managers call; remote plugins may implement them).
 */
export interface NetworkAllocation {
  /** Allocates the network's cluster resources; answers options every host's `createNetwork` then gets. */
  allocateNetwork(req: CreateNetworkRequest): Promise<ReadonlyMap<string, string>>;
  freeNetwork(networkId: string): Promise<void>;
}

export function hasNetworkAllocation(d: NetworkDriver): d is NetworkDriver & NetworkAllocation {
  const c = d as Partial<NetworkAllocation>;
  return typeof c.allocateNetwork === "function" && typeof c.freeNetwork === "function";
}

/** Drivers that own kernel objects and can check them against what they should be after a restart. */
export interface Restorable {
  /** Re-creates missing kernel objects for the networks and endpoints the controller still has. */
  restore(state: RestoreState): Promise<void>;
}

/** An endpoint as the controller recorded it, with where it is joined (if it is). */
export interface RestoreEndpoint extends CreateEndpointRequest {
  readonly sandboxKey?: string;
  readonly ifname?: string;
  /** The sandbox's hostname, for a joined endpoint whose sandbox has one. */
  readonly hostname?: string;
  /** It is its sandbox's gateway endpoint: its ports should be published again. */
  readonly externalConnectivity: boolean;
  /** What it publishes then: the sandbox's port bindings (absent: the endpoint's own). */
  readonly externalPortBindings?: readonly PortBinding[];
}

export interface RestoreState {
  readonly networks: readonly CreateNetworkRequest[];
  readonly endpoints: readonly RestoreEndpoint[];
}

/** A link of the host's network namespace that was created, changed or deleted (the controller watches them). */
export interface LinkChange {
  /** The link is gone. */
  readonly deleted: boolean;
  readonly index: number;
  readonly name: string;
  /** ifindex of its master (a bridge); absent when it has none. */
  readonly master?: number;
  /** IFF_UP. */
  readonly up: boolean;
  /** IFLA_GROUP. */
  readonly group: number;
  /** Not the link itself: one of its addresses was removed (name, up and group are then unknown). */
  readonly addressRemoved?: true;
}

/** One thing a driver found wrong with its kernel objects, and what it did (or could not do) about it. */
export interface Repair {
  readonly networkId: string;
  /** Set when it concerns one endpoint (its interface); absent for the network's own objects. */
  readonly endpointId?: string;
  /** What was wrong and what was done: "bridge br-1234 was missing: re-created with 10.0.0.1/24". */
  readonly message: string;
}

export interface RepairReport {
  readonly repairs: readonly Repair[];
  /**
   * Joined endpoints whose interface had to be re-created: its sandbox end is new, down and without
   * addresses, under the endpoint's interface name, for the controller to configure again as at join.
   */
  readonly recreated: ReadonlyArray<{ readonly networkId: string; readonly endpointId: string }>;
  /** What could not be repaired (the sandbox's netns is gone …); tried again on the next change. */
  readonly failures: readonly Repair[];
  /**
   * Kernel objects of the driver's making that no network or endpoint of the controller names (a lost or
   * emptied database), removed by `restore` when the driver was told it owns its namespace alone.
   */
  readonly reclaimed: readonly string[];
}

/**
 * Drivers whose kernel objects someone else can delete or change while they run (`ip link del` of a
 * bridge or a veth). The controller watches the links of the host's namespace and calls `repair` when a
 * change `concerns` the driver, with every network and endpoint of the driver locked; it also calls it
 * once at start-up after `restore` and the controller's own reconciliation, and that report includes
 * what `restore` had to re-create. The controller then configures the sandbox ends of `recreated`.
 */
export interface Repairable {
  /** Whether the change touches one of the driver's objects; cheap (no kernel call: it runs per link event). */
  concerns(change: LinkChange): boolean;
  /** Checks the objects of every network and joined endpoint; re-creates or re-attaches what is wrong. */
  repair(): Promise<RepairReport>;
}

export function isRepairable(d: NetworkDriver): d is NetworkDriver & Repairable {
  const c = d as Partial<Repairable>;
  return typeof c.concerns === "function" && typeof c.repair === "function";
}

export function hasExternalConnectivity(d: NetworkDriver): d is NetworkDriver & ExternalConnectivity {
  const c = d as Partial<ExternalConnectivity>;
  return typeof c.programExternalConnectivity === "function" && typeof c.revokeExternalConnectivity === "function";
}

export function hasOperationalInfo(d: NetworkDriver): d is NetworkDriver & OperationalInfo {
  return typeof (d as Partial<OperationalInfo>).endpointOperInfo === "function";
}

export function isRestorable(d: NetworkDriver): d is NetworkDriver & Restorable {
  return typeof (d as Partial<Restorable>).restore === "function";
}

/** Drivers that take driver-wide configuration (the README's `ConfigureNetworkDriver`). */
export interface Configurable {
  configure(options: ReadonlyMap<string, unknown>): void;
}

export function isConfigurable(d: NetworkDriver): d is NetworkDriver & Configurable {
  return typeof (d as Partial<Configurable>).configure === "function";
}
