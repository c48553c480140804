// Renaming an endpoint (Docker renames a container's endpoints): a new name unique in its network, and
// the resolver answers to the new name at once.

import { lockKeys, type ControllerContext } from "./context.js";
import { syncEndpoint } from "./dns-sync.js";
import { errEndpointExists, errEndpointNotFound, errInvalidName } from "./errors.js";

export async function renameEndpoint(ctx: ControllerContext, endpointId: string, name: string): Promise<void> {
  if (typeof name !== "string" || name.trim() === "") throw errInvalidName(String(name));
  const current = ctx.state.endpoint(endpointId);
  if (current === undefined || current.state !== "ready") throw errEndpointNotFound(endpointId);
  await ctx.locks.run([lockKeys.network(current.networkId), lockKeys.endpoint(endpointId)], async () => {
    const ep = ctx.state.endpoint(endpointId);
    if (ep === undefined || ep.state !== "ready") throw errEndpointNotFound(endpointId);
    if (ep.name === name) return;
    const network = ctx.state.network(ep.networkId);
    if (ctx.state.hasEndpointNamed(ep.networkId, name)) throw errEndpointExists(name, network?.name ?? ep.networkId);
    const renamed = { ...ep, name };
    await ctx.state.putEndpoint(renamed);
    syncEndpoint(ctx, renamed);
  });
}
