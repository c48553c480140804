// What users see of an endpoint: `Endpoint.info()` and `Endpoint.driverInfo()` shapes, built from the
// stored record without its bookkeeping (lifecycle state, operation in flight, IPAM pool IDs).

import type { PortProtocol } from "../driver-api/index.js";
import type { EndpointRecord, PortBindingRecord } from "./records.js";

/** A port the endpoint publishes on the host (`-p hostPort:port/proto`). */
export interface EndpointPortBinding {
  readonly proto: PortProtocol;
  /** Port inside the sandbox. */
  readonly port: number;
  /** Host address the port is bound to; absent: every address. */
  readonly hostIp?: string;
  /** First host port. */
  readonly hostPort: number;
  /** Last host port of the range (equal to `hostPort` for a single port). */
  readonly hostPortEnd: number;
}

/** A route the driver asked for at join, installed in the sandbox. */
export interface EndpointStaticRoute {
  /** Destination prefix ("10.1.0.0/16"). */
  readonly destination: string;
  /** `"nexthop"`: via `nextHop`; `"connected"`: on the endpoint's interface. */
  readonly type: "nexthop" | "connected";
  readonly nextHop?: string;
}

/** A hosts-file entry the driver asked for at join. */
export interface EndpointExtraHost {
  readonly name: string;
  readonly ip: string;
}

/** What `Endpoint.info()` returns: a snapshot of the endpoint, taken when called. */
export interface EndpointInfo {
  /** 64 hex digits. */
  readonly id: string;
  /** Unique in its network. */
  readonly name: string;
  /** ID of the endpoint's network. */
  readonly networkId: string;
  /** Creation time, RFC 3339. */
  readonly created: string;
  /** IPv4 address with prefix length ("10.10.0.2/24"); absent when the driver gives no interface. */
  readonly address?: string;
  /** IPv6 address with prefix length, on an IPv6 network. */
  readonly addressIPv6?: string;
  readonly macAddress?: string;
  /** Ports published on the host. */
  readonly portBindings: readonly EndpointPortBinding[];
  /** Extra DNS names of the endpoint on its network. */
  readonly aliases: readonly string[];
  /** Driver options given at creation (Docker's `com.docker.network.*` keys). */
  readonly options: Readonly<Record<string, string>>;
  /** Created without a name of the user's choosing (DNS answers to no name of it). */
  readonly anonymous: boolean;
  /** ID of the sandbox the endpoint is joined to; absent while not joined. */
  readonly sandboxId?: string;
  /** Name of that sandbox. */
  readonly sandbox?: string;
  /** The interface's name inside the sandbox (`eth0`, `eth1` …), while joined. */
  readonly ifname?: string;
  /** IPv4 gateway the join gave (no prefix length), while joined. */
  readonly gateway?: string;
  /** IPv6 gateway the join gave, while joined. */
  readonly gatewayIPv6?: string;
  /** Routes the driver asked for at join. */
  readonly staticRoutes: readonly EndpointStaticRoute[];
  /** The driver asked that this endpoint never give the sandbox its default route. */
  readonly disableGatewayService: boolean;
  /** Hosts entries the driver asked for at join, while joined. */
  readonly extraHosts?: readonly EndpointExtraHost[];
  /** Join priority (Docker's `JoinOptionPriority`), while joined: higher wins the default gateway. */
  readonly priority?: number;
  /** Legacy links given at connect (`--link NAME:ALIAS`). */
  readonly links?: ReadonlyArray<{ readonly name: string; readonly alias: string }>;
  /** Link-local addresses given at connect, with prefix length. */
  readonly linkLocalIps?: readonly string[];
  /** A join or leave under way, or one a crash or a refused write left unfinished (the next change settles it). */
  readonly pending?: "join" | "leave";
}

/** One entry of Docker's `com.docker.network.portmap`: its PortBinding JSON, the container's IP as `IP`. */
export interface PortMapEntry {
  readonly Proto: PortProtocol;
  readonly IP: string;
  readonly Port: number;
  /** dnet's: the last container port of a range mapped one to one onto HostPort..HostPortEnd. */
  readonly PortEnd?: number;
  readonly HostIP: string;
  readonly HostPort: number;
  readonly HostPortEnd: number;
}

/** What `Endpoint.driverInfo()` returns: Docker's two keys, then whatever the driver reports. */
export interface EndpointDriverInfo {
  readonly "com.docker.network.portmap": readonly PortMapEntry[];
  readonly "com.docker.network.endpoint.macaddress": string;
  /** Operational data of the driver (`OperationalInfo.endpointOperInfo`), under its own keys. */
  readonly [key: string]: unknown;
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

function portBinding(b: PortBindingRecord): EndpointPortBinding {
  return { proto: b.proto, port: b.port, ...optional("hostIp", b.hostIp), hostPort: b.hostPort, hostPortEnd: b.hostPortEnd };
}

/** The view of a record; `sandboxName` is the name of the sandbox it is joined to. */
export function endpointInfo(r: EndpointRecord, sandboxName: string | undefined): EndpointInfo {
  return {
    id: r.id, name: r.name, networkId: r.networkId, created: r.created,
    ...optional("address", r.address), ...optional("addressIPv6", r.addressIPv6), ...optional("macAddress", r.macAddress),
    portBindings: r.portBindings.map(portBinding), aliases: [...r.aliases], options: { ...r.options }, anonymous: r.anonymous,
    ...optional("sandboxId", r.sandboxId), ...optional("sandbox", r.sandboxId === undefined ? undefined : sandboxName),
    ...optional("ifname", r.ifname), ...optional("gateway", r.gateway), ...optional("gatewayIPv6", r.gatewayIPv6),
    staticRoutes: r.staticRoutes.map((s) => ({ destination: s.destination, type: s.type, ...optional("nextHop", s.nextHop) })),
    disableGatewayService: r.disableGatewayService,
    ...optional("extraHosts", r.extraHosts?.map((h) => ({ name: h.name, ip: h.ip }))),
    ...optional("priority", r.priority),
    ...optional("links", r.links?.map((l) => ({ name: l.name, alias: l.alias }))),
    ...optional("linkLocalIps", r.linkLocalIps === undefined ? undefined : [...r.linkLocalIps]),
    ...optional("pending", r.pending?.op),
  };
}

/** Docker's PortBinding JSON shape of a binding, with the container's IP as its `IP`. */
export function portMapEntry(b: PortBindingRecord, ip: string): PortMapEntry {
  return { Proto: b.proto, IP: ip, Port: b.port, HostIP: b.hostIp ?? "", HostPort: b.hostPort, HostPortEnd: b.hostPortEnd };
}
