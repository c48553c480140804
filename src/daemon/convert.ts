// Records of the controller → the JSON the API serves (Docker's network shape, native sandbox/endpoint).

import type {
  DockerEndpointResource, DockerIpamConfig, DockerNetwork, EndpointDto, PortBindingDto, SandboxDto, SandboxEndpointDto,
} from "../api/dto.js";
import type { EndpointInfo, NetworkController, NetworkRecord, SandboxRecord } from "../controller/index.js";
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

export function networkDto(c: NetworkController, r: NetworkRecord): DockerNetwork {
  const containers: Record<string, DockerEndpointResource> = {};
  for (const ep of c.network(r.id).endpoints()) {
    const e = ep.info();
    if (e.sandboxId === undefined) continue;
    let name = e.name;
    try { name = c.sandbox(e.sandboxId).info().name; } catch { /* a sandbox being deleted */ }
    containers[e.sandboxId] = {
      Name: name, EndpointID: e.id, MacAddress: e.macAddress ?? "", IPv4Address: e.address ?? "", IPv6Address: e.addressIPv6 ?? "",
    };
  }
  return {
    Name: r.name, Id: r.id, Created: r.created, Scope: r.scope, Driver: r.driver, EnableIPv6: r.ipv6,
    IPAM: {
      Driver: r.ipam.driver, Options: { ...r.ipam.options },
      Config: [...ipamConfigs(r.ipam.v4, r.ipam.v4Info), ...ipamConfigs(r.ipam.v6, r.ipam.v6Info)],
    },
    Internal: r.internal, Attachable: r.attachable, Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false,
    Containers: containers, Options: { ...r.options }, Labels: { ...r.labels },
  };
}

function portDtos(e: EndpointInfo): PortBindingDto[] {
  return e.portBindings.map((b) => ({
    Proto: b.proto, Port: b.port, HostIP: b.hostIp ?? "", HostPort: b.hostPort, HostPortEnd: b.hostPortEnd,
  }));
}

export function endpointDto(c: NetworkController, e: EndpointInfo): EndpointDto {
  let networkName = "";
  try { networkName = c.network(e.networkId).name; } catch { /* being deleted */ }
  return {
    Id: e.id, Name: e.name, NetworkID: e.networkId, NetworkName: networkName, SandboxID: e.sandboxId ?? "",
    IfName: e.ifname ?? "", MacAddress: e.macAddress ?? "", IPv4Address: e.address ?? "", IPv6Address: e.addressIPv6 ?? "",
    Aliases: [...e.aliases], PortBindings: portDtos(e),
  };
}

export function sandboxDto(c: NetworkController, s: SandboxRecord, etcNetnsDir: string): SandboxDto {
  const endpoints: SandboxEndpointDto[] = [];
  for (const ref of s.endpoints) {
    let e: EndpointInfo;
    let networkName = "";
    try {
      const net = c.network(ref.networkId);
      networkName = net.name;
      e = net.endpoint(ref.endpointId).info();
    } catch { continue; }
    endpoints.push({
      EndpointID: e.id, EndpointName: e.name, NetworkID: e.networkId, NetworkName: networkName, IfName: ref.ifname,
      MacAddress: e.macAddress ?? "", IPv4Address: e.address ?? "", IPv6Address: e.addressIPv6 ?? "",
      Gateway: e.gateway ?? "", GatewayIPv6: e.gatewayIPv6 ?? "", Aliases: [...e.aliases], PortBindings: portDtos(e),
    });
  }
  const paths = s.hostNetns ? { hosts: "/etc/hosts", resolvConf: "/etc/resolv.conf" } : sandboxDnsPaths(s.name, etcNetnsDir);
  return {
    Id: s.id, Name: s.name, ContainerID: s.containerId, Created: s.created, Key: s.key, Hostname: s.hostname,
    Domainname: s.domainname, Dns: [...s.dns], DnsSearch: [...s.dnsSearch], DnsOptions: [...s.dnsOptions],
    ExtraHosts: s.extraHosts.map((h) => `${h.name}:${h.ip}`), HostsPath: paths.hosts, ResolvConfPath: paths.resolvConf,
    Endpoints: endpoints,
  };
}
