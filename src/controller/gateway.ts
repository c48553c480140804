// Which of a sandbox's endpoints provides its default route (and its published ports), per Docker's rules.

import { hasExternalConnectivity } from "../driver-api/index.js";
import { LibnetworkError, internal } from "../errors/index.js";
import { addRoute, type NetnsHandle } from "../osl/index.js";
import { parseIp } from "../types/index.js";
import { driverOf, type ControllerContext } from "./context.js";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./records.js";

interface Candidate { readonly endpoint: EndpointRecord; readonly network: NetworkRecord }

/**
 * Docker's endpoint order in a sandbox (endpoint.Less): higher join priority first, non-internal before internal, then endpoints
 * with more gateways (IPv4 = 1, IPv6 = 2) first, then network name ascending.
 */
export function orderEndpoints(cands: readonly Candidate[]): Candidate[] {
  const score = (e: EndpointRecord): number => (e.gateway === undefined ? 0 : 1) + (e.gatewayIPv6 === undefined ? 0 : 2);
  return [...cands].sort((a, b) => {
    const p = (b.endpoint.priority ?? 0) - (a.endpoint.priority ?? 0);
    if (p !== 0) return p;
    if (a.network.internal !== b.network.internal) return a.network.internal ? 1 : -1;
    const s = score(b.endpoint) - score(a.endpoint);
    if (s !== 0) return s;
    return a.network.name < b.network.name ? -1 : a.network.name > b.network.name ? 1 : 0;
  });
}

/** The endpoint whose network gives the sandbox its default route (its driver answered a gateway), or undefined. */
export function gatewayEndpoint(cands: readonly Candidate[]): Candidate | undefined {
  return orderEndpoints(cands).find((c) => c.endpoint.gateway !== undefined);
}

export function candidates(ctx: ControllerContext, endpoints: readonly EndpointRecord[]): Candidate[] {
  const out: Candidate[] = [];
  for (const endpoint of endpoints) {
    const network = ctx.state.network(endpoint.networkId);
    if (network !== undefined) out.push({ endpoint, network });
  }
  return out;
}

export async function programDefaultRoutes(h: NetnsHandle, e: EndpointRecord): Promise<void> {
  if (e.ifname === undefined) return;
  if (e.gateway !== undefined) {
    await addRoute(h, { family: 4, gateway: parseIp(e.gateway), link: e.ifname, replace: true });
  }
  if (e.gatewayIPv6 !== undefined) {
    await addRoute(h, { family: 6, gateway: parseIp(e.gatewayIPv6), link: e.ifname, replace: true });
  }
}

/** True when `e`, joining a sandbox that has `before`, becomes its gateway endpoint. */
export function becomesGateway(ctx: ControllerContext, before: readonly EndpointRecord[], e: EndpointRecord): boolean {
  return gatewayEndpoint(candidates(ctx, [...before, e]))?.endpoint.id === e.id;
}

/**
 * Moves the sandbox's default route and external connectivity from the gateway endpoint among `before`
 * to the one among `after` (both are the sandbox's joined endpoints, before and after the change).
 * `routesInPlace`: the new gateway's default routes were already added with its interface (a join configures them with it).
 */
export async function switchGateway(
  ctx: ControllerContext, sb: SandboxRecord, before: readonly EndpointRecord[], after: readonly EndpointRecord[],
  routesInPlace = false,
): Promise<void> {
  const oldGw = gatewayEndpoint(candidates(ctx, before));
  const newGw = gatewayEndpoint(candidates(ctx, after));
  if (oldGw?.endpoint.id === newGw?.endpoint.id) return;
  if (oldGw !== undefined && !oldGw.network.internal) {
    const driver = await driverOf(ctx, oldGw.network.driver);
    if (hasExternalConnectivity(driver)) await driver.revokeExternalConnectivity(oldGw.network.id, oldGw.endpoint.id);
  }
  if (newGw === undefined) return;
  if (!sb.hostNetns && !routesInPlace) await programDefaultRoutes(ctx.handles.get(sb.key), newGw.endpoint);
  if (!newGw.network.internal) {
    const driver = await driverOf(ctx, newGw.network.driver);
    if (hasExternalConnectivity(driver)) {
      const ep = newGw.endpoint;
      await driver.programExternalConnectivity(newGw.network.id, ep.id).catch((err: unknown) => {
        // Docker's wording (sandbox.go), e.g. "…: Bind for 0.0.0.0:8080 failed: port is already allocated".
        const why = err instanceof Error ? err.message : String(err);
        const message = `driver failed programming external connectivity on endpoint ${ep.name} (${ep.id}): ${why}`;
        throw err instanceof LibnetworkError ? new LibnetworkError(err.kind, err.code, message, { cause: err }) : internal("ERR_EXTERNAL_CONNECTIVITY", message, err);
      });
    }
  }
}
