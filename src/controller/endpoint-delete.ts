// Deleting an endpoint: refused while joined unless forced (then it leaves first); its IPs are released.

import { releaseGlobalEndpoint } from "./cluster-hooks.js";
import { driverOf, ipamOf, lockKeys, type ControllerContext } from "./context.js";
import { forgetEndpoint } from "./dns-sync.js";
import { errEndpointActive, errEndpointNotFound, errSandboxNotFound } from "./errors.js";
import { releaseEndpointAddress } from "./endpoint-ipam.js";
import { leaveLocked } from "./endpoint-leave.js";
import type { EndpointRecord } from "./records.js";

export async function deleteEndpoint(ctx: ControllerContext, endpointId: string, force = false): Promise<void> {
  const current = ctx.state.endpoint(endpointId);
  if (current === undefined || current.state === "creating") throw errEndpointNotFound(endpointId);
  const keys = [lockKeys.network(current.networkId), lockKeys.endpoint(endpointId)];
  if (current.sandboxId !== undefined) keys.push(lockKeys.sandbox(current.sandboxId));
  await ctx.locks.run(keys, async () => {
    const ep = ctx.state.endpoint(endpointId);
    if (ep === undefined || ep.state === "creating") throw errEndpointNotFound(endpointId);
    // A delete that failed half way (recorded "deleting") is finished, not started again.
    if (ep.state === "deleting") { await finishEndpointDelete(ctx, ep, true); return; }
    if (ep.sandboxId !== undefined) {
      if (!force) throw errEndpointActive(ep.name, ep.id);
      if (ep.sandboxId !== current.sandboxId) throw errSandboxNotFound(ep.sandboxId); // joined elsewhere meanwhile
      await leaveLocked(ctx, ep.id, ep.sandboxId);
    }
    await deleteLocked(ctx, ep.id);
  });
}

/** Delete with the locks held and the endpoint not joined. */
export async function deleteLocked(ctx: ControllerContext, endpointId: string): Promise<void> {
  const ep = ctx.state.endpoint(endpointId);
  if (ep === undefined) throw errEndpointNotFound(endpointId);
  const intent: EndpointRecord = { ...ep, state: "deleting" };
  await ctx.state.putEndpoint(intent);
  ctx.fault("endpoint-delete:intent");
  await finishEndpointDelete(ctx, intent, true);
}

/** Everything after the intent; also how a restart, or a retry after a failed write, finishes an interrupted delete. */
export async function finishEndpointDelete(ctx: ControllerContext, ep: EndpointRecord, releaseIps: boolean): Promise<void> {
  const network = ctx.state.network(ep.networkId);
  const released = `endpoint:${ep.id}`;
  if (network !== undefined) {
    const driver = await driverOf(ctx, network.driver);
    await driver.deleteEndpoint(network.id, ep.id);
    ctx.fault("endpoint-delete:driver");
    if (releaseIps && !ctx.released.has(released)) {
      const ipam = await ipamOf(ctx, network.ipam.driver);
      await releaseEndpointAddress(ipam, ep.v4PoolId, ep.address);
      await releaseEndpointAddress(ipam, ep.v6PoolId, ep.addressIPv6);
      ctx.released.add(released);
    }
    await releaseGlobalEndpoint(ctx, network, ep);
  }
  await ctx.state.apply([{ kind: "endpoint", id: ep.id, networkId: ep.networkId, record: undefined }]);
  ctx.released.delete(released);
  forgetEndpoint(ctx, ep);
}
