// The driver contract: what the controller asks of a network driver, by IDs only (never names).

import type { IpAddress, IpPrefix } from "../types/index.js";

export type DataScope = "local" | "global";

export interface Capability {
  /** Where the driver's network state lives: one host ("local") or the cluster store ("global"). */
  readonly dataScope: DataScope;
  /** Whether endpoints on different hosts can reach each other; "" when not applicable (null driver). */
  readonly connectivityScope: DataScope | "";
  /**
   * createEndpoint and deleteEndpoint change nothing outside this process (no kernel object, no call to
   * another process): a crash half way through creating one leaves nothing to undo. With an IPAM that
   * keeps no state of its own either, the controller then records the endpoint once, when it is ready,
   * instead of recording its creation first (one store transaction fewer on every attach).
   */
  readonly endpointsInMemory?: boolean;
  /**
   * programExternalConnectivity may be called for an endpoint whose join is still in flight (it waits
   * for what it needs of the join itself): the controller then publishes a joining endpoint's ports
   * while the kernel creates its interface, when it will likely take the sandbox's gateway.
   */
  readonly connectivityDuringJoin?: boolean;
}

/** One IPAM pool of a network, as handed to the driver (Docker's IPAMData). */
export interface IpamData {
  readonly addressSpace: string;
  readonly pool: IpPrefix;
  /** Gateway address with the pool's prefix length, e.g. 10.0.0.1/24. */
  readonly gateway?: IpPrefix;
  readonly auxAddresses: ReadonlyMap<string, IpPrefix>;
}

export interface CreateNetworkRequest {
  readonly networkId: string;
  /** Driver options (`docker network create -o`), unparsed; the driver parses them once. */
  readonly options: ReadonlyMap<string, string>;
  readonly ipv4: readonly IpamData[];
  readonly ipv6: readonly IpamData[];
  readonly internal: boolean;
  readonly enableIPv6: boolean;
}

export type PortProtocol = "tcp" | "udp" | "sctp";

export interface PortBinding {
  readonly proto: PortProtocol;
  /** Container port. */
  readonly port: number;
  /** Host address to bind; undefined = the network's default binding address. */
  readonly hostIp?: IpAddress;
  /** First host port (0 = dynamic). */
  readonly hostPort: number;
  /** Last host port of a range (= hostPort for a single port). */
  readonly hostPortEnd: number;
}

/** The interface of an endpoint: what IPAM gave it; a driver may fill in what is missing (MAC). */
export interface EndpointInterface {
  readonly address?: IpPrefix;
  readonly addressIPv6?: IpPrefix;
  readonly macAddress?: string;
}

export interface CreateEndpointRequest {
  readonly networkId: string;
  readonly endpointId: string;
  readonly iface: EndpointInterface;
  readonly portBindings: readonly PortBinding[];
  /** Generic endpoint options, unparsed (`com.docker.network.endpoint.*`). */
  readonly options: ReadonlyMap<string, string>;
}

export interface CreateEndpointResult {
  /** Only fields the request left empty; setting one that was given is an error. */
  readonly iface?: EndpointInterface;
}

export interface JoinRequest {
  readonly networkId: string;
  readonly endpointId: string;
  /** Path of the sandbox's network namespace. */
  readonly sandboxKey: string;
  /** Final interface name inside the sandbox (`eth0`, `eth1` …); drivers create it there directly. */
  readonly ifname: string;
  readonly options: ReadonlyMap<string, string>;
  /**
   * What the controller would configure on the interface once the driver has made it. A driver that
   * can apply it while creating the interface, in the same kernel call, does and answers `setupApplied`
   * (the bridge: one sendmsg instead of two, and nothing left for the controller to do). Offered only
   * when nothing must happen in between (no IPv6 sysctl to write first).
   */
  readonly setup?: InterfaceSetup;
}

export interface InterfaceSetup {
  /** The endpoint's addresses, to add to the interface (IPv6 ones without DAD). */
  readonly addresses: readonly IpPrefix[];
  /** The endpoint becomes the sandbox's gateway endpoint: also the default routes via the join's gateways. */
  readonly defaultRoutes: boolean;
}

export type StaticRouteType = "nexthop" | "connected";

export interface StaticRoute {
  readonly destination: IpPrefix;
  readonly type: StaticRouteType;
  readonly nextHop?: IpAddress;
}

export interface JoinResult {
  readonly gateway?: IpAddress;
  readonly gatewayIPv6?: IpAddress;
  readonly staticRoutes: readonly StaticRoute[];
  /** The driver provides no default route and wants none from a gateway network either. */
  readonly disableGatewayService: boolean;
  /**
   * Set by drivers that could only create the interface in the host namespace (remote plugins):
   * the controller moves it into the sandbox and renames it to the requested name.
   */
  readonly hostInterface?: string;
  /** Whether the controller should configure the addresses (false: the driver already did). */
  readonly controllerConfiguresAddresses: boolean;
  /** The interface's index in the sandbox's netns, when the driver knows it (saves the controller a lookup). */
  readonly ifindex?: number;
  /**
   * The request's `setup` is in place: the interface is up with its addresses, the result's static routes
   * and, when asked, the default routes via `gateway`/`gatewayIPv6`. Implies the controller configures
   * nothing.
   */
  readonly setupApplied?: boolean;
}

/** Every network driver implements this. Optional abilities are separate interfaces below. */
export interface NetworkDriver {
  readonly name: string;
  capability(): Capability;
  createNetwork(req: CreateNetworkRequest): Promise<void>;
  deleteNetwork(networkId: string): Promise<void>;
  createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResult>;
  deleteEndpoint(networkId: string, endpointId: string): Promise<void>;
  join(req: JoinRequest): Promise<JoinResult>;
  leave(networkId: string, endpointId: string): Promise<void>;
}

/** Drivers that program reachability from outside (port publishing, NAT) on the gateway endpoint. */
export interface ExternalConnectivity {
  programExternalConnectivity(networkId: string, endpointId: string): Promise<void>;
  revokeExternalConnectivity(networkId: string, endpointId: string): Promise<void>;
}

/** Operational data of an endpoint for `DriverInfo()` (port map, MAC …), keyed by Docker's labels. */
export interface OperationalInfo {
  endpointOperInfo(networkId: string, endpointId: string): ReadonlyMap<string, unknown>;
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
  /** It is its sandbox's gateway endpoint: its ports should be published again. */
  readonly externalConnectivity: boolean;
}

export interface RestoreState {
  readonly networks: readonly CreateNetworkRequest[];
  readonly endpoints: readonly RestoreEndpoint[];
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
