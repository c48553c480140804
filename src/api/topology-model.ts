// What `dnet topology` and the daemon's `--ui` page show, built from the API's answers: networks (driver, bridge,
// subnets), sandboxes (netns, interfaces with their addresses on each network, published ports), which joins which.

import type { DockerNetwork, PortBindingDto, SandboxDto } from "./dto.js";
import { naturalCompare } from "./natural-order.js";

export interface TopoNetwork {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  /** The Linux bridge of a bridge network. */
  readonly bridge: string | undefined;
  /** `10.1.0.0/24 gw 10.1.0.1`, one per pool. */
  readonly pools: readonly string[];
  readonly internal: boolean;
  readonly predefined: boolean;
}

export interface TopoInterface {
  readonly networkId: string;
  readonly networkName: string;
  readonly ifname: string;
  /** IPv4 then IPv6 address with prefix length, those that are set. */
  readonly addresses: readonly string[];
  readonly ports: readonly PortBindingDto[];
}

export interface TopoSandbox {
  readonly id: string;
  readonly name: string;
  /** The netns path. */
  readonly key: string;
  readonly interfaces: readonly TopoInterface[];
}

export interface Topology {
  readonly networks: readonly TopoNetwork[];
  readonly sandboxes: readonly TopoSandbox[];
}

const PREDEFINED = new Set(["host", "none"]);
/** Docker's default `bridge` network says so in its options. */
const DEFAULT_BRIDGE_OPTION = "com.docker.network.bridge.default_bridge";

function network(n: DockerNetwork): TopoNetwork {
  const bridge = n.Driver === "bridge" ? n.Options["com.docker.network.bridge.name"] ?? `br-${n.Id.slice(0, 12)}` : undefined;
  return {
    id: n.Id, name: n.Name, driver: n.Driver, bridge, internal: n.Internal, predefined: (PREDEFINED.has(n.Name) && n.Driver !== "bridge") || n.Options[DEFAULT_BRIDGE_OPTION] === "true",
    pools: (n.IPAM.Config ?? []).filter((c) => c.Subnet !== undefined).map((c) => `${c.Subnet}${c.Gateway === undefined ? "" : ` gw ${c.Gateway}`}`),
  };
}

function sandbox(s: SandboxDto): TopoSandbox {
  return {
    id: s.Id, name: s.Name, key: s.Key,
    interfaces: s.Endpoints.map((e) => ({
      networkId: e.NetworkID, networkName: e.NetworkName, ifname: e.IfName,
      addresses: [e.IPv4Address, e.IPv6Address].filter((a) => a !== ""), ports: e.PortBindings,
    })),
  };
}

/** Sorted like the ls commands sort (natural order of names). */
export function buildTopology(networks: readonly DockerNetwork[], sandboxes: readonly SandboxDto[]): Topology {
  return {
    networks: networks.map(network).sort((a, b) => naturalCompare(a.name, b.name)),
    sandboxes: sandboxes.map(sandbox).sort((a, b) => naturalCompare(a.name, b.name)),
  };
}

/** `0.0.0.0:8080->80/tcp` (docker ps), or `80/tcp` when no host port is bound. */
export function portLabel(p: PortBindingDto): string {
  if (p.HostPort === undefined) return `${p.Port}/${p.Proto}`;
  const end = p.HostPortEnd !== undefined && p.HostPortEnd !== p.HostPort ? `-${p.HostPortEnd}` : "";
  const containerEnd = end === "" ? "" : `-${p.Port + (p.HostPortEnd as number) - p.HostPort}`;
  return `${p.HostIP === undefined || p.HostIP === "" ? "0.0.0.0" : p.HostIP}:${p.HostPort}${end}->${p.Port}${containerEnd}/${p.Proto}`;
}

/** The networks a picture shows: user networks, and predefined ones only when something is on them. */
export function shownNetworks(t: Topology): TopoNetwork[] {
  const used = new Set(t.sandboxes.flatMap((s) => s.interfaces.map((i) => i.networkId)));
  return t.networks.filter((n) => !n.predefined || used.has(n.id));
}
