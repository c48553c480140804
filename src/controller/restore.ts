// Start-up reconciliation: finish or roll back operations a crash interrupted, replay IPAM from the
// records (the allocator keeps no state of its own), and re-check every sandbox against the kernel.

import { isRestorable, type RestoreEndpoint } from "../driver-api/index.js";
import { deleteLink, findLink, setLink } from "../osl/index.js";
import { ipOf, parsePrefix, prefixContainsIp } from "../types/index.js";
import { driverOf, ipamOf, type ControllerContext } from "./context.js";
import { endpointDriverRequest } from "./endpoint-create.js";
import { finishEndpointDelete } from "./endpoint-delete.js";
import { joinEndpoint, joinedEndpoints, withoutPending } from "./endpoint-join.js";
import { sandboxHandle } from "./sandbox-interface.js";
import { candidates, driverPortBinding, gatewayEndpoint, programDefaultRoutes, sandboxPortBindings, withAddedPorts } from "./gateway.js";
import { finishLeave, leftRecord } from "./endpoint-leave.js";
import { restoreGatewayService } from "./gateway-service.js";
import { driverRequest } from "./network-create.js";
import { finishNetworkDelete } from "./network-delete.js";
import { replayPools } from "./network-ipam.js";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./records.js";
import { removeSandboxFiles, writeSandboxFiles } from "./sandbox-files.js";
import { finishSandboxDelete } from "./sandbox-delete.js";
import { removeSandboxUts, syncSandboxUts } from "./sandbox-uts.js";
import { bestEffort } from "./steps.js";
import { attachResolver, syncEndpoint, syncNetwork } from "./dns-sync.js";
import { repairDrivers, type RepairNotice } from "./link-repair.js";
import { reclaimNetns } from "./reclaim.js";

export interface RestoreReport {
  readonly rolledBack: string[];
  readonly finished: string[];
  readonly repaired: string[];
  readonly errors: unknown[];
  /** The drivers' repairs (a bridge or veth deleted while nothing ran), also listed in `repaired`/`errors`. */
  readonly repairs: RepairNotice[];
  /**
   * Kernel objects of dnet's making that no record names (a lost or emptied database), removed: only
   * for a controller that owns its namespace alone (`reclaimUnrecorded`).
   */
  readonly reclaimed: string[];
}

export async function restore(ctx: ControllerContext): Promise<RestoreReport> {
  const report: RestoreReport = { rolledBack: [], finished: [], repaired: [], errors: [], repairs: [], reclaimed: [] };
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try { await fn(); } catch (err) { report.errors.push(new Error(`${what}: ${String(err)}`, { cause: err })); }
  };
  for (const sb of records(ctx.state.sandboxes)) {
    if (sb.state === "creating") await attempt(`roll back sandbox ${sb.id}`, () => rollBackSandbox(ctx, sb, report));
  }
  for (const n of records(ctx.state.networks)) {
    if (n.state === "ready") await attempt(`replay network ${n.id}`, () => replayNetwork(ctx, n));
  }
  // Drivers learn their networks and endpoints first (Docker's order): a stateful driver asked to delete
  // or leave something it does not know would leave its bridge, rules or veths behind.
  await attempt("driver restore", () => restoreDrivers(ctx));
  // The resolver starts empty: give it every network and endpoint name (sandboxes follow with their files).
  for (const n of records(ctx.state.networks)) if (n.state === "ready") syncNetwork(ctx, n);
  for (const e of records(ctx.state.endpoints)) syncEndpoint(ctx, e);
  for (const n of records(ctx.state.networks)) {
    if (n.state !== "ready") await attempt(`network ${n.id}`, () => settleNetwork(ctx, n, report));
  }
  for (const e of records(ctx.state.endpoints)) await attempt(`endpoint ${e.id}`, () => settleEndpoint(ctx, e, report));
  for (const sb of records(ctx.state.sandboxes)) {
    if (sb.state === "deleting") await attempt(`finish sandbox delete ${sb.id}`, async () => { await finishSandboxDelete(ctx, sb); report.finished.push(`sandbox-delete ${sb.id}`); });
    else if (sb.state === "ready" && !sb.hostNetns && !ctx.netns.exists(sb.name)) await attempt(`recreate sandbox ${sb.id}`, () => recreateSandbox(ctx, sb, report));
  }
  // The files are written without fsync (they are derived state): regenerate them from the records.
  for (const sb of records(ctx.state.sandboxes)) {
    if (sb.state === "ready" && !sb.hostNetns && ctx.netns.exists(sb.name)) {
      await attempt(`rewrite files of sandbox ${sb.id}`, async () => {
        syncSandboxUts(ctx, sb); // a reboot took the UTS namespace along with the netns
        await attachResolver(ctx, sb);
        await writeSandboxFiles(ctx, sb, joinedEndpoints(ctx, sb));
      });
    }
  }
  await restoreGatewayService(ctx, report);
  // Last, once every record is settled: what the drivers' objects lack now is real damage (a bridge
  // deleted while nothing ran leaves its veths detached), not an operation the restart is finishing.
  if (ctx.reclaimUnrecorded) await attempt("reclaim netns files", async () => { report.reclaimed.push(...await reclaimNetns(ctx)); });
  await attempt("repair", async () => {
    const outcome = await repairDrivers(ctx);
    report.reclaimed.push(...outcome.reclaimed);
    for (const n of outcome.notices) {
      report.repairs.push(n);
      if (n.failed) report.errors.push(new Error(`repair of ${n.endpointId === undefined ? `network ${n.networkId}` : `endpoint ${n.endpointId}`}: ${n.message}`));
      else report.repaired.push(n.message);
    }
  });
  return report;
}

function records<T>(map: ReadonlyMap<string, { record: T }>): T[] {
  return [...map.values()].map((v) => v.record);
}

async function rollBackSandbox(ctx: ControllerContext, sb: SandboxRecord, report: RestoreReport): Promise<void> {
  await bestEffort([
    ["release handle", () => ctx.handles.release(sb.key)],
    ["delete netns", () => { if (!sb.hostNetns && ctx.netns.exists(sb.name)) ctx.netns.delete(sb.name); }],
    ["delete UTS namespace", () => removeSandboxUts(ctx, sb)],
    ["remove files", () => removeSandboxFiles(ctx, sb)],
  ]);
  await ctx.state.apply([{ kind: "sandbox", id: sb.id, record: undefined }]);
  report.rolledBack.push(`sandbox-create ${sb.id}`);
}

async function replayNetwork(ctx: ControllerContext, n: NetworkRecord): Promise<void> {
  const ipam = await ipamOf(ctx, n.ipam.driver);
  if (!(await ipam.capabilities()).requiresRequestReplay) return; // it kept its state itself (a plugin)
  const space = (await ipam.getDefaultAddressSpaces())[n.scope];
  const v4Info = await replayPools(ipam, space, 4, n.ipam.v4, n.ipam.v4Info, n.ipam.options);
  const v6Info = await replayPools(ipam, space, 6, n.ipam.v6, n.ipam.v6Info, n.ipam.options);
  const changed = JSON.stringify([v4Info, v6Info]) !== JSON.stringify([n.ipam.v4Info, n.ipam.v6Info]);
  if (changed) await ctx.state.putNetwork({ ...n, ipam: { ...n.ipam, v4Info, v6Info } });
}

async function settleNetwork(ctx: ControllerContext, n: NetworkRecord, report: RestoreReport): Promise<void> {
  if (n.state === "deleting") {
    await finishNetworkDelete(ctx, n, false);
    report.finished.push(`network-delete ${n.id}`);
    return;
  }
  // "creating": the IPAM never saw it (nothing is replayed); undo whatever the driver did.
  await bestEffort([["driver delete network", async () => (await driverOf(ctx, n.driver)).deleteNetwork(n.id)]]).catch(() => {});
  await ctx.state.apply([{ kind: "network", id: n.id, record: undefined }]);
  report.rolledBack.push(`network-create ${n.id}`);
}

async function settleEndpoint(ctx: ControllerContext, e: EndpointRecord, report: RestoreReport): Promise<void> {
  const network = ctx.state.network(e.networkId);
  if (e.state === "deleting" || network === undefined) {
    await finishEndpointDelete(ctx, e, false);
    report.finished.push(`endpoint-delete ${e.id}`);
    return;
  }
  if (e.state === "creating") {
    await (await driverOf(ctx, network.driver)).deleteEndpoint(network.id, e.id).catch(() => {});
    await ctx.state.apply([{ kind: "endpoint", id: e.id, networkId: e.networkId, record: undefined }]);
    report.rolledBack.push(`endpoint-create ${e.id}`);
    return;
  }
  const replayed = await replayEndpointAddresses(ctx, network, e);
  const sb = e.pending === undefined ? undefined : ctx.state.sandbox(e.pending.sandboxId);
  if (e.pending?.op === "leave" && sb !== undefined) {
    await finishLeave(ctx, replayed, sb);
    report.finished.push(`endpoint-leave ${e.id}`);
  } else if (e.pending !== undefined) {
    await rollBackJoin(ctx, network, replayed, sb);
    report.rolledBack.push(`endpoint-join ${e.id}`);
  } else if (replayed !== e) {
    await ctx.state.putEndpoint(replayed);
  }
}

async function replayEndpointAddresses(ctx: ControllerContext, n: NetworkRecord, e: EndpointRecord): Promise<EndpointRecord> {
  const ipam = await ipamOf(ctx, n.ipam.driver);
  if (!(await ipam.capabilities()).requiresRequestReplay) return e;
  const poolOf = (address: string, infos: NetworkRecord["ipam"]["v4Info"]): string | undefined =>
    infos.find((i) => prefixContainsIp(parsePrefix(i.pool), ipOf(parsePrefix(address))))?.poolId;
  let out = e;
  for (const [address, infos, key] of [[e.address, n.ipam.v4Info, "v4PoolId"], [e.addressIPv6, n.ipam.v6Info, "v6PoolId"]] as const) {
    if (address === undefined) continue;
    const poolId = poolOf(address, infos) ?? (key === "v4PoolId" ? e.v4PoolId : e.v6PoolId);
    if (poolId === undefined) continue;
    const p = parsePrefix(address);
    await ipam.requestAddress(poolId, { family: p.family, value: p.address });
    if (poolId !== out[key]) out = { ...out, [key]: poolId };
  }
  return out;
}

async function rollBackJoin(ctx: ControllerContext, n: NetworkRecord, e: EndpointRecord, sb: SandboxRecord | undefined): Promise<void> {
  const driver = await driverOf(ctx, n.driver);
  await driver.leave(n.id, e.id).catch(() => {});
  if (sb !== undefined && !sb.hostNetns && e.pending !== undefined && e.pending.ifname !== "" && ctx.netns.exists(sb.name)) {
    const h = sandboxHandle(ctx, sb);
    if ((await findLink(h, e.pending.ifname)) !== undefined) await deleteLink(h, e.pending.ifname);
  }
  if (sb !== undefined && sb.state === "ready" && (sb.hostNetns || ctx.netns.exists(sb.name))) {
    // The join may have moved the default route to the interface just deleted (which took the route
    // along): route through the gateway of the endpoints that stay again (their external connectivity
    // came back with the drivers' restore), and drop the endpoint from the hosts file again.
    const stay = joinedEndpoints(ctx, sb);
    const gw = gatewayEndpoint(candidates(ctx, stay));
    if (gw !== undefined && !sb.hostNetns) await programDefaultRoutes(sandboxHandle(ctx, sb), gw.endpoint);
    await writeSandboxFiles(ctx, sb, stay);
  }
  await ctx.state.putEndpoint(withoutPending(e));
}

/** Every network the driver may have state for: ready, being deleted, or being created with its pools recorded. */
function knownToDriver(n: NetworkRecord): boolean {
  return n.state !== "creating" || n.ipam.v4Info.length + n.ipam.v6Info.length > 0;
}

async function restoreDrivers(ctx: ControllerContext): Promise<void> {
  const networks = records(ctx.state.networks).filter(knownToDriver);
  // Reclaiming: every registered driver hears that it has nothing else, even without a network of its own.
  const names = [...networks.map((n) => n.driver), ...(ctx.reclaimUnrecorded ? ctx.drivers.names() : [])];
  for (const name of new Set(names)) {
    // A plugin that is not there now must not keep the other drivers from their restore: it is looked for again on first use.
    const driver = await driverOf(ctx, name).catch(() => undefined);
    if (driver === undefined || !isRestorable(driver)) continue;
    const mine = networks.filter((n) => n.driver === name);
    const requests = [];
    for (const n of mine) {
      const ipam = await ipamOf(ctx, n.ipam.driver);
      requests.push(driverRequest(n, (await ipam.getDefaultAddressSpaces())[n.scope], (await ipam.capabilities()).dhcp === true));
    }
    const endpoints = records(ctx.state.endpoints).filter((e) => mine.some((n) => n.id === e.networkId) && e.state === "ready");
    await driver.restore({ networks: requests, endpoints: endpoints.map((e) => restoreEndpoint(ctx, e)) });
  }
}

function restoreEndpoint(ctx: ControllerContext, e: EndpointRecord): RestoreEndpoint {
  const sb = e.sandboxId === undefined ? undefined : ctx.state.sandbox(e.sandboxId);
  const joined = sb === undefined ? [] : joinedEndpoints(ctx, sb);
  const gw = gatewayEndpoint(candidates(ctx, joined));
  return {
    ...endpointDriverRequest(e),
    ...(sb === undefined ? {} : { sandboxKey: sb.key, externalPortBindings: sandboxPortBindings(withAddedPorts(ctx, sb), joined).map(driverPortBinding) }),
    ...(sb === undefined || sb.hostname === "" ? {} : { hostname: sb.hostname }),
    ...(e.ifname === undefined ? {} : { ifname: e.ifname }),
    externalConnectivity: gw !== undefined && gw.endpoint.id === e.id && !gw.network.internal,
  };
}

/** The netns vanished (a reboot, someone ran `ip netns del`): make a new one and join the endpoints again. */
async function recreateSandbox(ctx: ControllerContext, sb: SandboxRecord, report: RestoreReport): Promise<void> {
  const endpointIds = sb.endpoints.map((r) => r.endpointId);
  let current: SandboxRecord = { ...sb, endpoints: [], nextInterface: {} };
  for (const id of endpointIds) {
    const e = ctx.state.endpoint(id);
    if (e === undefined) continue;
    const n = ctx.state.network(e.networkId);
    if (n !== undefined) await (await driverOf(ctx, n.driver)).leave(n.id, e.id).catch(() => {});
    await ctx.state.putEndpoint(leftRecord(e));
  }
  ctx.handles.release(sb.key);
  if (sb.external) {
    await ctx.state.putSandbox(current);
    report.repaired.push(`sandbox ${sb.id}: adopted netns is gone, endpoints detached`);
    return;
  }
  ctx.netns.create(sb.name);
  await setLink(ctx.handles.get(sb.key), "lo", { up: true });
  await ctx.state.putSandbox(current);
  await writeSandboxFiles(ctx, current, []);
  for (const id of endpointIds) {
    if (ctx.state.endpoint(id) !== undefined) await joinEndpoint(ctx, id, sb.id);
  }
  current = ctx.state.sandbox(sb.id) ?? current;
  report.repaired.push(`sandbox ${sb.id}: netns recreated, ${current.endpoints.length} endpoint(s) joined again`);
}
