// Records of the controller → the JSON the API serves (Docker's network shape, native sandbox/endpoint).

import type {
  DockerEndpointResource, DockerIpamConfig, DockerNetwork, DockerPortMap, EndpointDto, PortBindingDto, SandboxDto, SandboxEndpointDto,
} from "../api/dto.js";
import {
  sandboxPortBindings, type EndpointInfo, type NetworkController, type NetworkRecord, type PortBindingRecord, type PortMapEntry, type Sandbox,
} from "../controller/index.js";
import { sandboxDnsPaths } from "../dns/index.js";

type IpamPools = NetworkRecord["ipam"]["v4"];
type IpamInfos = NetworkRecord["ipam"]["v4Info"];

function ipamConfigs(pools: IpamPools, infos: IpamInfos): DockerIpamConfig[] {
  return infos.map((info, i) => {
    const cfg = pools[i];
    const out: DockerIpamConfig = { Subnet: info.pool };
    if (cfg?.ipRange !== undefined) out.IPRange = cfg.ipRange;
    if (info.gateway !== undefined) out.Gateway = info.gateway.split("/")[0] as string;
    if (cfg !== undefined && Object.keys(cfg.auxAddresses).length > 0) out.AuxiliaryAddresses = { ...cfg.auxAddresses };
    return out;
  });
}

/**
 * Docker's `Containers`: keyed by the container ID of the joined sandbox, or `ep-<endpoint ID>` for an
 * endpoint not joined (yet), as dockerd's buildDetailedNetworkResources does.
 */
function containersOf(c: NetworkController, r: NetworkRecord): Record<string, DockerEndpointResource> {
  const containers: Record<string, DockerEndpointResource> = {};
  for (const ep of c.network(r.id).endpoints()) {
    const e = ep.info();
    let key = `ep-${e.id}`;
    if (e.sandboxId !== undefined) {
      try { key = c.sandbox(e.sandboxId).info().containerId; } catch { /* a sandbox being deleted */ }
    }
    containers[key] = {
      Name: e.name, EndpointID: e.id, MacAddress: e.macAddress ?? "", IPv4Address: e.address ?? "", IPv6Address: e.addressIPv6 ?? "",
    };
  }
  return containers;
}

export function networkDto(c: NetworkController, r: NetworkRecord): DockerNetwork {
  return {
    Name: r.name, Id: r.id, Created: r.created, Scope: r.scope, Driver: r.driver, EnableIPv6: r.ipv6,
    IPAM: {
      // Docker 20.10 shows null for options the creator never sent, {} for an empty map it sent.
      Driver: r.ipam.driver, Options: r.ipam.noOptions === true ? null : { ...r.ipam.options },
      Config: [...ipamConfigs(r.ipam.v4, r.ipam.v4Info), ...ipamConfigs(r.ipam.v6, r.ipam.v6Info)],
    },
    Internal: r.internal, Attachable: r.attachable, Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false,
    Containers: containersOf(c, r), Options: { ...r.options }, Labels: { ...r.labels },
  };
}

function requestedDto(b: PortBindingRecord): PortBindingDto {
  return { Proto: b.proto, Port: b.port, HostIP: b.hostIp ?? "", HostPort: b.hostPort, HostPortEnd: b.hostPortEnd };
}

/** What the endpoint publishes now, from its driver: the host port actually chosen for a range or a dynamic port. */
function publishedOf(c: NetworkController, e: EndpointInfo): readonly PortMapEntry[] {
  try {
    return c.network(e.networkId).endpoint(e.id).publishedPorts();
  } catch {
    return []; // being deleted
  }
}

function publishedDtos(entries: readonly PortMapEntry[]): PortBindingDto[] {
  return entries.map((p) => ({ Proto: p.Proto, Port: p.Port, HostIP: p.HostIP, HostPort: p.HostPort, HostPortEnd: p.HostPortEnd }));
}

export function endpointDto(c: NetworkController, e: EndpointInfo): EndpointDto {
  let networkName = "";
  try { networkName = c.network(e.networkId).name; } catch { /* being deleted */ }
  return {
    Id: e.id, Name: e.name, NetworkID: e.networkId, NetworkName: networkName, SandboxID: e.sandboxId ?? "",
    IfName: e.ifname ?? "", MacAddress: e.macAddress ?? "", IPv4Address: e.address ?? "", IPv6Address: e.addressIPv6 ?? "",
    Aliases: [...e.aliases], PortBindings: publishedDtos(publishedOf(c, e)),
  };
}

/**
 * Docker's `NetworkSettings.Ports` (what `docker port` reads): each asked-for container port with the
 * host addresses and ports it is published on now, or null when it is not published.
 */
export function dockerPorts(requested: readonly PortBindingRecord[], published: readonly PortMapEntry[]): DockerPortMap {
  const out: DockerPortMap = {};
  for (const b of requested) out[`${b.port}/${b.proto}`] = null;
  for (const p of published) {
    const key = `${p.Port}/${p.Proto}`;
    const hosts = out[key] ?? [];
    if (!hosts.some((h) => h.HostIp === p.HostIP && h.HostPort === String(p.HostPort))) hosts.push({ HostIp: p.HostIP, HostPort: String(p.HostPort) });
    out[key] = hosts;
  }
  return out;
}

/** The sandbox's joined endpoints with their networks' names, in join order. */
export function joinedOf(c: NetworkController, s: Sandbox): Array<{ e: EndpointInfo; networkName: string; ifname: string }> {
  const out: Array<{ e: EndpointInfo; networkName: string; ifname: string }> = [];
  for (const ref of s.info().endpoints) {
    try {
      const net = c.network(ref.networkId);
      out.push({ e: net.endpoint(ref.endpointId).info(), networkName: net.name, ifname: ref.ifname });
    } catch { /* being deleted */ }
  }
  return out;
}

export function sandboxDto(c: NetworkController, sb: Sandbox, etcNetnsDir: string): SandboxDto {
  const s = sb.info();
  const joined = joinedOf(c, sb);
  const endpoints: SandboxEndpointDto[] = joined.map(({ e, networkName, ifname }) => ({
    EndpointID: e.id, EndpointName: e.name, NetworkID: e.networkId, NetworkName: networkName, IfName: ifname,
    MacAddress: e.macAddress ?? "", IPv4Address: e.address ?? "", IPv6Address: e.addressIPv6 ?? "",
    Gateway: e.gateway ?? "", GatewayIPv6: e.gatewayIPv6 ?? "", Aliases: [...e.aliases], PortBindings: publishedDtos(publishedOf(c, e)),
    Links: (e.links ?? []).map((l) => `${l.name}:${l.alias}`), LinkLocalIPs: (e.linkLocalIps ?? []).map((a) => a.split("/")[0] as string),
    DriverOpts: { ...e.options },
  }));
  const requested = sandboxPortBindings(s, joined.map((j) => j.e));
  const paths = s.hostNetns ? { hosts: "/etc/hosts", resolvConf: "/etc/resolv.conf" } : sandboxDnsPaths(s.name, etcNetnsDir);
  return {
    Id: s.id, Name: s.name, ContainerID: s.containerId, Created: s.created, Key: s.key, Hostname: s.hostname,
    Domainname: s.domainname, Dns: [...s.dns], DnsSearch: [...s.dnsSearch], DnsOptions: [...s.dnsOptions],
    ExtraHosts: s.extraHosts.map((h) => `${h.name}:${h.ip}`), HostsPath: paths.hosts, ResolvConfPath: paths.resolvConf,
    UtsPath: sb.utsPath ?? "", PortBindings: requested.map(requestedDto),
    Ports: dockerPorts(requested, joined.flatMap(({ e }) => publishedOf(c, e))), Endpoints: endpoints,
  };
}
