// Docker's default gateway service: a sandbox whose networks give it no way out (an overlay's join sets no
// gateway) gets one more leg, an anonymous endpoint on the local NAT bridge network `docker_gwbridge`,
// which gives it its default route and publishes its ports; the leg goes again once it is not needed.

import { LibnetworkError, internal } from "../errors/index.js";
import { capabilityOf, lockKeys, type ControllerContext } from "./context.js";
import { createEndpoint } from "./endpoint-create.js";
import { deleteEndpoint, deleteLocked } from "./endpoint-delete.js";
import { joinEndpoint, joinedEndpoints, joinLocked } from "./endpoint-join.js";
import { leaveEndpoint, leaveLocked } from "./endpoint-leave.js";
import { GATEWAY_SERVICE_NETWORK, gatewayServiceEndpoint, isGatewayServiceNetwork } from "./gateway-network.js";
import { createNetwork, type CreateNetworkOptions } from "./network-create.js";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./records.js";
import { Rollback } from "./steps.js";

/** Serialises making the gateway network, so that concurrent joins make it once. */
const GATEWAY_NETWORK_LOCK = "names:gateway-network";
const ENDPOINT_PREFIX = "gateway_";

/**
 * Docker's gateway network (moby's createGWNetwork): the default driver (bridge) on a device of the same
 * name, no traffic between its endpoints, masqueraded to the outside, IPv4 only, a subnet from the
 * default pools. It stays once made, like Docker's.
 */
export function gatewayNetworkOptions(): CreateNetworkOptions {
  return {
    name: GATEWAY_SERVICE_NETWORK, ipv6: false,
    options: {
      "com.docker.network.bridge.name": GATEWAY_SERVICE_NETWORK,
      "com.docker.network.bridge.enable_icc": "false",
      "com.docker.network.bridge.enable_ip_masquerade": "true",
    },
  };
}

/** Docker's name for a sandbox's gateway endpoint: its container ID when that is short, else its own ID's first 12. */
export function gatewayEndpointName(sb: SandboxRecord): string {
  return ENDPOINT_PREFIX + (sb.containerId.length <= 12 ? sb.containerId : sb.id.slice(0, 12));
}

/**
 * moby's needDefaultGW: the sandbox needs the service when one of its endpoints is on a network that
 * reaches out (not internal, an interface in the sandbox's own netns) and none of those endpoints gives a
 * default route (a gateway, a 0.0.0.0/0 route) or refuses the service (its join's disableGatewayService).
 */
export function needsGatewayService(ctx: ControllerContext, joined: readonly EndpointRecord[]): boolean {
  let need = false;
  for (const e of joined) {
    const n = ctx.state.network(e.networkId);
    if (n === undefined || n.internal || isGatewayServiceNetwork(n)) continue;
    const cap = capabilityOf(ctx, n.driver);
    if (cap.noInterface === true || cap.hostNamespace === true) continue;
    if (e.disableGatewayService || e.gateway !== undefined || e.staticRoutes.some((r) => r.destination === "0.0.0.0/0")) return false;
    need = true;
  }
  return need;
}

interface Todo { readonly add: boolean; readonly gw: EndpointRecord | undefined }

function todoFor(ctx: ControllerContext, sb: SandboxRecord | undefined): Todo | undefined {
  if (sb === undefined || sb.state !== "ready" || sb.hostNetns) return undefined;
  const gw = gatewayServiceEndpoint(ctx, sb);
  const need = needsGatewayService(ctx, joinedEndpoints(ctx, sb));
  return need === (gw !== undefined) ? undefined : { add: need, gw };
}

/**
 * Gives the sandbox its gateway leg or takes it away, as its endpoints need now: after a join, a leave,
 * a restart. Docker fails an operation when the leg cannot be made, but only warns when it cannot be
 * taken away (`removal: "best-effort"`: it then stays, behind the endpoint that gives the default route,
 * and goes at the next change). Returns what it did.
 */
export async function settleGatewayService(
  ctx: ControllerContext, sandboxId: string, removal: "required" | "best-effort" = "required",
): Promise<"added" | "removed" | undefined> {
  for (;;) {
    const todo = todoFor(ctx, ctx.state.sandbox(sandboxId));
    if (todo === undefined) return undefined;
    const keys = [lockKeys.sandbox(sandboxId), ...(todo.gw === undefined ? [] : [lockKeys.endpoint(todo.gw.id), lockKeys.network(todo.gw.networkId)])];
    const did = await ctx.locks.run(keys, async () => {
      const sb = ctx.state.sandbox(sandboxId);
      const now = todoFor(ctx, sb);
      if (sb === undefined || now === undefined) return "nothing" as const;
      if (now.gw?.id !== todo.gw?.id) return "again" as const; // it changed before its locks were held
      if (now.gw === undefined) {
        await addGatewayLeg(ctx, sb);
        return "added" as const;
      }
      try {
        await leaveLocked(ctx, now.gw.id, sb.id);
        await deleteLocked(ctx, now.gw.id);
      } catch (err) {
        if (removal === "required") throw err;
      }
      return "removed" as const;
    });
    if (did !== "again") return did === "nothing" ? undefined : did;
  }
}

/** The gateway network, made on first need. */
async function gatewayNetwork(ctx: ControllerContext): Promise<NetworkRecord> {
  const find = (): NetworkRecord | undefined =>
    [...ctx.state.networks.values()].map((n) => n.record).find((n) => isGatewayServiceNetwork(n) && n.state === "ready");
  return find() ?? ctx.locks.run([GATEWAY_NETWORK_LOCK], async () => find() ?? createNetwork(ctx, gatewayNetworkOptions()));
}

/** With the sandbox's lock held: an anonymous endpoint carrying the sandbox's ports, joined to it; nothing of it stays on failure. */
async function addGatewayLeg(ctx: ControllerContext, sb: SandboxRecord): Promise<void> {
  const network = await gatewayNetwork(ctx);
  const name = gatewayEndpointName(sb);
  // One an interrupted join or leave left unjoined (a restart removes those too).
  const stale = ctx.state.endpointsOf(network.id).find((e) => e.name === name && e.state === "ready" && e.sandboxId === undefined && e.pending === undefined);
  if (stale !== undefined) await deleteEndpoint(ctx, stale.id);
  const ep = await createEndpoint(ctx, network.id, { name, anonymous: true, disableResolution: true, portBindings: sb.portBindings ?? [] })
    .catch((err: unknown) => { throw gatewayError(sb, "create", err); });
  try {
    await ctx.locks.run([lockKeys.endpoint(ep.id)], () => joinLocked(ctx, ep.id, sb.id, 0));
  } catch (err) {
    const rollback = new Rollback();
    rollback.push("delete the gateway endpoint", () => deleteEndpoint(ctx, ep.id));
    await rollback.unwind(gatewayError(sb, "join", err));
  }
}

/** Docker's wording (default_gateway.go), the cause's kind and code kept. */
function gatewayError(sb: SandboxRecord, step: "create" | "join", err: unknown): Error {
  const why = err instanceof Error ? err.message : String(err);
  const message = `container ${sb.containerId}: endpoint ${step} on GW Network failed: ${why}`;
  return err instanceof LibnetworkError ? new LibnetworkError(err.kind, err.code, message, { cause: err }) : internal("ERR_GATEWAY_SERVICE", message, err);
}

/** A join, then the gateway leg the sandbox needs now; when that leg cannot be made, the join is undone (Docker's sbJoin). */
export async function joinWithGatewayService(ctx: ControllerContext, endpointId: string, sandboxId: string, priority: number): Promise<void> {
  await joinEndpoint(ctx, endpointId, sandboxId, priority);
  try {
    await settleGatewayService(ctx, sandboxId, "best-effort");
  } catch (err) {
    const rollback = new Rollback();
    rollback.push("leave again", () => leaveEndpoint(ctx, endpointId, sandboxId));
    await rollback.unwind(err);
  }
}

/** A leave, then the gateway leg as the endpoints that stay need it (made when the one that gave the default route left). */
export async function leaveWithGatewayService(ctx: ControllerContext, endpointId: string, sandboxId: string): Promise<void> {
  await leaveEndpoint(ctx, endpointId, sandboxId);
  await settleGatewayService(ctx, sandboxId, "best-effort");
}

/** A delete (forced: a joined endpoint leaves first), then the gateway leg of the sandbox it left. */
export async function deleteWithGatewayService(ctx: ControllerContext, endpointId: string, force: boolean): Promise<void> {
  const sandboxId = ctx.state.endpoint(endpointId)?.sandboxId;
  await deleteEndpoint(ctx, endpointId, force);
  if (sandboxId !== undefined) await settleGatewayService(ctx, sandboxId, "best-effort");
}

/**
 * At start, after the rest of the restore: gateway endpoints a crash left unjoined (between making and
 * joining one, or between its leave and its delete) are deleted, and every sandbox gets the leg it needs
 * (a crash between a join and its gateway leg).
 */
export async function restoreGatewayService(
  ctx: ControllerContext, report: { readonly finished: string[]; readonly repaired: string[]; readonly errors: unknown[] },
): Promise<void> {
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try { await fn(); } catch (err) { report.errors.push(new Error(`${what}: ${String(err)}`, { cause: err })); }
  };
  const networks = [...ctx.state.networks.values()].map((n) => n.record).filter((n) => isGatewayServiceNetwork(n) && n.state === "ready");
  for (const e of networks.flatMap((n) => ctx.state.endpointsOf(n.id))) {
    if (e.state !== "ready" || e.sandboxId !== undefined || e.pending !== undefined || !e.anonymous || !e.name.startsWith(ENDPOINT_PREFIX)) continue;
    await attempt(`remove gateway endpoint ${e.id}`, async () => {
      await deleteLocked(ctx, e.id);
      report.finished.push(`gateway endpoint ${e.name} (${e.id}) removed: its sandbox no longer had it`);
    });
  }
  for (const sb of [...ctx.state.sandboxes.values()].map((s) => s.record)) {
    await attempt(`gateway leg of sandbox ${sb.id}`, async () => {
      const did = await settleGatewayService(ctx, sb.id);
      if (did !== undefined) report.repaired.push(`sandbox ${sb.id}: gateway leg on ${GATEWAY_SERVICE_NETWORK} ${did}`);
    });
  }
}
