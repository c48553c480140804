// Published ports of one endpoint: which families each binding is published on, host ports from the
// allocator held by a bound socket each (a host program can neither hold them first nor take them
// later), and the rules from the firewall backend.

import type { CreateEndpointRequest, PortBinding } from "../../driver-api/index.js";
import { invalidArgument, isLibnetworkError } from "../../errors/index.js";
import type { FirewallBackend, PortMapping } from "../../firewall/contract.js";
import { hostPortText, type PortReservation, type ReservedProto } from "../../osl/index.js";
import { formatIp, ipOf, type IpAddress, type IpFamily } from "../../types/index.js";
import type { BridgeNetworkState } from "./network.js";
import type { PortAllocator } from "./ports.js";

export interface BridgeEndpointState extends CreateEndpointRequest {
  readonly mac: string;
  readonly hostIfname: string | undefined;
  /** ifindex of the host end while joined (undefined after a restart: then found by name). */
  readonly hostIndex?: number | undefined;
  /** Where the endpoint is joined (its interface's netns and name there), while it is. */
  readonly sandboxKey?: string | undefined;
  readonly ifname?: string | undefined;
  /** What is published now (host ports resolved), one mapping per family. */
  readonly published: readonly PortMapping[];
  /** The sockets holding the published host ports. */
  readonly reservations: readonly PortReservation[];
}

export interface Publisher {
  readonly fw: FirewallBackend;
  readonly ports: PortAllocator;
  /** Holds a host port with a bound socket in the host's netns (osl's reservePort). */
  readonly reserve: (proto: ReservedProto, hostIp: IpAddress, port: number) => PortReservation;
}

/** One binding on one family: where it is published on the host and where it goes. */
interface Target {
  readonly hostIp: IpAddress | undefined;
  readonly containerIp: IpAddress;
}

const unspecified = (family: IpFamily): IpAddress => ({ family, value: 0n });
const IPV6_LOOPBACK = 1n;

function bindingText(b: PortBinding): string {
  const host = b.hostIp === undefined ? "" : `${hostPortText(b.hostIp, b.hostPort).replace(/:\d+$/, "")}:`;
  const ports = b.hostPort === 0 ? "" : b.hostPortEnd !== b.hostPort ? `${b.hostPort}-${b.hostPortEnd}:` : `${b.hostPort}:`;
  return `${host}${ports}${b.port}/${b.proto}`;
}

/**
 * Docker's families for a binding: an explicit host address publishes on its own family; none publishes
 * on every family the endpoint has an address of (0.0.0.0 and ::), or on host_binding_ipv4 when that is
 * a specific address. What cannot be served is refused, never dropped: without a userland proxy there is
 * no NAT from an IPv6 host address to an IPv4-only endpoint, nor out of the IPv6 loopback.
 */
function targetsOf(net: BridgeNetworkState, ep: BridgeEndpointState, b: PortBinding): Target[] {
  const v4 = ep.iface.address === undefined ? undefined : ipOf(ep.iface.address);
  const v6 = ep.iface.addressIPv6 === undefined ? undefined : ipOf(ep.iface.addressIPv6);
  const defaultHost = net.config.hostBindingIp;
  const hostIp = b.hostIp ?? (defaultHost !== undefined && defaultHost.value !== 0n ? defaultHost : undefined);
  if (hostIp?.family === 6 && hostIp.value === IPV6_LOOPBACK) {
    throw invalidArgument("ERR_PUBLISH_IPV6_LOOPBACK", `cannot publish ${bindingText(b)}: the IPv6 loopback address cannot be forwarded to a sandbox (dnet has no userland proxy); publish on [::] or on one of the host's IPv6 addresses`);
  }
  if (hostIp !== undefined) {
    const containerIp = hostIp.family === 4 ? v4 : v6;
    if (containerIp === undefined) {
      throw invalidArgument("ERR_PUBLISH_FAMILY", `cannot publish ${bindingText(b)}: the sandbox has no IPv${hostIp.family} address on the network that publishes its ports (the gateway network${hostIp.family === 6 ? " is IPv4-only" : ""})`);
    }
    return [{ hostIp, containerIp }];
  }
  return [v4, v6].filter((ip): ip is IpAddress => ip !== undefined).map((containerIp) => ({ hostIp: undefined, containerIp }));
}

/** Publishes `bindings` for the endpoint; on failure nothing stays held. */
export async function publishPorts(p: Publisher, net: BridgeNetworkState, ep: BridgeEndpointState, bindings: readonly PortBinding[]): Promise<{ published: PortMapping[]; reservations: PortReservation[] }> {
  if (net.config.internal || bindings.length === 0) return { published: [], reservations: [] };
  const published: PortMapping[] = [];
  const reservations: PortReservation[] = [];
  try {
    for (const b of bindings) {
      const targets = targetsOf(net, ep, b);
      if (targets.length === 0) continue;
      const port = holdHostPort(p, b, targets, reservations);
      for (const t of targets) {
        published.push({ proto: b.proto, containerIp: t.containerIp, containerPort: b.port, hostPort: port, hostPortEnd: port, ...(t.hostIp === undefined ? {} : { hostIp: t.hostIp }) });
      }
    }
    await p.fw.addPortMappings(net.config.id, ep.endpointId, published);
    return { published, reservations };
  } catch (err) {
    // The controller adds Docker's "driver failed programming external connectivity on endpoint
    // <name> (<id>): " in front: only it knows the endpoint's name.
    releaseAll(p, published, reservations);
    throw err;
  }
}

/**
 * One host port for every target of the binding: the first candidate the allocator has free whose
 * sockets all bind (a port a host program holds is skipped for a range or a dynamic port, refused for a
 * fixed one). A range binding maps one chosen host port (Docker's `-p 8000-8010:80`).
 */
function holdHostPort(p: Publisher, b: PortBinding, targets: readonly Target[], reservations: PortReservation[]): number {
  const hostIps = targets.map((t) => t.hostIp ?? unspecified(t.containerIp.family));
  const fixed = b.hostPort !== 0 && b.hostPort === b.hostPortEnd;
  for (const port of p.ports.candidates(b.proto, hostIps, b.hostPort, b.hostPortEnd)) {
    const held: PortReservation[] = [];
    try {
      if (b.proto !== "sctp") for (const ip of hostIps) held.push(p.reserve(b.proto, ip, port));
    } catch (err) {
      for (const r of held) r.release();
      if (fixed || !isLibnetworkError(err) || err.code !== "ERR_PORT_IN_USE") throw err;
      continue;
    }
    p.ports.hold(b.proto, hostIps, port, b.hostPort === 0);
    reservations.push(...held);
    return port;
  }
  throw new Error("unreachable: candidates() ends by throwing");
}

function releaseAll(p: Publisher, published: readonly PortMapping[], reservations: readonly PortReservation[]): void {
  for (const r of reservations) r.release();
  for (const m of published) p.ports.release(m.proto, m.hostIp ?? unspecified(m.containerIp.family), m.hostPort);
}

export async function unpublishPorts(p: Publisher, networkId: string, ep: BridgeEndpointState): Promise<void> {
  await p.fw.removePortMappings(networkId, ep.endpointId);
  releaseAll(p, ep.published, ep.reservations);
}

/** Docker's portmap entry of a published port: a binding on every address shows its family's unspecified address. */
export function portmapEntry(m: PortMapping): Record<string, unknown> {
  return {
    Proto: m.proto, IP: formatIp(m.containerIp), Port: m.containerPort,
    HostIP: formatIp(m.hostIp ?? unspecified(m.containerIp.family)), HostPort: m.hostPort, HostPortEnd: m.hostPortEnd,
  };
}
