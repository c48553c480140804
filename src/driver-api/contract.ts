// The driver contract, shaped like Docker's driver API: what the controller asks of a network driver, by
// IDs only. A driver creates what it owns (bridges, the interface of a join) and answers what the sandbox
// needs; the controller configures the interface, picks the gateway, writes the sandbox's files and
// keeps the records. A driver never sees a sandbox's other endpoints.

import type { IpAddress, IpPrefix } from "../types/index.js";

export type DataScope = "local" | "global";

/**
 * What a driver declares about itself (Docker's driverapi.Capability, plus what the controller would
 * otherwise have to know from a driver's name). Every field but the scopes is optional: the defaults are
 * what most drivers are — endpoints with an interface, in sandboxes of their own.
 */
export interface Capability {
  /** Where the driver's network state lives: one host ("local") or the cluster store ("global"). */
  readonly dataScope: DataScope;
  /** Whether endpoints on different hosts can reach each other; "" when not applicable (null driver). */
  readonly connectivityScope: DataScope | "";
  /**
   * Joining gives the sandbox no interface: networks get no address pools, endpoints no addresses, names
   * or DNS, and never the default route (Docker's null and host drivers).
   */
  readonly noInterface?: boolean;
  /** Only a sandbox that uses the host's own network namespace may join, and such a sandbox only these networks (Docker's host driver). */
  readonly hostNamespace?: boolean;
  /**
   * The driver can obtain an endpoint's addresses by DHCP at join, on the interface it creates: its networks
   * may use an IPAM that hands out no addresses itself (the `dhcp` IPAM). The controller refuses that IPAM
   * for drivers without this capability.
   */
  readonly dhcp?: boolean;
  /**
   * The driver's leave takes the interface out of the sandbox itself (it deletes it, off the request path):
   * the controller does not take it down and rename it. For links whose down is costly: a macvlan's waits for
   * an RCU grace period (10–25 ms measured) inside the request, stalling the caller's thread.
   */
  readonly retiresInterface?: boolean;
}

/** A network whose endpoints get their addresses from a DHCP server at join (its IPAM hands out none). */
export interface DhcpNetwork {
  /** The network's IPAM options (`--ipam-opt`), for the DHCP client (e.g. its timeout); unparsed. */
  readonly options: ReadonlyMap<string, string>;
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
  /**
   * Set when the network's IPAM leaves addressing to DHCP (only for drivers with the `dhcp` capability):
   * the pools are placeholders, endpoints have no address before their join, and the join answers the
   * leased address in `JoinInfo.address`. A driver that cannot run DHCP in this network's mode refuses it.
   */
  readonly dhcp?: DhcpNetwork;
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
  /**
   * Last container port of a range mapped one to one onto hostPort..hostPortEnd (same length); absent:
   * `port` alone, and a host range is a choice of one host port (Docker's `-p 8000-8010:80`).
   */
  readonly portEnd?: number;
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
  /**
   * The interface's final name inside the sandbox (`eth0`, `eth1` …). A driver that can create the
   * interface inside the sandbox does so under this name (moving a link between namespaces costs the
   * kernel ~19 ms); one that cannot creates it in the host's namespace and answers its name there.
   */
  readonly ifname: string;
  /** Endpoint options (`com.docker.network.endpoint.*` and driver options given at connect), unparsed. */
  readonly options: ReadonlyMap<string, string>;
  /** The sandbox's hostname, when it has one (a DHCP client sends it to the server). */
  readonly hostname?: string;
}

/**
 * Where the driver left the endpoint's interface, down and without addresses: the controller configures
 * it (MAC, addresses, routes, up), as libnetwork's sandbox does with Docker's InterfaceName.
 */
export type JoinedInterface =
  /** Created inside the sandbox under the request's `ifname`. */
  | { readonly placement: "sandbox" }
  /** Created in the host's namespace as `srcName` (remote plugins): the controller moves it into the sandbox as `ifname`. */
  | { readonly placement: "host"; readonly srcName: string };

export type StaticRouteType = "nexthop" | "connected";

export interface StaticRoute {
  readonly destination: IpPrefix;
  readonly type: StaticRouteType;
  readonly nextHop?: IpAddress;
}

export interface ExtraHost {
  readonly name: string;
  readonly address: IpAddress;
}

/** Name servers and search domains the network told the join about (a DHCP lease's options 6, 15, 119). */
export interface JoinDns {
  /** Upstreams of the sandbox's embedded resolver (or its resolv.conf servers without one), unless the sandbox has `--dns`. */
  readonly servers: readonly IpAddress[];
  /** Search domains of the sandbox's resolv.conf, unless the sandbox has `--dns-search`. */
  readonly search: readonly string[];
}

/** What a join gives the sandbox (Docker's JoinInfo). */
export interface JoinInfo {
  /** Absent for drivers with the `noInterface` capability. */
  readonly interface?: JoinedInterface;
  /** The MAC the interface must have, when the driver decides it at join; otherwise the endpoint's. */
  readonly macAddress?: string;
  /** Addresses decided at join (e.g. leased), replacing the endpoint's; otherwise the endpoint's IPAM addresses. */
  readonly address?: IpPrefix;
  readonly addressIPv6?: IpPrefix;
  /** Next hops of the default routes, when this endpoint gives the sandbox its gateway. */
  readonly gateway?: IpAddress;
  readonly gatewayIPv6?: IpAddress;
  readonly staticRoutes: readonly StaticRoute[];
  /** The driver provides no default route and wants none from a gateway network either. */
  readonly disableGatewayService: boolean;
  /** Entries the driver wants in the sandbox's hosts file. */
  readonly extraHosts?: readonly ExtraHost[];
  /** DNS settings learnt at join (DHCP): kept with the endpoint while it is joined. */
  readonly dns?: JoinDns;
}

/**
 * Every network driver implements this. Optional abilities are separate interfaces below, detected at
 * run time. A failing call throws (a `LibnetworkError` for a clear message) and leaves nothing half made.
 */
export interface NetworkDriver {
  readonly name: string;
  capability(): Capability;
  createNetwork(req: CreateNetworkRequest): Promise<void>;
  deleteNetwork(networkId: string): Promise<void>;
  /**
   * The controller records the endpoint once this returns: keep kernel objects for `join`. What a crash
   * leaves of an endpoint that never got recorded is the driver's to drop in `restore`, which lists
   * every endpoint the controller has.
   */
  createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResult>;
  deleteEndpoint(networkId: string, endpointId: string): Promise<void>;
  join(req: JoinRequest): Promise<JoinInfo>;
  /** Removes what `join` created; the controller has already taken the interface out of the sandbox's view. */
  leave(networkId: string, endpointId: string): Promise<void>;
}
