// Deleting a network: refused while it has endpoints; IPAM released before the driver is called (Docker's order).

import { releaseGlobalNetwork } from "./cluster-hooks.js";
import { driverOf, ipamOf, lockKeys, type ControllerContext } from "./context.js";
import { finishEndpointDelete } from "./endpoint-delete.js";
import { forgetNetwork } from "./dns-sync.js";
import { errActiveEndpoints, errNetworkNotFound, errPredefinedNetwork } from "./errors.js";
import { releasePools } from "./network-ipam.js";
import type { NetworkRecord } from "./records.js";

export async function deleteNetwork(ctx: ControllerContext, id: string): Promise<void> {
  await ctx.locks.run([lockKeys.networkNames, lockKeys.network(id)], async () => {
    const record = ctx.state.network(id);
    if (record === undefined || record.state === "creating") throw errNetworkNotFound(id);
    if (record.predefined) throw errPredefinedNetwork(record.name);
    // Endpoints whose delete failed half way are going anyway: finished first (their intent is recorded).
    for (const e of ctx.state.endpointsOf(id)) if (e.state === "deleting") await finishEndpointDelete(ctx, e, true);
    if (ctx.state.endpointsOf(id).length > 0) throw errActiveEndpoints(record.name, id);
    // A delete that failed half way (recorded "deleting") is finished, not started again.
    if (record.state !== "deleting") {
      await releaseGlobalNetwork(ctx, record);
      await ctx.state.putNetwork({ ...record, state: "deleting" });
      ctx.fault("network-delete:intent");
    }
    await finishNetworkDelete(ctx, record, true);
  });
}

/**
 * The part after the intent is recorded; also how a restart, or a retry after a failed write, finishes
 * an interrupted delete. Every step may run again.
 */
export async function finishNetworkDelete(ctx: ControllerContext, record: NetworkRecord, releaseIpam: boolean): Promise<void> {
  const released = `network:${record.id}`;
  if (releaseIpam && !ctx.released.has(released)) {
    const ipam = await ipamOf(ctx, record.ipam.driver);
    await releasePools(ipam, [...record.ipam.v4Info, ...record.ipam.v6Info]);
    ctx.released.add(released);
  }
  ctx.fault("network-delete:ipam");
  const driver = await driverOf(ctx, record.driver);
  await driver.deleteNetwork(record.id);
  ctx.fault("network-delete:driver");
  await ctx.state.apply([{ kind: "network", id: record.id, record: undefined }]);
  ctx.released.delete(released);
  forgetNetwork(ctx, record.id);
}
