// Deleting a network: refused while it has endpoints; IPAM released before the driver is called (Docker's order).

import { releaseGlobalNetwork } from "./cluster-hooks.js";
import { driverOf, ipamOf, lockKeys, type ControllerContext } from "./context.js";
import { forgetNetwork } from "./dns-sync.js";
import { errActiveEndpoints, errNetworkNotFound, errPredefinedNetwork } from "./errors.js";
import { releasePools } from "./network-ipam.js";
import type { NetworkRecord } from "./records.js";

export async function deleteNetwork(ctx: ControllerContext, id: string): Promise<void> {
  await ctx.locks.run([lockKeys.networkNames, lockKeys.network(id)], async () => {
    const record = ctx.state.network(id);
    if (record === undefined || record.state === "creating") throw errNetworkNotFound(id);
    if (record.predefined) throw errPredefinedNetwork(record.name);
    if (ctx.state.endpointsOf(id).length > 0) throw errActiveEndpoints(record.name, id);
    await releaseGlobalNetwork(ctx, record);
    await ctx.state.putNetwork({ ...record, state: "deleting" });
    ctx.fault("network-delete:intent");
    await finishNetworkDelete(ctx, record, true);
  });
}

/** The part after the intent is recorded; also how a restart finishes an interrupted delete. */
export async function finishNetworkDelete(ctx: ControllerContext, record: NetworkRecord, releaseIpam: boolean): Promise<void> {
  if (releaseIpam) {
    const ipam = await ipamOf(ctx, record.ipam.driver);
    await releasePools(ipam, [...record.ipam.v4Info, ...record.ipam.v6Info]);
  }
  ctx.fault("network-delete:ipam");
  const driver = await driverOf(ctx, record.driver);
  await driver.deleteNetwork(record.id);
  ctx.fault("network-delete:driver");
  await ctx.state.apply([{ kind: "network", id: record.id, record: undefined }]);
  forgetNetwork(ctx, record.id);
}
