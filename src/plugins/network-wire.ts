// NetworkDriver messages of Docker's remote driver protocol (drivers/remote/api), both ways: the client
// encodes requests and decodes answers, the server decodes requests and encodes answers.

import type {
  Capability, CreateEndpointRequest, CreateNetworkRequest, EndpointInterface, IpamData, JoinInfo, NodeDiscovery, PortBinding, StaticRoute,
} from "../driver-api/index.js";
import { formatIp, formatPrefix, ipOf } from "../types/index.js";
import {
  EXPOSED_PORTS_KEY, PORTMAP_KEY, boolean, decodePortmap, encodeExposedPorts, encodePortmap, id, ipText, object, optionalIp,
  optionalObject, optionalPrefix, optionalString, optionsMap, prefixText, string, type Fail, type Json,
} from "./wire-values.js";

/** Docker's network option keys (netlabel): driver options go under `generic`. */
export const NetworkWireKeys = Object.freeze({
  generic: "com.docker.network.generic",
  enableIPv6: "com.docker.network.enable_ipv6",
  internal: "com.docker.network.internal",
});

export function encodeIpamData(d: IpamData): Json {
  return {
    AddressSpace: d.addressSpace, Pool: formatPrefix(d.pool), Gateway: prefixText(d.gateway),
    AuxAddresses: Object.fromEntries([...d.auxAddresses].map(([k, v]) => [k, formatPrefix(v)])),
  };
}

function decodeIpamData(v: unknown, what: string, fail: Fail): IpamData {
  const o = object(v, what, fail);
  const pool = optionalPrefix(o, "Pool", fail);
  if (pool === undefined) throw fail(`${what}.Pool is missing`);
  const gateway = optionalPrefix(o, "Gateway", fail);
  const aux = new Map([...optionsMap(o.AuxAddresses, `${what}.AuxAddresses`, fail)].map(([k, t]) => {
    const p = optionalPrefix({ [k]: t }, k, fail);
    if (p === undefined) throw fail(`${what}.AuxAddresses.${k} is empty`);
    return [k, p] as const;
  }));
  return { addressSpace: optionalString(o, "AddressSpace", fail), pool, ...(gateway === undefined ? {} : { gateway }), auxAddresses: aux };
}

function decodeIpamList(v: unknown, what: string, fail: Fail): IpamData[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw fail(`${what} is not a list`);
  return v.map((d, i) => decodeIpamData(d, `${what}[${i}]`, fail));
}

export function encodeCreateNetwork(req: CreateNetworkRequest): Json {
  return {
    NetworkID: req.networkId,
    Options: {
      [NetworkWireKeys.generic]: Object.fromEntries(req.options), [NetworkWireKeys.enableIPv6]: req.enableIPv6,
      ...(req.internal ? { [NetworkWireKeys.internal]: true } : {}),
    },
    IPv4Data: req.ipv4.map(encodeIpamData), IPv6Data: req.ipv6.map(encodeIpamData),
  };
}

/** What Docker sends: `-o` options under `generic`; other string options at the top level are kept too. */
export function decodeCreateNetwork(v: unknown, fail: Fail): CreateNetworkRequest {
  const o = object(v, "request", fail);
  const opts = optionalObject(o.Options, "Options", fail);
  const top = optionsMap(opts, "Options", fail, [NetworkWireKeys.generic, NetworkWireKeys.enableIPv6, NetworkWireKeys.internal]);
  const generic = optionsMap(opts[NetworkWireKeys.generic], "Options.generic", fail);
  const flag = (k: string): boolean => opts[k] === true || opts[k] === "true";
  return {
    networkId: id(o, "NetworkID", fail), options: new Map([...top, ...generic]),
    ipv4: decodeIpamList(o.IPv4Data, "IPv4Data", fail), ipv6: decodeIpamList(o.IPv6Data, "IPv6Data", fail),
    internal: flag(NetworkWireKeys.internal), enableIPv6: flag(NetworkWireKeys.enableIPv6),
  };
}

export function encodeInterface(i: EndpointInterface): Json {
  return { Address: prefixText(i.address), AddressIPv6: prefixText(i.addressIPv6), MacAddress: i.macAddress ?? "" };
}

/** The endpoint's interface (absent/null/{} fields: not set). */
export function decodeInterface(v: unknown, fail: Fail): EndpointInterface {
  const o = optionalObject(v, "Interface", fail);
  const address = optionalPrefix(o, "Address", fail);
  const addressIPv6 = optionalPrefix(o, "AddressIPv6", fail);
  const mac = optionalString(o, "MacAddress", fail);
  if (mac !== "" && !/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/.test(mac)) throw fail(`MacAddress ${JSON.stringify(mac)} is not a MAC address`);
  return { ...(address === undefined ? {} : { address }), ...(addressIPv6 === undefined ? {} : { addressIPv6 }), ...(mac === "" ? {} : { macAddress: mac.toLowerCase() }) };
}

/** Endpoint options as Docker sends them: the generic ones, the port map and the exposed ports. */
export function endpointOptions(options: ReadonlyMap<string, string>, bindings: readonly PortBinding[], containerIp: string): Json {
  return { ...Object.fromEntries(options), [EXPOSED_PORTS_KEY]: encodeExposedPorts(bindings), [PORTMAP_KEY]: encodePortmap(bindings, containerIp) };
}

export function encodeCreateEndpoint(req: CreateEndpointRequest): Json {
  const ip = req.iface.address === undefined ? "" : formatIp(ipOf(req.iface.address));
  return { NetworkID: req.networkId, EndpointID: req.endpointId, Interface: encodeInterface(req.iface), Options: endpointOptions(req.options, req.portBindings, ip) };
}

export function decodeCreateEndpoint(v: unknown, fail: Fail): CreateEndpointRequest {
  const o = object(v, "request", fail);
  const opts = optionalObject(o.Options, "Options", fail);
  return {
    networkId: id(o, "NetworkID", fail), endpointId: id(o, "EndpointID", fail), iface: decodeInterface(o.Interface, fail),
    portBindings: decodePortmap(opts[PORTMAP_KEY], fail), options: optionsMap(opts, "Options", fail, [PORTMAP_KEY, EXPOSED_PORTS_KEY]),
  };
}

/** `{NetworkID, EndpointID}`, the body of most endpoint calls. */
export function decodeEndpointRef(v: unknown, fail: Fail): { networkId: string; endpointId: string } {
  const o = object(v, "request", fail);
  return { networkId: id(o, "NetworkID", fail), endpointId: id(o, "EndpointID", fail) };
}

export function decodeNetworkRef(v: unknown, fail: Fail): string {
  return id(object(v, "request", fail), "NetworkID", fail);
}

/** Docker's libnetwork types: NEXTHOP = 0, CONNECTED = 1. */
const ROUTE_TYPES = ["nexthop", "connected"] as const;

/** What a Join answers on the wire, besides the interface name the server picks. */
export function encodeJoinResponse(info: JoinInfo, srcName: string | undefined, dstPrefix: string): Json {
  return {
    InterfaceName: srcName === undefined ? null : { SrcName: srcName, DstPrefix: dstPrefix },
    Gateway: ipText(info.gateway), GatewayIPv6: ipText(info.gatewayIPv6), DisableGatewayService: info.disableGatewayService,
    StaticRoutes: info.staticRoutes.map((r) => ({ Destination: formatPrefix(r.destination), RouteType: ROUTE_TYPES.indexOf(r.type), NextHop: ipText(r.nextHop) })),
  };
}

export interface DecodedJoin {
  readonly info: JoinInfo;
  /** The plugin's preferred name prefix in the sandbox ("" when it named none). */
  readonly dstPrefix: string;
}

export function decodeJoinResponse(v: unknown, fail: Fail): DecodedJoin {
  const o = optionalObject(v, "Join", fail);
  const name = o.InterfaceName === undefined || o.InterfaceName === null ? undefined : object(o.InterfaceName, "InterfaceName", fail);
  const srcName = name === undefined ? "" : optionalString(name, "SrcName", fail);
  if (srcName !== "" && !/^[^\s/'"\0]{1,15}$/.test(srcName)) throw fail(`InterfaceName.SrcName ${JSON.stringify(srcName)} is not an interface name`);
  const routes = o.StaticRoutes === undefined || o.StaticRoutes === null ? [] : o.StaticRoutes;
  if (!Array.isArray(routes)) throw fail("StaticRoutes is not a list");
  const gateway = optionalIp(o, "Gateway", fail);
  const gatewayIPv6 = optionalIp(o, "GatewayIPv6", fail);
  const info: JoinInfo = {
    ...(srcName === "" ? {} : { interface: { placement: "host", srcName } }),
    ...(gateway === undefined ? {} : { gateway }), ...(gatewayIPv6 === undefined ? {} : { gatewayIPv6 }),
    staticRoutes: routes.map((r, i) => decodeRoute(r, i, fail)), disableGatewayService: boolean(o, "DisableGatewayService", fail),
  };
  return { info, dstPrefix: name === undefined ? "" : optionalString(name, "DstPrefix", fail) };
}

function decodeRoute(v: unknown, i: number, fail: Fail): StaticRoute {
  const o = object(v, `StaticRoutes[${i}]`, fail);
  const destination = optionalPrefix(o, "Destination", fail);
  if (destination === undefined) throw fail(`StaticRoutes[${i}].Destination is missing`);
  const type = ROUTE_TYPES[Number(o.RouteType ?? 0)];
  if (type === undefined) throw fail(`StaticRoutes[${i}].RouteType ${JSON.stringify(o.RouteType)} is not 0 (next hop) or 1 (connected)`);
  const nextHop = optionalIp(o, "NextHop", fail);
  if (type === "nexthop" && nextHop === undefined) throw fail(`StaticRoutes[${i}] is a next-hop route without NextHop`);
  return { destination, type, ...(nextHop === undefined ? {} : { nextHop }) };
}

export function encodeCapability(c: Capability): Json {
  return { Scope: c.dataScope, ConnectivityScope: c.connectivityScope };
}

/** Docker refuses a Scope other than local/global; an empty ConnectivityScope means the Scope. */
export function decodeCapability(v: unknown, fail: Fail): Capability {
  const o = optionalObject(v, "GetCapabilities", fail);
  const scope = optionalString(o, "Scope", fail);
  if (scope !== "local" && scope !== "global") throw fail(`invalid capability: expecting 'local' or 'global', got ${JSON.stringify(scope)}`);
  const connectivity = optionalString(o, "ConnectivityScope", fail);
  if (connectivity !== "" && connectivity !== "local" && connectivity !== "global") {
    throw fail(`invalid capability: expecting 'local' or 'global' connectivity scope, got ${JSON.stringify(connectivity)}`);
  }
  return { dataScope: scope, connectivityScope: connectivity === "" ? scope : connectivity };
}

/** libnetwork's discoverapi.NodeDiscovery is 1. */
export const NODE_DISCOVERY = 1;

export function encodeDiscovery(d: NodeDiscovery): Json {
  const address = formatIp(d.address);
  return { DiscoveryType: NODE_DISCOVERY, DiscoveryData: { Address: address, BindAddress: address, Self: d.self } };
}

/** A node discovery, or undefined for the other kinds (encryption keys: not for local drivers). */
export function decodeDiscovery(v: unknown, fail: Fail): NodeDiscovery | undefined {
  const o = object(v, "request", fail);
  if (o.DiscoveryType !== NODE_DISCOVERY) return undefined;
  const data = object(o.DiscoveryData, "DiscoveryData", fail);
  const address = optionalIp(data, "Address", fail);
  if (address === undefined) throw fail("DiscoveryData.Address is missing");
  return { address, self: boolean(data, "Self", fail) };
}

/** A Join request (the sandbox key is only informative: the plugin's interface stays in the host's namespace). */
export function encodeJoin(req: { networkId: string; endpointId: string; sandboxKey: string; options: ReadonlyMap<string, string> }): Json {
  return { NetworkID: req.networkId, EndpointID: req.endpointId, SandboxKey: req.sandboxKey, Options: Object.fromEntries(req.options) };
}

export function decodeJoin(v: unknown, fail: Fail): { networkId: string; endpointId: string; sandboxKey: string; options: Map<string, string> } {
  const o = object(v, "request", fail);
  return {
    networkId: id(o, "NetworkID", fail), endpointId: id(o, "EndpointID", fail), sandboxKey: string(o, "SandboxKey", fail),
    options: optionsMap(o.Options, "Options", fail, [PORTMAP_KEY, EXPOSED_PORTS_KEY]),
  };
}
