// Routes (IPv4 and IPv6): add (default, via a gateway, on-link, blackhole …), replace, delete, list.

import { invalidArgument } from "../errors/index.js";
import {
  AF_INET, AF_INET6, AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE,
  RTN_ANYCAST, RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_NAT, RTN_PROHIBIT, RTN_THROW, RTN_UNICAST,
  RTN_UNREACHABLE, RTN_UNSPEC, RTN_XRESOLVE, RTNH_F_ONLINK, RTPROT_BOOT, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE,
  RT_SCOPE_SITE, RT_SCOPE_UNIVERSE, RT_TABLE_COMPAT, RT_TABLE_MAIN, RT_TABLE_UNSPEC, decodeRouteMessage, encodeRouteMessage,
  type NetlinkRequest, type RouteMessage, type RouteMessageInit,
} from "../netlink/index.js";
import { formatIp, formatPrefix, prefixNetwork, type IpAddress, type IpFamily, type IpPrefix } from "../types/index.js";
import type { NetnsHandle } from "./handle.js";
import { linkIndex, type LinkRef } from "./link.js";

/** Route types a caller may create; listing reports every kernel type. */
export type RouteType = "unicast" | "blackhole" | "unreachable" | "prohibit" | "throw";
export type RouteTypeName = RouteType | "unspec" | "local" | "broadcast" | "anycast" | "multicast" | "nat" | "xresolve";
export type RouteScope = "universe" | "site" | "link" | "host" | "nowhere";

const TYPE_CODES: Readonly<Record<RouteTypeName, number>> = Object.freeze({
  unspec: RTN_UNSPEC, unicast: RTN_UNICAST, local: RTN_LOCAL, broadcast: RTN_BROADCAST, anycast: RTN_ANYCAST,
  multicast: RTN_MULTICAST, blackhole: RTN_BLACKHOLE, unreachable: RTN_UNREACHABLE, prohibit: RTN_PROHIBIT,
  throw: RTN_THROW, nat: RTN_NAT, xresolve: RTN_XRESOLVE,
});
const CREATABLE_TYPES: ReadonlySet<string> = new Set<RouteType>(["unicast", "blackhole", "unreachable", "prohibit", "throw"]);
const SCOPE_CODES: Readonly<Record<RouteScope, number>> = Object.freeze({
  universe: RT_SCOPE_UNIVERSE, site: RT_SCOPE_SITE, link: RT_SCOPE_LINK, host: RT_SCOPE_HOST, nowhere: RT_SCOPE_NOWHERE,
});
const TYPE_NAMES = new Map(Object.entries(TYPE_CODES).map(([k, v]) => [v, k as RouteTypeName]));

export interface RouteSpec {
  /** Needed only when neither destination nor gateway says it (e.g. `default dev eth0`); must agree with them. */
  readonly family?: IpFamily;
  /** The destination prefix, host bits clear; omitted: the default route (0.0.0.0/0 or ::/0). */
  readonly destination?: IpPrefix;
  readonly gateway?: IpAddress;
  /** The output link (RTA_OIF). */
  readonly link?: LinkRef;
  /** Trust the gateway to be on `link` even though no local prefix covers it (RTNH_F_ONLINK). */
  readonly onlink?: boolean;
  /** Routing table id, 1 … 2^32-1 except 252 (RT_TABLE_COMPAT); default 254 (main). */
  readonly table?: number;
  /** The metric (RTA_PRIORITY). */
  readonly metric?: number;
  /** Preferred source address (RTA_PREFSRC). */
  readonly source?: IpAddress;
  /** Default as `ip` derives it: link without a gateway for unicast routes, universe otherwise. */
  readonly scope?: RouteScope;
  /** rtm_protocol (RTPROT_*); default RTPROT_BOOT, as `ip route add` sends. */
  readonly protocol?: number;
  /** Default "unicast". */
  readonly type?: RouteType;
  /** NLM_F_REPLACE: replace a route with the same destination/table/metric instead of failing with EEXIST. */
  readonly replace?: boolean;
}

export interface Route {
  readonly family: IpFamily;
  /** 0.0.0.0/0 or ::/0 for a default route. */
  readonly destination: IpPrefix;
  readonly gateway: IpAddress | undefined;
  /** Output ifindex, if any. */
  readonly index: number | undefined;
  readonly table: number;
  readonly metric: number | undefined;
  readonly source: IpAddress | undefined;
  readonly scope: number;
  readonly protocol: number;
  readonly type: RouteTypeName;
  readonly onlink: boolean;
  /** rtm_flags (RTNH_F_* and RTM_F_*). */
  readonly flags: number;
  readonly raw: RouteMessage;
}

export interface RouteFilter {
  readonly family?: IpFamily;
  /** Only routes of this table; omitted: every table (`ip route show table all`). */
  readonly table?: number;
  /** Only routes leaving through this link. */
  readonly link?: LinkRef;
}

function familyCode(f: IpFamily): number {
  return f === 4 ? AF_INET : AF_INET6;
}

function bad(message: string): never {
  throw invalidArgument("ERR_INVALID_ROUTE", message);
}

function checkU32(value: number | undefined, what: string, min = 0): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > 0xffffffff)) {
    bad(`invalid ${what} ${value}: must be an integer from ${min} to 4294967295`);
  }
}

/** Table ids as the kernel takes them: 0 would mean "main" silently, 252 is the "look in RTA_TABLE" marker. */
export function checkTable(table: number | undefined): void {
  checkU32(table, "routing table", 1);
  if (table === RT_TABLE_COMPAT) bad(`invalid routing table ${table}: reserved (RT_TABLE_COMPAT)`);
}

/** The family of the route, after checking that destination, gateway, source and `family` agree. */
function routeFamily(spec: RouteSpec): IpFamily {
  const families = [spec.family, spec.destination?.family, spec.gateway?.family, spec.source?.family]
    .filter((f): f is IpFamily => f !== undefined);
  const family = families[0];
  if (family === undefined) bad("a route needs a destination, a gateway or an explicit family");
  if (families.some((f) => f !== family)) {
    bad(`address families of the route disagree (${[...new Set(families)].map((f) => `IPv${f}`).join(" and ")})`);
  }
  return family;
}

function checkDestination(d: IpPrefix): void {
  const bits = d.family === 4 ? 32 : 128;
  if (!Number.isInteger(d.length) || d.length < 0 || d.length > bits) bad(`invalid prefix length ${d.length} for IPv${d.family}`);
  if (prefixNetwork(d).address !== d.address) {
    bad(`route destination ${formatPrefix(d)} has host bits set (did you mean ${formatPrefix(prefixNetwork(d))}?)`);
  }
}

function checkSpec(spec: RouteSpec, adding: boolean): { family: IpFamily; type: RouteType } {
  const family = routeFamily(spec);
  if (spec.destination !== undefined) checkDestination(spec.destination);
  const type = spec.type ?? "unicast";
  if (!CREATABLE_TYPES.has(type)) bad(`invalid route type ${JSON.stringify(type)}`);
  if (spec.scope !== undefined && !Object.hasOwn(SCOPE_CODES, spec.scope)) bad(`invalid route scope ${JSON.stringify(spec.scope)}`);
  checkTable(spec.table);
  checkU32(spec.metric, "route metric");
  checkU32(spec.protocol, "route protocol");
  if (spec.protocol !== undefined && spec.protocol > 255) bad(`invalid route protocol ${spec.protocol}: must be 0-255`);
  if (type !== "unicast" && (spec.gateway !== undefined || spec.link !== undefined || spec.onlink === true)) {
    bad(`a ${type} route takes no gateway, link or onlink`);
  }
  if (spec.onlink === true && (spec.gateway === undefined || spec.link === undefined)) bad("an onlink route needs a gateway and a link");
  if (adding && type === "unicast" && spec.gateway === undefined && spec.link === undefined) {
    bad("a unicast route needs a gateway or a link");
  }
  return { family, type };
}

function describeRoute(op: string, spec: RouteSpec, family: IpFamily): string {
  const dst = spec.destination === undefined ? `default (IPv${family})` : formatPrefix(spec.destination);
  const via = spec.gateway === undefined ? "" : ` via ${formatIp(spec.gateway)}`;
  const table = spec.table === undefined ? "" : ` table ${spec.table}`;
  return `${op} ${spec.type === undefined || spec.type === "unicast" ? "" : `${spec.type} `}${dst}${via}${table}`;
}

/** rtmsg + RTA_* for `spec`; `index` is the resolved output ifindex (0 for none). */
function routeMessage(index: number, spec: RouteSpec, adding: boolean): { msg: RouteMessageInit; family: IpFamily } {
  const { family, type } = checkSpec(spec, adding);
  checkU32(index, "ifindex");
  if (spec.link !== undefined && index === 0) bad("the route's link resolved to no ifindex");
  const table = spec.table ?? RT_TABLE_MAIN;
  // Like iproute2: a delete matches any scope, protocol and type unless they are given.
  const derivedScope = type === "unicast" && spec.gateway === undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  const scope = spec.scope !== undefined ? SCOPE_CODES[spec.scope] : adding ? derivedScope : RT_SCOPE_NOWHERE;
  const rtm = {
    family: familyCode(family),
    dstLen: spec.destination?.length ?? 0,
    table: table < 256 ? table : RT_TABLE_UNSPEC,
    protocol: spec.protocol ?? (adding ? RTPROT_BOOT : 0),
    scope,
    type: spec.type !== undefined || adding ? TYPE_CODES[type] : RTN_UNSPEC,
    flags: spec.onlink === true ? RTNH_F_ONLINK : 0,
  };
  const attrs = {
    ...(spec.destination === undefined ? {} : { dst: { family, value: spec.destination.address } }),
    ...(spec.gateway === undefined ? {} : { gateway: spec.gateway }),
    ...(index === 0 ? {} : { oif: index }),
    ...(spec.metric === undefined ? {} : { priority: spec.metric }),
    ...(spec.source === undefined ? {} : { prefsrc: spec.source }),
    ...(table < 256 ? {} : { table }),
  };
  return { msg: { rtm, attrs }, family };
}

/** The RTM_NEWROUTE for `spec` given the output link's ifindex (0 or undefined: no link), for batching. */
export function addRouteRequest(index: number | undefined, spec: RouteSpec): NetlinkRequest {
  const { msg, family } = routeMessage(index ?? 0, spec, true);
  return {
    type: RTM_NEWROUTE,
    flags: NLM_F_CREATE | (spec.replace === true ? NLM_F_REPLACE : NLM_F_EXCL),
    payload: encodeRouteMessage(msg),
    describe: describeRoute(spec.replace === true ? "replace route" : "add route", spec, family),
  };
}

/** The RTM_DELROUTE for `spec`: unset fields (scope, protocol, type, gateway, link, metric) match anything. */
export function deleteRouteRequest(index: number | undefined, spec: RouteSpec): NetlinkRequest {
  const { msg, family } = routeMessage(index ?? 0, spec, false);
  return { type: RTM_DELROUTE, payload: encodeRouteMessage(msg), describe: describeRoute("delete route", spec, family) };
}

async function specIndex(h: NetnsHandle, spec: RouteSpec): Promise<number> {
  return spec.link === undefined ? 0 : linkIndex(h, spec.link);
}

export async function addRoute(h: NetnsHandle, spec: RouteSpec): Promise<void> {
  checkSpec(spec, true); // before any kernel call, including the link lookup
  await h.route.request(addRouteRequest(await specIndex(h, spec), spec));
}

export async function deleteRoute(h: NetnsHandle, spec: RouteSpec): Promise<void> {
  checkSpec(spec, false);
  await h.route.request(deleteRouteRequest(await specIndex(h, spec), spec));
}

export function toRoute(m: RouteMessage): Route | undefined {
  if (m.rtm.family !== AF_INET && m.rtm.family !== AF_INET6) return undefined; // multicast routing, MPLS …
  const family: IpFamily = m.rtm.family === AF_INET ? 4 : 6;
  const a = m.attrs;
  return {
    family,
    destination: { family, address: a.dst?.value ?? 0n, length: m.rtm.dstLen },
    gateway: a.gateway,
    index: a.oif,
    table: a.table ?? m.rtm.table,
    metric: a.priority,
    source: a.prefsrc,
    scope: m.rtm.scope,
    protocol: m.rtm.protocol,
    type: TYPE_NAMES.get(m.rtm.type) ?? "unspec",
    onlink: (m.rtm.flags & RTNH_F_ONLINK) !== 0,
    flags: m.rtm.flags,
    raw: m,
  };
}

/** Routes of the netns (every table unless `filter.table`), filtered in the kernel where it can. */
export async function listRoutes(h: NetnsHandle, filter: RouteFilter = {}): Promise<Route[]> {
  checkTable(filter.table);
  const index = filter.link === undefined ? 0 : await linkIndex(h, filter.link);
  const table = filter.table;
  const rtm = {
    family: filter.family === undefined ? AF_UNSPEC : familyCode(filter.family),
    table: table === undefined || table >= 256 ? RT_TABLE_UNSPEC : table,
  };
  const attrs = { ...(index === 0 ? {} : { oif: index }), ...(table === undefined || table < 256 ? {} : { table }) };
  let replies;
  try {
    replies = await h.route.request({ type: RTM_GETROUTE, dump: true, payload: encodeRouteMessage({ rtm, attrs }), describe: "RTM_GETROUTE dump" });
  } catch (err) {
    // A single-family dump of a table that does not exist (yet) is ENOENT: no routes.
    if (table !== undefined && (err as { code?: string }).code === "ENOENT") return [];
    throw err;
  }
  const out: Route[] = [];
  for (const reply of replies) {
    if (reply.type !== RTM_NEWROUTE) continue;
    const r = toRoute(decodeRouteMessage(reply.payload));
    if (r === undefined) continue;
    if ((filter.family !== undefined && r.family !== filter.family) || (table !== undefined && r.table !== table)) continue;
    if (index !== 0 && r.index !== index) continue;
    out.push(r);
  }
  return out;
}
