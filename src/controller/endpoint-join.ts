// Joining an endpoint to a sandbox: the driver puts the interface into the sandbox under its final name
// (eth0, eth1 …), the controller configures addresses and routes, then the gateway and the DNS files.
// What can overlap the kernel's work on the interface does: the sandbox's files; the interface's setup,
// offered to the driver to apply with the creation (the bridge does, in the same thread-pool job); and,
// when the endpoint will likely take the sandbox's gateway, the switch of its ports (drivers that allow
// it). The guess is made on the gateways of the endpoint's address families; the switch after the join
// sets a wrong one right.

import type { InterfaceSetup, JoinResult } from "../driver-api/index.js";
import { forbidden, invalidArgument } from "../errors/index.js";
import {
  addAddressRequest, addRouteRequest, linkIndex, PLACEHOLDER_INDEX, setLinkRequest, withLinkIndex, type NetlinkRequest, type NetnsHandle,
} from "../osl/index.js";
import { formatIp, parseIp, parsePrefix, validateIfname } from "../types/index.js";
import { driverOf, lockKeys, type ControllerContext } from "./context.js";
import { syncEndpoint } from "./dns-sync.js";
import { errEndpointJoined, errEndpointNotFound, errSandboxDeleting, errSandboxNotFound } from "./errors.js";
import { becomesGateway, defaultRouteRequests, programDefaultRoutes, switchGateway } from "./gateway.js";
import type { EndpointRecord, NetworkRecord, SandboxRecord, StaticRouteRecord } from "./records.js";
import { writeSandboxFiles } from "./sandbox-files.js";
import { ipv6AsBorn, retireInterface, sandboxHandle, setInterfaceIPv6 } from "./sandbox-interface.js";
import { change } from "./state.js";
import { Rollback } from "./steps.js";

export const IFACE_PREFIX_OPTION = "com.docker.network.container_iface_prefix";
const INTERFACELESS_DRIVERS = new Set(["host", "null"]);

/** Checked when the network is created (bad input changes nothing) and again at join (older records). */
export function validateInterfacePrefix(prefix: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,9}$/.test(prefix)) {
    throw invalidArgument("ERR_INVALID_OPTION", `invalid ${IFACE_PREFIX_OPTION} ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

function interfacePrefix(network: NetworkRecord): string {
  return validateInterfacePrefix(network.options[IFACE_PREFIX_OPTION] ?? "eth");
}

export function withoutPending(ep: EndpointRecord): EndpointRecord {
  const { pending: _pending, ...rest } = ep;
  return rest;
}

export function joinedEndpoints(ctx: ControllerContext, sb: SandboxRecord): EndpointRecord[] {
  return sb.endpoints.map((r) => ctx.state.endpoint(r.endpointId)).filter((e): e is EndpointRecord => e !== undefined);
}

function checkJoin(ctx: ControllerContext, endpointId: string, sandboxId: string): { ep: EndpointRecord; sb: SandboxRecord; network: NetworkRecord } {
  const ep = ctx.state.endpoint(endpointId);
  if (ep === undefined || ep.state !== "ready") throw errEndpointNotFound(endpointId);
  const sb = ctx.state.sandbox(sandboxId);
  if (sb === undefined || sb.state === "creating") throw errSandboxNotFound(sandboxId);
  if (sb.state === "deleting") throw errSandboxDeleting(sandboxId);
  if (ep.sandboxId !== undefined || ep.pending !== undefined) throw errEndpointJoined();
  const network = ctx.state.network(ep.networkId);
  if (network === undefined) throw errEndpointNotFound(endpointId);
  if ((network.driver === "host") !== sb.hostNetns) {
    throw forbidden("ERR_HOST_NETWORK", network.driver === "host"
      ? "only a sandbox on the host's network namespace can join the host network"
      : "a sandbox on the host's network namespace can only join the host network");
  }
  return { ep, sb, network };
}

export async function joinEndpoint(ctx: ControllerContext, endpointId: string, sandboxId: string, priority = 0): Promise<EndpointRecord> {
  if (!Number.isInteger(priority)) throw invalidArgument("ERR_INVALID_PRIORITY", `invalid join priority ${String(priority)}`);
  return ctx.locks.run([lockKeys.sandbox(sandboxId), lockKeys.endpoint(endpointId)], async () => {
    const { ep, sb, network } = checkJoin(ctx, endpointId, sandboxId);
    const withInterface = !INTERFACELESS_DRIVERS.has(network.driver);
    const prefix = interfacePrefix(network);
    const n = sb.nextInterface[prefix] ?? 0;
    const ifname = withInterface ? validateIfname(`${prefix}${n}`) : "";
    const sbIntent: SandboxRecord = withInterface ? { ...sb, nextInterface: { ...sb.nextInterface, [prefix]: n + 1 } } : sb;
    const epIntent: EndpointRecord = { ...ep, pending: { op: "join", sandboxId, ifname } };
    await ctx.state.apply([change.endpoint(ep.networkId, ep.id, epIntent), change.sandbox(sb.id, sbIntent)]);
    const rollback = new Rollback();
    rollback.push("clear join intent", async () => {
      await ctx.state.putEndpoint(withoutPending(epIntent));
      syncEndpoint(ctx, withoutPending(epIntent));
    });
    try {
      ctx.fault("endpoint-join:intent");
      const driver = await driverOf(ctx, network.driver);
      const before = joinedEndpoints(ctx, sbIntent);
      const sbDone: SandboxRecord = { ...sbIntent, endpoints: [...sbIntent.endpoints, { endpointId, networkId: network.id, ifname }] };
      const provisional: EndpointRecord = joinedRecord(epIntent, sandboxId, ifname, NO_RESULT);
      const likely = likelyJoined(provisional, priority);
      // The default routes go with the interface only where the ports can go out meanwhile as well: the
      // switch after the join then starts from that guess, and sets it right if it was wrong.
      const earlySwitch = driver.capability().connectivityDuringJoin === true && becomesGateway(ctx, before, likely);
      const setup = withInterface && !sb.hostNetns && ipv6AsBorn(sbIntent, ep.addressIPv6 !== undefined) ? interfaceSetup(likely, earlySwitch) : undefined;
      // Pushed before the join: the default route may move with the interface's creation, and a switch
      // that fails half way (ports of the new gateway refused after the old one's were revoked) must still
      // give the gateway back. Revoking what was not programmed is a no-op.
      let mine = setup?.defaultRoutes === true ? likely : provisional;
      rollback.push("give the gateway back", () => switchGateway(ctx, sbIntent, [...before, mine], before));
      const joining = driver.join({
        networkId: network.id, endpointId, sandboxKey: sb.key, ifname, options: new Map(Object.entries(ep.options)), ...(setup === undefined ? {} : { setup }),
      });
      // While the kernel creates the interface (the bridge driver sends that from a thread-pool thread),
      // the sandbox's hosts/resolv.conf and DNS view: derived state (nothing in them comes from the
      // driver's answer), rewritten by the rollback if the join fails.
      rollback.push("rewrite sandbox files", () => writeSandboxFiles(ctx, sbIntent, before));
      const files = (async () => {
        await new Promise((resolve) => setImmediate(resolve)); // after the driver's request went out
        await writeSandboxFiles(ctx, sbDone, [...before, provisional]);
        // Also while the kernel works: the interface's addresses and link settings, its index filled in later.
        return withInterface && !sb.hostNetns && setup === undefined ? interfaceRequests(sandboxHandle(ctx, sbIntent), epIntent, PLACEHOLDER_INDEX) : undefined;
      })();
      // The endpoint will likely take the gateway: its ports go out while the kernel creates its interface.
      const switching = setup?.defaultRoutes === true ? switchGateway(ctx, sbDone, before, [...before, likely], true) : undefined;
      const [joinOutcome, filesOutcome, switchOutcome] = await Promise.allSettled([joining, files, switching]);
      if (joinOutcome.status === "rejected") throw joinOutcome.reason;
      rollback.push("driver leave", async () => {
        await driver.leave(network.id, endpointId);
        if (withInterface) await retireInterface(ctx, sbIntent, ctx.ifindexes.get(endpointId) ?? ifname);
        ctx.ifindexes.delete(endpointId);
      });
      if (filesOutcome.status === "rejected") throw filesOutcome.reason;
      if (switchOutcome.status === "rejected") throw switchOutcome.reason;
      const result = joinOutcome.value;
      ctx.fault("endpoint-join:driver");
      const joined: EndpointRecord = { ...joinedRecord(epIntent, sandboxId, ifname, result), ...(priority === 0 ? {} : { priority }) };
      mine = joined;
      // The default route travels with the addresses when this endpoint takes the gateway (one sendmsg):
      // added by the controller, or by the driver that applied the setup.
      const becomes = withInterface && !sb.hostNetns && becomesGateway(ctx, before, joined);
      const applied = result.setupApplied === true;
      const routesInPlace = becomes && (applied ? setup?.defaultRoutes === true : result.controllerConfiguresAddresses);
      if (withInterface) setInterfaceIPv6(ctx, sbIntent, ifname, ep.addressIPv6 !== undefined);
      if (withInterface && result.controllerConfiguresAddresses) {
        await configureInterface(sandboxHandle(ctx, sbIntent), joined, result.ifindex, routesInPlace, filesOutcome.value);
      }
      if (withInterface && result.ifindex !== undefined) ctx.ifindexes.set(endpointId, result.ifindex);
      ctx.fault("endpoint-join:configure");
      await switchGateway(ctx, sbDone, switching === undefined ? before : [...before, likely], [...before, joined], routesInPlace);
      // Switched early to this endpoint, which is the gateway indeed, but whose driver left its routes out.
      if (switching !== undefined && becomes && !routesInPlace) await programDefaultRoutes(sandboxHandle(ctx, sbIntent), joined);
      ctx.fault("endpoint-join:gateway");
      await ctx.state.apply([change.endpoint(ep.networkId, ep.id, joined), change.sandbox(sb.id, sbDone)]);
      return joined;
    } catch (err) {
      return rollback.unwind(err);
    }
  });
}

/**
 * The joined record as the driver's answer will likely make it: gateways of the endpoint's address
 * families (what the bridge answers). Whether the endpoint takes the default route, offered to the driver
 * with the setup, is decided on it; the join corrects a wrong guess.
 */
function likelyJoined(provisional: EndpointRecord, priority: number): EndpointRecord {
  return {
    ...provisional, ...(priority === 0 ? {} : { priority }),
    ...(provisional.address === undefined ? {} : { gateway: "0.0.0.0" }), ...(provisional.addressIPv6 === undefined ? {} : { gatewayIPv6: "::" }),
  };
}

/** What the controller would configure on the interface, offered to the driver to apply as it creates it. */
function interfaceSetup(ep: EndpointRecord, defaultRoutes: boolean): InterfaceSetup {
  const addresses = [ep.address, ep.addressIPv6].filter((a): a is string => a !== undefined).map((a) => parsePrefix(a));
  return { addresses, defaultRoutes };
}

/** What the files of a joining endpoint are written from before the driver answers (they need none of it). */
const NO_RESULT: JoinResult = { staticRoutes: [], disableGatewayService: false, controllerConfiguresAddresses: true };

function joinedRecord(ep: EndpointRecord, sandboxId: string, ifname: string, r: JoinResult): EndpointRecord {
  const staticRoutes: StaticRouteRecord[] = r.staticRoutes.map((s) => ({
    destination: `${formatIp({ family: s.destination.family, value: s.destination.address })}/${s.destination.length}`,
    type: s.type,
    ...(s.nextHop === undefined ? {} : { nextHop: formatIp(s.nextHop) }),
  }));
  return {
    ...withoutPending(ep), sandboxId, ifname, staticRoutes, disableGatewayService: r.disableGatewayService,
    ...(r.gateway === undefined ? {} : { gateway: formatIp(r.gateway) }),
    ...(r.gatewayIPv6 === undefined ? {} : { gatewayIPv6: formatIp(r.gatewayIPv6) }),
  };
}

/** Addresses, link up, static routes and (when it takes the gateway) default routes, in one sendmsg. */
async function configureInterface(
  h: NetnsHandle, ep: EndpointRecord, known: number | undefined, withDefaultRoutes: boolean, prepared: readonly NetlinkRequest[] | undefined,
): Promise<void> {
  const index = known ?? await linkIndex(h, ep.ifname as string);
  const requests = prepared === undefined ? await interfaceRequests(h, ep, index) : prepared.map((r) => withLinkIndex(r, index));
  for (const r of ep.staticRoutes) {
    const destination = parsePrefix(r.destination);
    requests.push(addRouteRequest(index, r.type === "connected" || r.nextHop === undefined
      ? { destination, link: index }
      : { destination, gateway: parseIp(r.nextHop), link: index }));
  }
  if (withDefaultRoutes) requests.push(...defaultRouteRequests(index, ep));
  await h.route.batchOrThrow(requests);
}

/** The interface's addresses, and the link brought up (with the endpoint's MAC), for the interface `index`. */
async function interfaceRequests(h: NetnsHandle, ep: EndpointRecord, index: number): Promise<NetlinkRequest[]> {
  const requests: NetlinkRequest[] = [];
  if (ep.address !== undefined) requests.push(addAddressRequest(index, { link: index, address: parsePrefix(ep.address) }));
  if (ep.addressIPv6 !== undefined) requests.push(addAddressRequest(index, { link: index, address: parsePrefix(ep.addressIPv6), nodad: true }));
  // The endpoint's MAC (given by the user or chosen by the driver) is what DriverInfo reports: make it true.
  requests.push(await setLinkRequest(h, index, { up: true, ...(ep.macAddress === undefined ? {} : { mac: ep.macAddress }) }));
  return requests;
}
