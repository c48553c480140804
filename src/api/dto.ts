// The JSON shapes on the daemon socket: Docker Engine API network objects (field for field) and the
// native sandbox / endpoint resources. Shared by the daemon (which builds them) and the client.

/** One IPAM pool as Docker's `network inspect` prints it (empty fields are omitted, as Go's omitempty does). */
export interface DockerIpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface DockerIpam {
  Driver: string;
  Options: Record<string, string> | null;
  Config: DockerIpamConfig[] | null;
}

export interface DockerEndpointResource {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** `GET /networks/{id}` and each item of `GET /networks`. */
export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: DockerIpam;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, DockerEndpointResource>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** `POST /networks/create` body (Docker's NetworkCreateRequest; optional fields may also be null). */
export interface DockerNetworkCreateRequest {
  Name: string;
  CheckDuplicate?: boolean | null;
  Driver?: string | null;
  Scope?: string | null;
  EnableIPv6?: boolean | null;
  IPAM?: { Driver?: string | null; Config?: DockerIpamConfig[] | null; Options?: Record<string, string> | null } | null;
  Internal?: boolean | null;
  Attachable?: boolean | null;
  Ingress?: boolean | null;
  ConfigOnly?: boolean | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface DockerNetworkCreateResponse {
  Id: string;
  Warning: string;
}

export interface DockerEndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string | null;
  DriverOpts?: Record<string, string> | null;
}

/** One host side of a published port in Docker's `NetworkSettings.Ports` (what `docker port` prints). */
export interface DockerPortHost {
  HostIp: string;
  HostPort: string;
}

/** `NetworkSettings.Ports`: "80/tcp" → where it is published now (null: asked for but not published). */
export type DockerPortMap = Record<string, DockerPortHost[] | null>;

export interface DockerNetworkConnectRequest {
  Container: string;
  EndpointConfig?: DockerEndpointSettings | null;
}

export interface DockerNetworkDisconnectRequest {
  Container: string;
  Force?: boolean | null;
}

export interface DockerNetworkPruneResponse {
  NetworksDeleted: string[];
}

export interface DockerVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
  Components: Array<{ Name: string; Version: string; Details?: Record<string, string> }>;
  Platform: { Name: string };
}

/** Docker's error body. */
export interface ErrorBody {
  message: string;
  /** dnet's stable error code and kind (extra fields Docker clients ignore). */
  code?: string;
  kind?: string;
}

/** A published port (`-p`), Docker's PortBinding fields. */
export interface PortBindingDto {
  Proto: "tcp" | "udp" | "sctp";
  Port: number;
  HostIP?: string;
  HostPort?: number;
  HostPortEnd?: number;
}

/** A network the sandbox is attached to at creation (`--network NET[:ALIAS,...]`). */
export interface SandboxNetworkRequest {
  Network: string;
  Aliases?: string[];
  IPv4Address?: string;
  IPv6Address?: string;
}

/** `POST /sandboxes` body. */
export interface SandboxCreateRequest {
  Name: string;
  /** Defaults to Name. */
  ContainerID?: string;
  Hostname?: string;
  Domainname?: string;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  /** "name:ip". */
  ExtraHosts?: string[];
  /** The sandbox's own: published on whichever endpoint gives it its default route, following it. */
  PortBindings?: PortBindingDto[];
  Networks?: SandboxNetworkRequest[];
}

export interface SandboxEndpointDto {
  EndpointID: string;
  EndpointName: string;
  NetworkID: string;
  NetworkName: string;
  IfName: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
  Gateway: string;
  GatewayIPv6: string;
  Aliases: string[];
  /** What this endpoint publishes now (host ports resolved, one entry per family): only the gateway endpoint publishes. */
  PortBindings: PortBindingDto[];
  Links: string[];
  LinkLocalIPs: string[];
  DriverOpts: Record<string, string>;
}

/** `GET /sandboxes/{id}`. */
export interface SandboxDto {
  Id: string;
  Name: string;
  ContainerID: string;
  Created: string;
  /** Path of the network namespace. */
  Key: string;
  Hostname: string;
  Domainname: string;
  Dns: string[];
  DnsSearch: string[];
  DnsOptions: string[];
  ExtraHosts: string[];
  HostsPath: string;
  ResolvConfPath: string;
  /** The UTS namespace file holding its hostname (`nsenter --uts=`); "" when it has none. */
  UtsPath: string;
  /** What the sandbox asked to publish (its own bindings and its endpoints'), as asked. */
  PortBindings: PortBindingDto[];
  /** Where they are published now, in Docker's `NetworkSettings.Ports` shape. */
  Ports: DockerPortMap;
  Endpoints: SandboxEndpointDto[];
}

/** `GET /endpoints` items. */
export interface EndpointDto {
  Id: string;
  Name: string;
  NetworkID: string;
  NetworkName: string;
  SandboxID: string;
  IfName: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
  Aliases: string[];
  /** What this endpoint publishes now (host ports resolved): only a gateway endpoint publishes. */
  PortBindings: PortBindingDto[];
}

/** One line of `GET /events` (Docker's events message shape). */
export interface EventDto {
  Type: "network" | "sandbox" | "endpoint" | "daemon";
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

/** Docker's `filters` query: `{"name":{"x":true}}` or the legacy `{"name":["x"]}`. */
export type FilterArgs = Record<string, string[]>;

/** dnet's own version: the client prints it, the daemon reports it in /version. */
export const DNET_VERSION = "0.1.0";
export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.24";
export const DEFAULT_SOCKET = "/run/dnet/dnet.sock";
/** Request bodies larger than this get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
