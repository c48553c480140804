// Which network and endpoints are Docker's default gateway service (`docker_gwbridge`): read-only questions
// the gateway choice, the sandbox files and the endpoint views ask (gateway-service.ts makes and removes them).

import type { ControllerContext } from "./context.js";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./records.js";

/** Docker's name, kept so that `docker network create … docker_gwbridge` beforehand chooses its subnet, as with Docker. */
export const GATEWAY_SERVICE_NETWORK = "docker_gwbridge";

/** Docker's gateway endpoints are recognised by their network's name (moby's endpointInGWNetwork). */
export function isGatewayServiceNetwork(n: Pick<NetworkRecord, "name"> | undefined): boolean {
  return n?.name === GATEWAY_SERVICE_NETWORK;
}

export function onGatewayServiceNetwork(ctx: ControllerContext, e: Pick<EndpointRecord, "networkId">): boolean {
  return isGatewayServiceNetwork(ctx.state.network(e.networkId));
}

/** The sandbox's joined endpoint on the gateway network, if it has one. */
export function gatewayServiceEndpoint(ctx: ControllerContext, sb: SandboxRecord): EndpointRecord | undefined {
  for (const ref of sb.endpoints) {
    const e = ctx.state.endpoint(ref.endpointId);
    if (e !== undefined && onGatewayServiceNetwork(ctx, e)) return e;
  }
  return undefined;
}

/**
 * The endpoint whose operational data (published ports) `e` reports: the gateway endpoint of `e`'s sandbox
 * when `e` is a real endpoint of a sandbox that has one (Docker's Endpoint.DriverInfo), else `e` itself.
 */
export function operationalEndpoint(ctx: ControllerContext, e: EndpointRecord): EndpointRecord {
  const sb = e.sandboxId === undefined ? undefined : ctx.state.sandbox(e.sandboxId);
  const gw = sb === undefined ? undefined : gatewayServiceEndpoint(ctx, sb);
  return gw ?? e;
}
