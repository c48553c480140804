// Which of a sandbox's endpoints provides its default route (and its published ports), per Docker's rules.

import { hasExternalConnectivity, type PortBinding } from "../driver-api/index.js";
import { LibnetworkError, internal } from "../errors/index.js";
import { addRoute, type NetnsHandle } from "../osl/index.js";
import { parseIp } from "../types/index.js";
import { driverOf, type ControllerContext } from "./context.js";
import type { EndpointRecord, NetworkRecord, PortBindingRecord, SandboxRecord } from "./records.js";

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

export function driverPortBinding(b: PortBindingRecord): PortBinding {
  return {
    proto: b.proto, port: b.port, hostPort: b.hostPort, hostPortEnd: b.hostPortEnd,
    ...(b.hostIp === undefined ? {} : { hostIp: parseIp(b.hostIp) }),
  };
}

/**
 * What the sandbox publishes, on its gateway endpoint: its own port bindings (Docker's container ports),
 * then those given with each joined endpoint (the library's per-endpoint bindings), each once.
 */
export function sandboxPortBindings(sb: SandboxRecord, joined: ReadonlyArray<Pick<EndpointRecord, "portBindings">>): PortBindingRecord[] {
  const seen = new Set<string>();
  const out: PortBindingRecord[] = [];
  for (const b of [...(sb.portBindings ?? []), ...joined.flatMap((e) => e.portBindings)]) {
    const key = JSON.stringify([b.proto, b.port, b.hostIp ?? "", b.hostPort, b.hostPortEnd]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(b);
  }
  return out;
}

/**
 * Moves the sandbox's default route and external connectivity from the gateway endpoint among `before`
 * to the one among `after` (both are the sandbox's joined endpoints, before and after the change), and
 * publishes the sandbox's ports there again when they changed with the endpoints. Docker programs a
 * sandbox's ports on its gateway endpoint: they follow it, for both families, on every change.
 * `routesInPlace`: the new gateway's default routes were already added with its interface (a join configures them with it).
 * `publishing: "best-effort"` (a leave, which must complete): ports the new gateway cannot publish (a
 * host port taken meanwhile, an IPv6 host address on an IPv4-only network) stay unpublished, as inspect
 * then shows, instead of failing the leave.
 */
export async function switchGateway(
  ctx: ControllerContext, sb: SandboxRecord, before: readonly EndpointRecord[], after: readonly EndpointRecord[],
  routesInPlace = false, publishing: "required" | "best-effort" = "required",
): Promise<void> {
  const oldGw = gatewayEndpoint(candidates(ctx, before));
  const newGw = gatewayEndpoint(candidates(ctx, after));
  const ports = sandboxPortBindings(sb, after);
  const samePorts = JSON.stringify(sandboxPortBindings(sb, before)) === JSON.stringify(ports);
  if (oldGw?.endpoint.id === newGw?.endpoint.id && samePorts) return;
  if (oldGw !== undefined && !oldGw.network.internal) {
    const driver = await driverOf(ctx, oldGw.network.driver);
    if (hasExternalConnectivity(driver)) await driver.revokeExternalConnectivity(oldGw.network.id, oldGw.endpoint.id);
  }
  if (newGw === undefined) return;
  if (!sb.hostNetns && !routesInPlace && oldGw?.endpoint.id !== newGw.endpoint.id) await programDefaultRoutes(ctx.handles.get(sb.key), newGw.endpoint);
  if (newGw.network.internal) return;
  await programPorts(ctx, newGw, ports).catch((err: unknown) => {
    if (publishing === "required") throw err;
  });
}

async function programPorts(ctx: ControllerContext, gw: Candidate, ports: readonly PortBindingRecord[]): Promise<void> {
  const driver = await driverOf(ctx, gw.network.driver);
  if (!hasExternalConnectivity(driver)) return;
  const ep = gw.endpoint;
  await driver.programExternalConnectivity(gw.network.id, ep.id, { portBindings: ports.map(driverPortBinding) }).catch((err: unknown) => {
    // Docker's wording (sandbox.go), e.g. "…: Bind for 0.0.0.0:8080 failed: port is already allocated".
    const why = err instanceof Error ? err.message : String(err);
    const message = `driver failed programming external connectivity on endpoint ${ep.name} (${ep.id}): ${why}`;
    throw err instanceof LibnetworkError ? new LibnetworkError(err.kind, err.code, message, { cause: err }) : internal("ERR_EXTERNAL_CONNECTIVITY", message, err);
  });
}
