// Published ports of one endpoint: which families each binding is published on, host ports from the
// allocator held by a bound socket each (a host program can neither hold them first nor take them
// later), and the rules from the firewall backend. Bindings come and go one by one (a running
// sandbox's `port add` / `port rm`), each change touching only its own ports.
//
// A range mapped one to one (`-p 10000-19999:10000-19999`) is held by sockets only up to
// RESERVED_RANGE_MAX ports: beyond, one socket per port would cost a file descriptor per port (20,000
// for that range on two families) and a bind each. Such a range is instead checked free when published
// (one socket-table dump per family, osl's checkPortsFree): a host program already on one of its ports
// refuses it, as a bind would; one that binds a port of it later gets it, and loses its traffic to
// the sandbox (DNAT comes first) until the range is removed.

import type { CreateEndpointRequest, PortBinding, PublishedPort } from "../../driver-api/index.js";
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
  /**
   * What is published now, by bindingKey. Owned by the driver and changed in place, so that one more
   * binding costs the same however many the endpoint has (endpoint states are copied on every change).
   */
  readonly published: Map<string, PublishedBinding>;
}

/** One binding as published: its mappings (host ports resolved, one per family) and the sockets holding them. */
export interface PublishedBinding {
  readonly binding: PortBinding;
  readonly mappings: readonly PortMapping[];
  readonly reservations: readonly PortReservation[];
}

export interface Publisher {
  readonly fw: FirewallBackend;
  readonly ports: PortAllocator;
  /** Holds a host port with a bound socket in the host's netns (osl's reservePort). */
  readonly reserve: (proto: ReservedProto, hostIp: IpAddress, port: number) => PortReservation;
  /** Refuses a range some socket in the host's netns holds a port of (osl's checkPortsFree); binds nothing. */
  readonly checkFree: (proto: ReservedProto, hostIp: IpAddress, lo: number, hi: number) => Promise<void>;
  /** Turns hairpin mode on for the endpoint's bridge port (osl's setHairpin on its host end). */
  readonly hairpin: (ep: BridgeEndpointState) => Promise<void>;
}

/** Ranges up to this many ports are held by a socket per port and address; longer ones are checked (file comment). */
export const RESERVED_RANGE_MAX = 64;

/** Identifies a binding among an endpoint's: two equal bindings have the same key. */
export function bindingKey(b: PortBinding): string {
  const host = b.hostIp === undefined ? "" : formatIp(b.hostIp);
  return `${b.proto}|${b.port}-${b.portEnd ?? b.port}|${host}|${b.hostPort}-${b.hostPortEnd}`;
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
  const container = b.portEnd !== undefined && b.portEnd !== b.port ? `${b.port}-${b.portEnd}` : String(b.port);
  return `${host}${ports}${container}/${b.proto}`;
}

/** A container port range needs host ports of the same length: the one-to-one mapping Docker's `-p a-b:c-d` makes. */
function checkRange(b: PortBinding): void {
  const n = (b.portEnd ?? b.port) - b.port;
  if (n === 0) return;
  if (n < 0 || b.hostPort === 0 || b.hostPortEnd - b.hostPort !== n) {
    throw invalidArgument("ERR_PUBLISH_RANGE", `cannot publish ${bindingText(b)}: a container port range needs a host port range of the same length`);
  }
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

/**
 * Publishes `bindings` (none of them published on the endpoint yet) in one firewall change; on failure
 * nothing stays held. Returns them as published, by bindingKey; the caller records them.
 */
export async function publishPorts(p: Publisher, net: BridgeNetworkState, ep: BridgeEndpointState, bindings: readonly PortBinding[]): Promise<Map<string, PublishedBinding>> {
  const out = new Map<string, PublishedBinding>();
  if (net.config.internal || bindings.length === 0) return out;
  try {
    for (const b of bindings) {
      checkRange(b);
      const targets = targetsOf(net, ep, b);
      if (targets.length === 0) continue;
      const reservations: PortReservation[] = [];
      const mappings: PortMapping[] = [];
      out.set(bindingKey(b), { binding: b, mappings, reservations });
      const port = await holdHostPorts(p, b, targets, reservations);
      const hostPortEnd = port + (b.portEnd ?? b.port) - b.port;
      for (const t of targets) {
        mappings.push({ proto: b.proto, containerIp: t.containerIp, containerPort: b.port, hostPort: port, hostPortEnd, ...(t.hostIp === undefined ? {} : { hostIp: t.hostIp }) });
      }
    }
    await p.fw.addPortMappings(net.config.id, ep.endpointId, [...out.values()].flatMap((pb) => pb.mappings));
    return out;
  } catch (err) {
    // The controller adds Docker's "driver failed programming external connectivity on endpoint
    // <name> (<id>): " in front: only it knows the endpoint's name.
    releaseAll(p, out.values());
    throw err;
  }
}

/**
 * Host ports for every target of the binding. One port: the first candidate the allocator has free
 * whose sockets all bind (a port a host program holds is skipped for a range or a dynamic port, refused
 * for a fixed one); a host range with one container port maps one chosen host port (Docker's
 * `-p 8000-8010:80`). A range mapped one to one: all its ports, held or checked (file comment).
 * Returns the (first) host port; what it holds is in `reservations` and the allocator.
 */
async function holdHostPorts(p: Publisher, b: PortBinding, targets: readonly Target[], reservations: PortReservation[]): Promise<number> {
  const hostIps = targets.map((t) => t.hostIp ?? unspecified(t.containerIp.family));
  if ((b.portEnd ?? b.port) > b.port) {
    await holdRange(p, b, hostIps, reservations);
    return b.hostPort;
  }
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

async function holdRange(p: Publisher, b: PortBinding, hostIps: readonly IpAddress[], reservations: PortReservation[]): Promise<void> {
  const { proto, hostPort: lo, hostPortEnd: hi } = b;
  p.ports.holdRange(proto, hostIps, lo, hi);
  try {
    if (proto === "sctp") return;
    if (hi - lo + 1 <= RESERVED_RANGE_MAX) {
      for (const ip of hostIps) for (let port = lo; port <= hi; port++) reservations.push(p.reserve(proto, ip, port));
    } else {
      for (const ip of hostIps) await p.checkFree(proto, ip, lo, hi);
    }
  } catch (err) {
    for (const r of reservations.splice(0)) r.release();
    for (const ip of hostIps) p.ports.release(proto, ip, lo, hi);
    throw err;
  }
}

function releaseAll(p: Publisher, published: Iterable<PublishedBinding>): void {
  for (const pb of published) {
    for (const r of pb.reservations) r.release();
    for (const m of pb.mappings) p.ports.release(m.proto, m.hostIp ?? unspecified(m.containerIp.family), m.hostPort, m.hostPortEnd);
  }
}

/**
 * Publishes the bindings the endpoint does not publish yet and records them on it. Without a userland
 * proxy, a sandbox reaching its own published port through the host's address needs its packets to go
 * back out of the port they came in on: hairpin mode, set with the endpoint's first published port
 * rather than on every join (one kernel call fewer on the attach path). Both requests go out before
 * either answer is awaited; on a failure of either, nothing stays.
 */
export async function publishMore(p: Publisher, net: BridgeNetworkState, ep: BridgeEndpointState, bindings: readonly PortBinding[]): Promise<void> {
  const fresh = bindings.filter((b) => !ep.published.has(bindingKey(b)));
  if (fresh.length === 0) return;
  const hairpin = ep.published.size === 0 && !net.config.internal && ep.hostIfname !== undefined ? p.hairpin(ep) : Promise.resolve();
  const [hairpinDone, publishDone] = await Promise.allSettled([hairpin, publishPorts(p, net, ep, fresh)]);
  if (publishDone.status === "rejected") throw publishDone.reason;
  if (hairpinDone.status === "rejected") {
    await unpublishPorts(p, net.config.id, ep, [...publishDone.value.values()]).catch(() => {});
    throw hairpinDone.reason;
  }
  for (const [k, pb] of publishDone.value) ep.published.set(k, pb);
}

/** Unpublishes the endpoint's published bindings among `bindings` (as given) and forgets them; others are ignored. */
export async function unpublishSome(p: Publisher, networkId: string, ep: BridgeEndpointState, bindings: readonly PortBinding[]): Promise<void> {
  const gone = [...new Set(bindings.map(bindingKey))].flatMap((k) => {
    const pb = ep.published.get(k);
    return pb === undefined ? [] : [[k, pb] as const];
  });
  if (gone.length === 0) return;
  await unpublishPorts(p, networkId, ep, gone.map(([, pb]) => pb));
  for (const [k] of gone) ep.published.delete(k);
}

/** Unpublishes `which` of the endpoint's published bindings (all of them when absent) in one firewall change. */
export async function unpublishPorts(p: Publisher, networkId: string, ep: BridgeEndpointState, which?: readonly PublishedBinding[]): Promise<void> {
  if (which === undefined) await p.fw.removePortMappings(networkId, ep.endpointId);
  else if (which.length > 0) await p.fw.removePortMappings(networkId, ep.endpointId, which.flatMap((pb) => pb.mappings));
  releaseAll(p, which ?? ep.published.values());
}

/** Where a published binding is, per family, as the driver contract says it (PortChanges.publishPorts). */
export function publishedPortsOf(pb: PublishedBinding | undefined): PublishedPort[] {
  if (pb === undefined) return [];
  return pb.mappings.map((m) => ({
    binding: pb.binding, hostIp: m.hostIp ?? unspecified(m.containerIp.family), hostPort: m.hostPort, hostPortEnd: m.hostPortEnd, containerIp: m.containerIp,
  }));
}

/**
 * Docker's portmap entry of a published port: a binding on every address shows its family's unspecified
 * address; a range mapped one to one also has its last container port, PortEnd (dnet's).
 */
export function portmapEntry(m: PortMapping): Record<string, unknown> {
  return {
    Proto: m.proto, IP: formatIp(m.containerIp), Port: m.containerPort,
    ...(m.hostPortEnd > m.hostPort ? { PortEnd: m.containerPort + m.hostPortEnd - m.hostPort } : {}),
    HostIP: formatIp(m.hostIp ?? unspecified(m.containerIp.family)), HostPort: m.hostPort, HostPortEnd: m.hostPortEnd,
  };
}
