// Native routes for what Docker's API keeps elsewhere: sandboxes, endpoints, metrics and the event stream.

import type { PortBindingDto, SandboxCreateRequest, SandboxNetworkRequest } from "../api/dto.js";
import { invalidArgument } from "../errors/index.js";
import { endpointDto, sandboxDto } from "./convert.js";
import { streamEvents } from "./event-stream.js";
import type { Metrics } from "./metrics.js";
import type { Operations } from "./operations.js";
import type { Reply, Route } from "./server.js";
import { object, objectArray, optNumber, optString, reqString, stringArray } from "./validate.js";

const PROTOS = new Set(["tcp", "udp", "sctp"]);

function parsePorts(o: Readonly<Record<string, unknown>>): PortBindingDto[] {
  return objectArray(o, "PortBindings").map((p, i) => {
    const pre = `PortBindings[${i}].`;
    const proto = optString(p, "Proto", pre) ?? "tcp";
    if (!PROTOS.has(proto)) throw invalidArgument("ERR_INVALID_PROTOCOL", `invalid protocol ${JSON.stringify(proto)}: use tcp, udp or sctp`);
    const port = optNumber(p, "Port", pre);
    if (port === undefined) throw invalidArgument("ERR_INVALID_REQUEST", `${pre}Port is required`);
    const hostIp = optString(p, "HostIP", pre);
    const hostPort = optNumber(p, "HostPort", pre);
    const hostPortEnd = optNumber(p, "HostPortEnd", pre);
    return {
      Proto: proto as PortBindingDto["Proto"], Port: port,
      ...(hostIp === undefined ? {} : { HostIP: hostIp }), ...(hostPort === undefined ? {} : { HostPort: hostPort }),
      ...(hostPortEnd === undefined ? {} : { HostPortEnd: hostPortEnd }),
    };
  });
}

function parseSandboxCreate(body: unknown): SandboxCreateRequest {
  const o = object(body);
  const networks: SandboxNetworkRequest[] = objectArray(o, "Networks").map((n, i) => {
    const pre = `Networks[${i}].`;
    const ip = optString(n, "IPv4Address", pre);
    const ip6 = optString(n, "IPv6Address", pre);
    return {
      Network: reqString(n, "Network", pre), Aliases: stringArray(n, "Aliases", pre),
      ...(ip === undefined ? {} : { IPv4Address: ip }), ...(ip6 === undefined ? {} : { IPv6Address: ip6 }),
    };
  });
  const opt = (k: string): Record<string, string> => {
    const v = optString(o, k);
    return v === undefined ? {} : { [k]: v };
  };
  return {
    Name: reqString(o, "Name"), ...opt("ContainerID"), ...opt("Hostname"), ...opt("Domainname"),
    Dns: stringArray(o, "Dns"), DnsSearch: stringArray(o, "DnsSearch"), DnsOptions: stringArray(o, "DnsOptions"),
    ExtraHosts: stringArray(o, "ExtraHosts"), PortBindings: parsePorts(o), Networks: networks,
  };
}

export function nativeRoutes(ops: Operations, metrics: Metrics, etcNetnsDir: string, eventBufferBytes?: number): Route[] {
  const c = ops.controller;
  return [
    { method: "GET", path: "/sandboxes", handler: (): Reply => ({ status: 200, body: c.sandboxes().map((s) => sandboxDto(c, s, etcNetnsDir)) }) },
    {
      method: "POST", path: "/sandboxes",
      handler: async ({ body }): Promise<Reply> => {
        const sb = await ops.createSandbox(parseSandboxCreate(body));
        return { status: 201, body: sandboxDto(c, sb, etcNetnsDir) };
      },
    },
    { method: "GET", path: "/sandboxes/{id}", handler: ({ params }): Reply => ({ status: 200, body: sandboxDto(c, ops.sandbox(params[0] as string), etcNetnsDir) }) },
    {
      method: "DELETE", path: "/sandboxes/{id}",
      handler: async ({ params, query }): Promise<Reply> => {
        const force = ["1", "true"].includes(query.get("force") ?? "");
        await ops.removeSandbox(params[0] as string, force);
        return { status: 204 };
      },
    },
    { method: "GET", path: "/endpoints", handler: (): Reply => ({ status: 200, body: c.endpoints().map((e) => endpointDto(c, e.info())) }) },
    { method: "GET", path: "/metrics", handler: (): Reply => ({ status: 200, text: metrics.render(), headers: { "content-type": "text/plain; version=0.0.4" } }) },
    {
      method: "GET", path: "/events",
      handler: (ctx) => streamEvents({ events: ops.events, metrics, logger: ops.logger, ...(eventBufferBytes === undefined ? {} : { bufferBytes: eventBufferBytes }) }, ctx),
    },
  ];
}
