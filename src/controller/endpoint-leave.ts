// Leaving a sandbox: the driver removes its interface; the IPs stay with the endpoint until it is deleted.

import { capabilityOf, driverOf, lockKeys, type ControllerContext } from "./context.js";
import { syncEndpoint } from "./dns-sync.js";
import { errEndpointNotFound, errNotJoined, errSandboxNotFound, errWrongSandbox } from "./errors.js";
import { switchGateway } from "./gateway.js";
import { joinedEndpoints, withoutPending } from "./endpoint-join.js";
import { retireInterface } from "./sandbox-interface.js";
import type { EndpointRecord, SandboxRecord } from "./records.js";
import { writeSandboxFiles } from "./sandbox-files.js";
import { change } from "./state.js";

export async function leaveEndpoint(ctx: ControllerContext, endpointId: string, sandboxId: string): Promise<void> {
  await ctx.locks.run([lockKeys.sandbox(sandboxId), lockKeys.endpoint(endpointId)], () => leaveLocked(ctx, endpointId, sandboxId));
}

/** Leave with the sandbox and endpoint locks already held (endpoint and sandbox deletion use it). */
export async function leaveLocked(ctx: ControllerContext, endpointId: string, sandboxId: string): Promise<void> {
  const ep = ctx.state.endpoint(endpointId);
  if (ep === undefined) throw errEndpointNotFound(endpointId);
  const sb = ctx.state.sandbox(sandboxId);
  if (sb === undefined) throw errSandboxNotFound(sandboxId);
  if (ep.sandboxId === undefined) throw errNotJoined();
  if (ep.sandboxId !== sandboxId) throw errWrongSandbox(ep.sandboxId, sandboxId);
  const intent: EndpointRecord = { ...ep, pending: { op: "leave", sandboxId, ifname: ep.ifname ?? "" } };
  await ctx.state.putEndpoint(intent);
  ctx.fault("endpoint-leave:intent");
  await finishLeave(ctx, intent, sb);
}

/**
 * Everything after the intent; also how a restart finishes an interrupted leave. Best effort throughout.
 * `thenDelete` (sandbox deletion) records the endpoint as "deleting" in the same write that records the
 * leave, so a crash before its deletion still deletes it on restart instead of leaving it behind.
 */
export async function finishLeave(ctx: ControllerContext, ep: EndpointRecord, sb: SandboxRecord, thenDelete = false): Promise<void> {
  const before = joinedEndpoints(ctx, sb);
  const after = before.filter((e) => e.id !== ep.id);
  // A sandbox being deleted keeps referring to the endpoint until the endpoint is deleted too (a retry finds it).
  const sbDone: SandboxRecord = thenDelete ? sb : { ...sb, endpoints: sb.endpoints.filter((r) => r.endpointId !== ep.id) };
  const network = ctx.state.network(ep.networkId);
  // The gateway moves first, so published ports are revoked before the interface goes away. The new
  // gateway publishes them if it can: a leave is never refused for it.
  await switchGateway(ctx, sbDone, before, after, false, "best-effort");
  if (network !== undefined) {
    const driver = await driverOf(ctx, network.driver);
    await driver.leave(network.id, ep.id);
  }
  ctx.fault("endpoint-leave:driver");
  await removeLeftoverInterface(ctx, sb, ep, network !== undefined && capabilityOf(ctx, network.driver).retiresInterface === true);
  await writeSandboxFiles(ctx, sbDone, after);
  const left: EndpointRecord = { ...leftRecord(ep), ...(thenDelete ? { state: "deleting" as const } : {}) };
  await ctx.state.apply([change.endpoint(ep.networkId, ep.id, left), change.sandbox(sb.id, sbDone)]);
  syncEndpoint(ctx, left); // its names no longer include the sandbox's
}

/**
 * The endpoint as a leave leaves it: nothing of the join, and its own addresses back where the join had
 * replaced them (a DHCP lease, released by the driver's leave).
 */
export function leftRecord(ep: EndpointRecord): EndpointRecord {
  const {
    sandboxId: _s, ifname: _i, gateway: _g, gatewayIPv6: _g6, priority: _p, extraHosts: _h, dnsServers: _d, dnsSearch: _ds,
    addressesBeforeJoin: before, address, addressIPv6, ...rest
  } = withoutPending(ep);
  const own = before ?? { ...(address === undefined ? {} : { address }), ...(addressIPv6 === undefined ? {} : { addressIPv6 }) };
  return { ...rest, ...own, staticRoutes: [], disableGatewayService: false };
}

/**
 * Drivers may destroy the interface later, off the request path (deleting a link costs ~17 ms inside the
 * sendmsg call, which would stall the whole process). Until then it must carry no traffic and leave the
 * sandbox's view: down, and renamed out of the way (its name is free for the next join at once, and `eth1` must
 * not linger in `ip link`). One message.
 */
async function removeLeftoverInterface(ctx: ControllerContext, sb: SandboxRecord, ep: EndpointRecord, retiredByDriver: boolean): Promise<void> {
  const ifname = ep.pending?.ifname ?? ep.ifname;
  const index = ctx.ifindexes.get(ep.id);
  ctx.ifindexes.delete(ep.id);
  if (ifname === undefined || ifname === "" || sb.state === "deleting" || retiredByDriver) return;
  await retireInterface(ctx, sb, index ?? ifname);
}
