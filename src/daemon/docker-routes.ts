// Docker Engine API, networks subset: what the real `docker network …` commands and Docker SDKs call.

import { arch, release } from "node:os";
import { API_VERSION, DNET_VERSION, MIN_API_VERSION, type DockerIpamConfig, type DockerNetwork, type DockerNetworkCreateRequest, type DockerVersion } from "../api/dto.js";
import { invalidArgument } from "../errors/index.js";
import { networkDto } from "./convert.js";
import { containerRoutes } from "./docker-container-routes.js";
import { findNetwork } from "./docker-lookup.js";
import { swarmRoutes } from "./docker-swarm-routes.js";
import { labelMatches, type ConnectOptions, type Operations } from "./operations.js";
import type { Reply, Route } from "./server.js";
import {
  object, objectArray, optBool, optObject, optString, parseFilters, reqString, stringArray, stringMap,
} from "./validate.js";

const PING_HEADERS = {
  "api-version": API_VERSION, ostype: "linux", "docker-experimental": "false", "cache-control": "no-cache, no-store, must-revalidate", pragma: "no-cache",
};

function parseCreate(body: unknown): DockerNetworkCreateRequest {
  const o = object(body);
  const ipam = optObject(o["IPAM"], "IPAM");
  const config: DockerIpamConfig[] = objectArray(ipam, "Config", "IPAM.").map((c, i) => {
    const p = `IPAM.Config[${i}].`;
    const out: DockerIpamConfig = {};
    const subnet = optString(c, "Subnet", p);
    const range = optString(c, "IPRange", p);
    const gw = optString(c, "Gateway", p);
    if (subnet !== undefined) out.Subnet = subnet;
    if (range !== undefined) out.IPRange = range;
    if (gw !== undefined) out.Gateway = gw;
    out.AuxiliaryAddresses = stringMap(c, "AuxiliaryAddresses", p);
    return out;
  });
  const flags = Object.fromEntries(["CheckDuplicate", "EnableIPv6", "Internal", "Attachable", "Ingress", "ConfigOnly"].map((k) => [k, optBool(o, k)]));
  return {
    Name: reqString(o, "Name"), Driver: optString(o, "Driver") ?? "", Scope: optString(o, "Scope") ?? "", CheckDuplicate: flags["CheckDuplicate"] ?? false,
    // null when not sent: Docker 20.10 shows it as null then, {} when an empty map was sent.
    IPAM: { Driver: optString(ipam, "Driver", "IPAM.") ?? "", Config: config, Options: ipam["Options"] === undefined || ipam["Options"] === null ? null : stringMap(ipam, "Options", "IPAM.") },
    EnableIPv6: flags["EnableIPv6"] ?? false, Internal: flags["Internal"] ?? false, Attachable: flags["Attachable"] ?? false,
    Ingress: flags["Ingress"] ?? false, ConfigOnly: flags["ConfigOnly"] ?? false,
    Options: stringMap(o, "Options"), Labels: stringMap(o, "Labels"),
  };
}

/** Docker's GetBoolOrDefault for `dangling`: true/1 or false/0, one of them; else its invalid-filter error. */
function danglingFilter(values: readonly string[] | undefined): boolean | undefined {
  if (values === undefined) return undefined;
  const isTrue = values.some((v) => v === "true" || v === "1");
  const isFalse = values.some((v) => v === "false" || v === "0");
  if (isTrue === isFalse) throw invalidArgument("ERR_INVALID_FILTER", `invalid filter 'dangling=[${values.join(" ")}]'`);
  return isTrue;
}

function matchesFilters(n: DockerNetwork, predefined: boolean, f: Readonly<Record<string, string[]>>): boolean {
  const any = (key: string, pred: (v: string) => boolean): boolean => f[key] === undefined || (f[key] as string[]).some(pred);
  // Docker's filterNetworkByUse: dangling = not predefined and nothing connected (endpoints count, joined or not).
  const dangling = danglingFilter(f["dangling"]);
  if (dangling !== undefined && dangling !== (!predefined && Object.keys(n.Containers).length === 0)) return false;
  return any("name", (v) => n.Name.includes(v)) && any("id", (v) => n.Id.startsWith(v)) && any("driver", (v) => n.Driver === v) &&
    any("scope", (v) => n.Scope === v) &&
    any("type", (v) => {
      if (v !== "custom" && v !== "builtin") throw invalidArgument("ERR_INVALID_FILTER", `invalid filter: 'type'='${v}'`);
      return (v === "builtin") === predefined;
    }) &&
    (f["label"] ?? []).every((l) => labelMatches(n.Labels, l));
}

function version(): DockerVersion {
  return {
    Version: DNET_VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: "dnet", GoVersion: `node ${process.version}`,
    Os: "linux", Arch: arch() === "x64" ? "amd64" : arch(), KernelVersion: release(), BuildTime: "",
    Components: [{ Name: "dnet", Version: DNET_VERSION, Details: { ApiVersion: API_VERSION } }], Platform: { Name: "dnet" },
  };
}

/** Docker's EndpointSettings of a connect: static addresses, aliases, links, link-local addresses, driver options, MAC. */
function parseEndpointConfig(v: unknown): ConnectOptions {
  const cfg = optObject(v, "EndpointConfig");
  const ipam = optObject(cfg["IPAMConfig"], "EndpointConfig.IPAMConfig");
  const ip = optString(ipam, "IPv4Address", "EndpointConfig.IPAMConfig.");
  const ip6 = optString(ipam, "IPv6Address", "EndpointConfig.IPAMConfig.");
  const mac = optString(cfg, "MacAddress", "EndpointConfig.");
  return {
    ...(ip === undefined || ip === "" ? {} : { ip }), ...(ip6 === undefined || ip6 === "" ? {} : { ip6 }),
    ...(mac === undefined || mac === "" ? {} : { macAddress: mac }),
    aliases: stringArray(cfg, "Aliases", "EndpointConfig."), links: stringArray(cfg, "Links", "EndpointConfig."),
    linkLocalIps: stringArray(ipam, "LinkLocalIPs", "EndpointConfig.IPAMConfig.").filter((a) => a !== ""),
    driverOpts: stringMap(cfg, "DriverOpts", "EndpointConfig."),
  };
}

export function dockerRoutes(ops: Operations): Route[] {
  const c = ops.controller;
  const list = (filters: Readonly<Record<string, string[]>>): DockerNetwork[] =>
    c.networks().map((n) => ({ dto: networkDto(c, n.info()), predefined: n.info().predefined }))
      .filter((x) => matchesFilters(x.dto, x.predefined, filters)).map((x) => x.dto);
  return [
    { method: "GET", path: "/_ping", handler: (): Reply => ({ status: 200, text: "OK", headers: { ...PING_HEADERS, "content-type": "text/plain; charset=utf-8" } }) },
    { method: "HEAD", path: "/_ping", handler: (): Reply => ({ status: 200, text: "", headers: { ...PING_HEADERS, "content-type": "text/plain; charset=utf-8", "content-length": "0" } }) },
    { method: "GET", path: "/version", handler: (): Reply => ({ status: 200, body: version() }) },
    {
      method: "GET", path: "/networks",
      handler: ({ query }): Reply => ({ status: 200, body: list(parseFilters(query.get("filters"), ["name", "id", "driver", "label", "type", "scope", "dangling"])) }),
    },
    {
      method: "GET", path: "/networks/{id}",
      handler: ({ params, query }): Reply => {
        const net = findNetwork(c, params[0] as string, "inspect", query.get("scope") ?? undefined);
        return { status: 200, body: networkDto(c, net.info()) };
      },
    },
    {
      method: "POST", path: "/networks/create",
      handler: async ({ body, apiVersion }): Promise<Reply> => {
        const { net, warning } = await ops.createNetwork(parseCreate(body), apiVersion);
        return { status: 201, body: { Id: net.id, Warning: warning } };
      },
    },
    {
      method: "DELETE", path: "/networks/{id}",
      handler: async ({ params }): Promise<Reply> => { await ops.removeNetwork(params[0] as string); return { status: 204 }; },
    },
    {
      method: "POST", path: "/networks/{id}/connect",
      handler: async ({ params, body, apiVersion }): Promise<Reply> => {
        const o = object(body);
        const container = reqString(o, "Container");
        await ops.connect(params[0] as string, container, { ...parseEndpointConfig(o["EndpointConfig"]), apiVersion });
        return { status: 200, text: "" };
      },
    },
    {
      method: "POST", path: "/networks/{id}/disconnect",
      handler: async ({ params, body }): Promise<Reply> => {
        const o = object(body);
        await ops.disconnect(params[0] as string, reqString(o, "Container"), optBool(o, "Force") === true);
        return { status: 200, text: "" };
      },
    },
    {
      method: "POST", path: "/networks/prune",
      handler: async ({ query }): Promise<Reply> => {
        const f = parseFilters(query.get("filters"), ["label", "until"]);
        if (f["until"] !== undefined) throw invalidArgument("ERR_INVALID_FILTER", "the 'until' filter is not supported");
        return { status: 200, body: { NetworksDeleted: await ops.prune(f["label"] ?? []) } };
      },
    },
    ...containerRoutes(ops),
    ...swarmRoutes(),
  ];
}
