// `GET /containers/{id}/json` for sandboxes: the part of Docker's container inspect that network tools
// read — `docker port SANDBOX` (NetworkSettings.Ports), `docker inspect -f` on its networks.

import type { NetworkController, Sandbox } from "../controller/index.js";
import { dockerPorts, joinedOf } from "./convert.js";
import type { Operations } from "./operations.js";
import type { Reply, Route } from "./server.js";
import { sandboxPortBindings } from "../controller/index.js";

function prefixLength(address: string | undefined): number {
  return address === undefined ? 0 : Number(address.split("/")[1] ?? 0);
}

/** Docker's ContainerJSON, as much of it as a sandbox has (no image, process or mounts). */
export function containerJson(c: NetworkController, sb: Sandbox): Record<string, unknown> {
  const s = sb.info();
  const joined = joinedOf(c, sb);
  const networks = Object.fromEntries(joined.map(({ e, networkName }) => [networkName, {
    IPAMConfig: null, Links: e.links === undefined ? null : e.links.map((l) => `${l.name}:${l.alias}`), Aliases: e.aliases.length === 0 ? null : [...e.aliases],
    NetworkID: e.networkId, EndpointID: e.id, Gateway: e.gateway ?? "", IPAddress: e.address?.split("/")[0] ?? "", IPPrefixLen: prefixLength(e.address),
    IPv6Gateway: e.gatewayIPv6 ?? "", GlobalIPv6Address: e.addressIPv6?.split("/")[0] ?? "", GlobalIPv6PrefixLen: prefixLength(e.addressIPv6),
    MacAddress: e.macAddress ?? "", DriverOpts: Object.keys(e.options).length === 0 ? null : { ...e.options },
  }]));
  const published = joined.flatMap(({ e }) => {
    try { return c.network(e.networkId).endpoint(e.id).publishedPorts(); } catch { return []; }
  });
  return {
    Id: s.containerId, Created: s.created, Name: `/${s.name}`, State: { Status: "running", Running: true },
    Config: { Hostname: s.hostname, Domainname: s.domainname },
    HostConfig: { NetworkMode: joined[0]?.networkName ?? "none" },
    NetworkSettings: {
      SandboxID: s.id, SandboxKey: s.key, Ports: dockerPorts(sandboxPortBindings(s, joined.map((j) => j.e)), published), Networks: networks,
    },
  };
}

export function containerRoutes(ops: Operations): Route[] {
  return [{
    method: "GET", path: "/containers/{id}/json",
    handler: ({ params }): Reply => ({ status: 200, body: containerJson(ops.controller, ops.sandbox(params[0] as string)) }),
  }];
}
