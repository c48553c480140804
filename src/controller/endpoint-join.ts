// Joining an endpoint to a sandbox, as the steps of moby's sbJoin: record the intent, the driver's join,
// the interface configured in the sandbox, the gateway and published ports, the sandbox's files and DNS,
// then the joined record. Each step that changes the world pushes its undo right after it succeeds.

import type { JoinInfo } from "../driver-api/index.js";
import { forbidden, invalidArgument } from "../errors/index.js";
import { configureInterface, moveInterface, type InterfaceConfig } from "../osl/index.js";
import { formatIp, formatPrefix, parseIp, parsePrefix, validateIfname } from "../types/index.js";
import { capabilityOf, driverOf, lockKeys, type ControllerContext } from "./context.js";
import { syncEndpoint } from "./dns-sync.js";
import { errEndpointJoined, errEndpointNotFound, errSandboxDeleting, errSandboxNotFound } from "./errors.js";
import { becomesGateway, switchGateway } from "./gateway.js";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./records.js";
import { writeSandboxFiles } from "./sandbox-files.js";
import { retireInterface, sandboxHandle, setInterfaceIPv6 } from "./sandbox-interface.js";
import { change } from "./state.js";
import { Rollback } from "./steps.js";

export const IFACE_PREFIX_OPTION = "com.docker.network.container_iface_prefix";

/** Checked when the network is created (bad input changes nothing) and again at join (older records). */
export function validateInterfacePrefix(prefix: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,9}$/.test(prefix)) {
    throw invalidArgument("ERR_INVALID_OPTION", `invalid ${IFACE_PREFIX_OPTION} ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

export function withoutPending(ep: EndpointRecord): EndpointRecord {
  const { pending: _pending, ...rest } = ep;
  return rest;
}

/** The sandbox's endpoints that are joined to it (a sandbox being deleted also refers to ones that left). */
export function joinedEndpoints(ctx: ControllerContext, sb: SandboxRecord): EndpointRecord[] {
  return sb.endpoints.map((r) => ctx.state.endpoint(r.endpointId)).filter((e): e is EndpointRecord => e !== undefined && e.sandboxId === sb.id);
}

/** A join under way: the records as the intent wrote them, and the sandbox as it will be. */
interface Join {
  readonly network: NetworkRecord;
  readonly ep: EndpointRecord;
  readonly sb: SandboxRecord;
  /** The interface's name in the sandbox; "" when the driver gives none. */
  readonly ifname: string;
  /** The sandbox's endpoints before this one. */
  readonly before: readonly EndpointRecord[];
  readonly sbDone: SandboxRecord;
}

export async function joinEndpoint(ctx: ControllerContext, endpointId: string, sandboxId: string, priority = 0): Promise<EndpointRecord> {
  if (!Number.isInteger(priority)) throw invalidArgument("ERR_INVALID_PRIORITY", `invalid join priority ${String(priority)}`);
  return ctx.locks.run([lockKeys.sandbox(sandboxId), lockKeys.endpoint(endpointId)], () => joinLocked(ctx, endpointId, sandboxId, priority));
}

/** The join with the sandbox's and the endpoint's locks held (the gateway service joins its endpoint so). */
export async function joinLocked(ctx: ControllerContext, endpointId: string, sandboxId: string, priority: number): Promise<EndpointRecord> {
  const join = await recordIntent(ctx, endpointId, sandboxId);
  const rollback = new Rollback();
  rollback.push("clear join intent", () => clearIntent(ctx, join));
  try {
    ctx.fault("endpoint-join:intent");
    const driver = await driverOf(ctx, join.network.driver);
    const info = await driver.join({
      networkId: join.network.id, endpointId, sandboxKey: join.sb.key, ifname: join.ifname, options: new Map(Object.entries(join.ep.options)),
      ...(join.sb.hostname === "" ? {} : { hostname: join.sb.hostname }),
    });
    rollback.push("driver leave", () => undoDriverJoin(ctx, join, () => driver.leave(join.network.id, endpointId)));
    ctx.fault("endpoint-join:driver");
    const joined = joinedRecord(join, info, priority);
    const takesGateway = becomesGateway(ctx, join.before, joined);
    // The default routes move with the interface's configuration, the ports with the switch. Revoking
    // what was never programmed is a no-op: pushed first, this also undoes a switch that failed half way.
    rollback.push("give the gateway back", () => switchGateway(ctx, join.sb, [...join.before, joined], join.before));
    await setUpInterface(ctx, join, joined, info, takesGateway);
    ctx.fault("endpoint-join:configure");
    await switchGateway(ctx, join.sbDone, join.before, [...join.before, joined], takesGateway);
    ctx.fault("endpoint-join:gateway");
    rollback.push("rewrite sandbox files", () => writeSandboxFiles(ctx, join.sb, join.before));
    await writeSandboxFiles(ctx, join.sbDone, [...join.before, joined]);
    await ctx.state.apply([change.endpoint(joined.networkId, joined.id, joined), change.sandbox(join.sbDone.id, join.sbDone)]);
    return joined;
  } catch (err) {
    return rollback.unwind(err);
  }
}

/** Checks the join and records its intent: the endpoint's pending join, under the interface name it will have. */
async function recordIntent(ctx: ControllerContext, endpointId: string, sandboxId: string): Promise<Join> {
  const { ep, sb, network } = checkJoin(ctx, endpointId, sandboxId);
  const withInterface = capabilityOf(ctx, network.driver).noInterface !== true;
  const prefix = validateInterfacePrefix(network.options[IFACE_PREFIX_OPTION] ?? "eth");
  const ifname = withInterface ? validateIfname(lowestFreeInterfaceName(sb, prefix)) : "";
  const epIntent: EndpointRecord = { ...ep, pending: { op: "join", sandboxId, ifname } };
  await ctx.state.apply([change.endpoint(ep.networkId, ep.id, epIntent)]);
  const sbDone: SandboxRecord = { ...sb, endpoints: [...sb.endpoints, { endpointId, networkId: network.id, ifname }] };
  return { network, ep: epIntent, sb, ifname, before: joinedEndpoints(ctx, sb), sbDone };
}

/**
 * Docker 28's rule (moby 5a703c2, "scan ns ifaces to generate ifname"): the lowest number that none of
 * the sandbox's interfaces with this prefix has, so a disconnect and a reconnect give `eth1` back.
 */
export function lowestFreeInterfaceName(sb: SandboxRecord, prefix: string): string {
  const used = new Set<number>();
  for (const { ifname } of sb.endpoints) {
    const rest = ifname.slice(prefix.length);
    if (ifname.startsWith(prefix) && /^(0|[1-9][0-9]*)$/.test(rest)) used.add(Number(rest));
  }
  let n = 0;
  while (used.has(n)) n++;
  return `${prefix}${n}`;
}

function checkJoin(ctx: ControllerContext, endpointId: string, sandboxId: string): { ep: EndpointRecord; sb: SandboxRecord; network: NetworkRecord } {
  const ep = ctx.state.endpoint(endpointId);
  if (ep === undefined || ep.state !== "ready") throw errEndpointNotFound(endpointId);
  const sb = ctx.state.sandbox(sandboxId);
  if (sb === undefined || sb.state === "creating") throw errSandboxNotFound(sandboxId);
  if (sb.state === "deleting") throw errSandboxDeleting(sandboxId);
  if (ep.sandboxId !== undefined || ep.pending !== undefined) throw errEndpointJoined();
  const network = ctx.state.network(ep.networkId);
  if (network === undefined) throw errEndpointNotFound(endpointId);
  const hostNamespace = capabilityOf(ctx, network.driver).hostNamespace === true;
  if (hostNamespace !== sb.hostNetns) {
    throw forbidden("ERR_HOST_NETWORK", hostNamespace
      ? "only a sandbox on the host's network namespace can join the host network"
      : "a sandbox on the host's network namespace can only join the host network");
  }
  return { ep, sb, network };
}

async function clearIntent(ctx: ControllerContext, join: Join): Promise<void> {
  const ep = withoutPending(join.ep);
  await ctx.state.applyOrDefer([change.endpoint(ep.networkId, ep.id, ep)]);
  syncEndpoint(ctx, ep);
}

/** The driver's leave, and the interface taken out of the sandbox's view if the driver left it there. */
async function undoDriverJoin(ctx: ControllerContext, join: Join, leave: () => Promise<void>): Promise<void> {
  await leave();
  const retired = capabilityOf(ctx, join.network.driver).retiresInterface === true;
  if (join.ifname !== "" && !retired) await retireInterface(ctx, join.sb, ctx.ifindexes.get(join.ep.id) ?? join.ifname);
  ctx.ifindexes.delete(join.ep.id);
}

/** The endpoint as joined: where, and what the driver's answer adds (gateways, routes, addresses and DNS decided at join). */
function joinedRecord(join: Join, info: JoinInfo, priority: number): EndpointRecord {
  const address = info.address === undefined ? join.ep.address : formatPrefix(info.address);
  const addressIPv6 = info.addressIPv6 === undefined ? join.ep.addressIPv6 : formatPrefix(info.addressIPv6);
  const own = { ...(join.ep.address === undefined ? {} : { address: join.ep.address }), ...(join.ep.addressIPv6 === undefined ? {} : { addressIPv6: join.ep.addressIPv6 }) };
  const macAddress = info.macAddress ?? join.ep.macAddress;
  return {
    ...withoutPending(join.ep), sandboxId: join.sb.id, ifname: join.ifname, disableGatewayService: info.disableGatewayService,
    staticRoutes: info.staticRoutes.map((s) => ({
      destination: formatPrefix(s.destination), type: s.type, ...(s.nextHop === undefined ? {} : { nextHop: formatIp(s.nextHop) }),
    })),
    ...(address === undefined ? {} : { address }),
    ...(addressIPv6 === undefined ? {} : { addressIPv6 }),
    ...(macAddress === undefined ? {} : { macAddress }),
    ...(info.gateway === undefined ? {} : { gateway: formatIp(info.gateway) }),
    ...(info.gatewayIPv6 === undefined ? {} : { gatewayIPv6: formatIp(info.gatewayIPv6) }),
    ...(info.extraHosts === undefined ? {} : { extraHosts: info.extraHosts.map((h) => ({ name: h.name, ip: formatIp(h.address) })) }),
    ...(priority === 0 ? {} : { priority }),
    ...(info.address === undefined && info.addressIPv6 === undefined ? {} : { addressesBeforeJoin: own }),
    ...(info.dns === undefined ? {} : { dnsServers: info.dns.servers.map(formatIp), dnsSearch: [...info.dns.search] }),
  };
}

/**
 * The driver's interface, in the sandbox under its final name (moved there if the driver made it on the
 * host), configured in one batch: IPv6 as the endpoint wants it, MAC, addresses, static routes, and the
 * default routes when the endpoint gives the sandbox its gateway.
 */
async function setUpInterface(ctx: ControllerContext, join: Join, ep: EndpointRecord, info: JoinInfo, defaultRoutes: boolean): Promise<void> {
  if (info.interface === undefined || join.ifname === "") return;
  const h = sandboxHandle(ctx, join.sb);
  if (info.interface.placement === "host") await moveInterface(ctx.handles.host(), info.interface.srcName, h, join.ifname);
  // IPv6 on exactly when an address of the endpoint needs it (an IPv6 link-local one counts).
  setInterfaceIPv6(ctx, join.sb, join.ifname, ep.addressIPv6 !== undefined || (ep.linkLocalIps ?? []).some((a) => a.includes(":")));
  ctx.ifindexes.set(ep.id, await configureInterface(h, join.ifname, interfaceConfig(ep, defaultRoutes)));
}

/** How the sandbox end of a joined endpoint is configured (also when a repair re-created it). */
export function interfaceConfig(ep: EndpointRecord, defaultRoutes: boolean): InterfaceConfig {
  const gateways = defaultRoutes ? [ep.gateway, ep.gatewayIPv6].filter((g): g is string => g !== undefined) : [];
  return {
    ...(ep.macAddress === undefined ? {} : { mac: ep.macAddress }),
    addresses: [ep.address, ep.addressIPv6, ...(ep.linkLocalIps ?? [])].filter((a): a is string => a !== undefined).map((a) => parsePrefix(a)),
    routes: ep.staticRoutes.map((r) => ({
      destination: parsePrefix(r.destination), ...(r.type === "nexthop" && r.nextHop !== undefined ? { nextHop: parseIp(r.nextHop) } : {}),
    })),
    defaultGateways: gateways.map((g) => parseIp(g)),
  };
}
