// Published ports of one endpoint: host ports from the allocator, rules from the firewall backend.

import type { CreateEndpointRequest } from "../../driver-api/index.js";
import type { FirewallBackend, PortMapping } from "../../firewall/contract.js";
import { ipOf, type IpAddress, type IpFamily } from "../../types/index.js";
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
  /** What is published now (host ports resolved). */
  readonly published: readonly PortMapping[];
}

function unspecified(family: IpFamily): IpAddress {
  return { family, value: 0n };
}

/** One mapping per family the binding applies to (an explicit host IP picks its family). */
function mappingsFor(net: BridgeNetworkState, ep: BridgeEndpointState): Array<Omit<PortMapping, "hostPort" | "hostPortEnd"> & { start: number; end: number }> {
  const out: Array<Omit<PortMapping, "hostPort" | "hostPortEnd"> & { start: number; end: number }> = [];
  for (const b of ep.portBindings) {
    const targets: Array<[IpFamily, IpAddress | undefined]> = [
      [4, ep.iface.address === undefined ? undefined : ipOf(ep.iface.address)],
      [6, ep.iface.addressIPv6 === undefined ? undefined : ipOf(ep.iface.addressIPv6)],
    ];
    const defaultHost = net.config.hostBindingIp;
    for (const [family, containerIp] of targets) {
      if (containerIp === undefined) continue;
      const hostIp = b.hostIp ?? (defaultHost !== undefined && defaultHost.value !== 0n ? defaultHost : undefined);
      if (hostIp !== undefined && hostIp.family !== family) continue;
      out.push({ proto: b.proto, containerIp, containerPort: b.port, start: b.hostPort, end: b.hostPortEnd, ...(hostIp === undefined ? {} : { hostIp }) });
    }
  }
  return out;
}

export async function publishPorts(fw: FirewallBackend, ports: PortAllocator, net: BridgeNetworkState, ep: BridgeEndpointState): Promise<PortMapping[]> {
  if (net.config.internal || ep.portBindings.length === 0) return [];
  const published: PortMapping[] = [];
  try {
    for (const m of mappingsFor(net, ep)) {
      const hostIp = m.hostIp ?? unspecified(m.containerIp.family);
      // A range binding maps one chosen host port (Docker's `-p 8000-8010:80`).
      const port = ports.allocate(m.proto, hostIp, m.start, m.end);
      published.push({ proto: m.proto, containerIp: m.containerIp, containerPort: m.containerPort, hostPort: port, hostPortEnd: port, ...(m.hostIp === undefined ? {} : { hostIp: m.hostIp }) });
    }
    await fw.addPortMappings(net.config.id, ep.endpointId, published);
    return published;
  } catch (err) {
    // The controller adds Docker's "driver failed programming external connectivity on endpoint
    // <name> (<id>): " in front: only it knows the endpoint's name.
    for (const p of published) ports.release(p.proto, p.hostIp ?? unspecified(p.containerIp.family), p.hostPort);
    throw err;
  }
}

export async function unpublishPorts(fw: FirewallBackend, ports: PortAllocator, networkId: string, ep: BridgeEndpointState): Promise<void> {
  await fw.removePortMappings(networkId, ep.endpointId);
  for (const p of ep.published) ports.release(p.proto, p.hostIp ?? unspecified(p.containerIp.family), p.hostPort);
}
