// What the controller persists: one JSON record per network, endpoint and sandbox, with its lifecycle
// state written *before* kernel changes so a restart knows what was half done.

import type { PortProtocol } from "../driver-api/index.js";

/** "creating"/"deleting" mark an operation in flight (its intent); "ready" a finished object. */
export type RecordState = "creating" | "ready" | "deleting";

export interface IpamPoolConfig {
  readonly subnet?: string;
  readonly ipRange?: string;
  readonly gateway?: string;
  readonly auxAddresses: Readonly<Record<string, string>>;
}

export interface IpamPoolInfo {
  readonly poolId: string;
  readonly pool: string;
  /** Gateway with the pool's prefix length ("10.0.0.1/24"). */
  readonly gateway?: string;
  readonly auxAddresses: Readonly<Record<string, string>>;
}

export interface NetworkRecord {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly scope: "local" | "global";
  readonly created: string;
  readonly internal: boolean;
  readonly ipv6: boolean;
  readonly attachable: boolean;
  readonly predefined: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly options: Readonly<Record<string, string>>;
  readonly ipam: {
    readonly driver: string;
    readonly options: Readonly<Record<string, string>>;
    /** The creator gave no IPAM options at all (Docker 20.10 then shows `"Options": null`, not `{}`). */
    readonly noOptions?: true;
    readonly v4: readonly IpamPoolConfig[];
    readonly v6: readonly IpamPoolConfig[];
    readonly v4Info: readonly IpamPoolInfo[];
    readonly v6Info: readonly IpamPoolInfo[];
  };
  readonly state: RecordState;
}

export interface PortBindingRecord {
  readonly proto: PortProtocol;
  readonly port: number;
  readonly hostIp?: string;
  readonly hostPort: number;
  readonly hostPortEnd: number;
}

export interface StaticRouteRecord {
  readonly destination: string;
  readonly type: "nexthop" | "connected";
  readonly nextHop?: string;
}

/** A join or leave in flight: the endpoint record carries it until the operation completes. */
export interface PendingAttachment {
  readonly op: "join" | "leave";
  readonly sandboxId: string;
  readonly ifname: string;
}

export interface EndpointRecord {
  readonly id: string;
  readonly name: string;
  readonly networkId: string;
  readonly created: string;
  readonly address?: string;
  readonly addressIPv6?: string;
  readonly macAddress?: string;
  readonly v4PoolId?: string;
  readonly v6PoolId?: string;
  readonly portBindings: readonly PortBindingRecord[];
  readonly aliases: readonly string[];
  readonly options: Readonly<Record<string, string>>;
  readonly anonymous: boolean;
  /**
   * No names in the embedded resolver, and it does not make its sandbox use 127.0.0.11 (Docker's
   * CreateOptionDisableResolution: endpoints on the default bridge network).
   */
  readonly disableResolution?: true;
  /**
   * Legacy links given at connect (`--link NAME:ALIAS`): hosts entries and, on networks with names,
   * sandbox-local DNS aliases.
   */
  readonly links?: ReadonlyArray<{ readonly name: string; readonly alias: string }>;
  /** Extra link-local addresses on the interface (`--link-local-ip`), with their prefix ("169.254.1.1/16"). */
  readonly linkLocalIps?: readonly string[];
  /** Set while joined. */
  readonly sandboxId?: string;
  readonly ifname?: string;
  readonly gateway?: string;
  readonly gatewayIPv6?: string;
  readonly staticRoutes: readonly StaticRouteRecord[];
  readonly disableGatewayService: boolean;
  /** Hosts entries the driver asked for at join, set while joined. */
  readonly extraHosts?: ReadonlyArray<{ readonly name: string; readonly ip: string }>;
  /** Join priority (Docker's JoinOptionPriority), set while joined: higher wins the default gateway. */
  readonly priority?: number;
  /**
   * Set while joined when the driver decided the addresses at join (a DHCP lease): the endpoint's own
   * addresses before it (none for a dhcp network), given back by the leave.
   */
  readonly addressesBeforeJoin?: { readonly address?: string; readonly addressIPv6?: string };
  /** Name servers and search domains the join learnt (a DHCP lease), set while joined. */
  readonly dnsServers?: readonly string[];
  readonly dnsSearch?: readonly string[];
  readonly pending?: PendingAttachment;
  readonly state: RecordState;
}

export interface SandboxEndpointRef {
  readonly endpointId: string;
  readonly networkId: string;
  readonly ifname: string;
}

export interface SandboxRecord {
  readonly id: string;
  readonly containerId: string;
  readonly name: string;
  /** Path of the network namespace. */
  readonly key: string;
  /** An adopted netns (e.g. /proc/<pid>/ns/net): we bind-mounted it and must not destroy it. */
  readonly external: boolean;
  /** The host's own netns (host networking): nothing is created or destroyed. */
  readonly hostNetns: boolean;
  readonly created: string;
  readonly hostname: string;
  readonly domainname: string;
  readonly dns: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly dnsOptions: readonly string[];
  readonly extraHosts: ReadonlyArray<{ readonly name: string; readonly ip: string }>;
  readonly endpoints: readonly SandboxEndpointRef[];
  /**
   * Written by versions that never reused interface numbers; unused now (Docker 28's rule: a join takes the
   * lowest number its sandbox's interfaces leave free).
   */
  readonly nextInterface: Readonly<Record<string, number>>;
  /**
   * The sandbox's published ports (the container's, in Docker): programmed on whichever endpoint is its
   * gateway, together with port bindings given with its endpoints. Absent in older records.
   */
  readonly portBindings?: readonly PortBindingRecord[];
  /** The sandbox has a UTS namespace of its own (its hostname) at `<utsDir>/<name>`. */
  readonly uts?: true;
  /**
   * The netns' `net.ipv6.conf.default.disable_ipv6` was set to 1 at creation: interfaces are born with
   * IPv6 off and only those of endpoints with an IPv6 address get it turned on. Absent for adopted and
   * host netns (not ours to change) and for sandboxes of older versions: their IPv4-only interfaces get it
   * turned off one by one.
   */
  readonly ipv6DefaultOff?: true;
  readonly state: RecordState;
}

export const storeKeys = {
  network: (id: string): string => `network/${id}`,
  endpoint: (networkId: string, id: string): string => `endpoint/${networkId}/${id}`,
  sandbox: (id: string): string => `sandbox/${id}`,
  networks: "network/",
  endpoints: "endpoint/",
  sandboxes: "sandbox/",
} as const;
