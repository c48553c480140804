// Creating an endpoint: a name unique in its network, its addresses from IPAM, the driver's part.

import type { CreateEndpointRequest, NetworkDriver } from "../driver-api/index.js";
import { IpamLabels, type Ipam } from "../ipam-api/index.js";
import { parseIp, parsePrefix, randomMac } from "../types/index.js";
import { driverOf, ipamOf, lockKeys, type ControllerContext } from "./context.js";
import { syncEndpoint } from "./dns-sync.js";
import { errEndpointExists, errInvalidName, errNetworkNotFound } from "./errors.js";
import { driverPortBinding } from "./gateway.js";
import { allocateGlobalAddress, publishGlobalEndpoint } from "./cluster-hooks.js";
import {
  parseAliases, parseEndpointMac, parseLinkLocalIps, parseLinks, parsePortBindings, type CreateEndpointOptions,
} from "./endpoint-options.js";
import { newId } from "./ids.js";
import type { EndpointRecord, NetworkRecord } from "./records.js";
import { Rollback } from "./steps.js";

export function endpointDriverRequest(e: EndpointRecord): CreateEndpointRequest {
  return {
    networkId: e.networkId, endpointId: e.id,
    iface: {
      ...(e.address === undefined ? {} : { address: parsePrefix(e.address) }),
      ...(e.addressIPv6 === undefined ? {} : { addressIPv6: parsePrefix(e.addressIPv6) }),
      ...(e.macAddress === undefined ? {} : { macAddress: e.macAddress }),
    },
    portBindings: e.portBindings.map(driverPortBinding),
    options: new Map(Object.entries(e.options)),
  };
}

export async function createEndpoint(ctx: ControllerContext, networkId: string, o: CreateEndpointOptions): Promise<EndpointRecord> {
  if (typeof o.name !== "string" || o.name.trim() === "") throw errInvalidName(String(o.name));
  const portBindings = parsePortBindings(o.portBindings);
  const aliases = parseAliases(o.aliases);
  const macAddress = parseEndpointMac(o.macAddress);
  const ip4 = o.ip === undefined || o.ip === "" ? undefined : parseIp(o.ip, "IPv4 address");
  const ip6 = o.ip6 === undefined || o.ip6 === "" ? undefined : parseIp(o.ip6, "IPv6 address");
  const options = { ...(o.options ?? {}) };
  const links = parseLinks(o.links);
  const linkLocalIps = parseLinkLocalIps(o.linkLocalIps);
  return ctx.locks.run([lockKeys.network(networkId)], async () => {
    const network = ctx.state.network(networkId);
    if (network === undefined || network.state !== "ready") throw errNetworkNotFound(networkId);
    if (ctx.state.hasEndpointNamed(networkId, o.name)) throw errEndpointExists(o.name, network.name);
    const driver = await driverOf(ctx, network.driver);
    const ipam = await ipamOf(ctx, network.ipam.driver);
    const capabilities = await ipam.capabilities();
    // An IPAM that needs the MAC (a plugin) gets one made up here when none was given, as Docker does.
    const mac = macAddress ?? (capabilities.requiresMacAddress ? randomMac() : undefined);
    const record: EndpointRecord = {
      id: newId(), name: o.name, networkId, created: new Date().toISOString(), portBindings, aliases, options,
      anonymous: o.anonymous === true, staticRoutes: [], disableGatewayService: false, state: "creating",
      ...(mac === undefined ? {} : { macAddress: mac }),
      ...(o.disableResolution === true ? { disableResolution: true as const } : {}),
      ...(links.length === 0 ? {} : { links }), ...(linkLocalIps.length === 0 ? {} : { linkLocalIps }),
    };
    // The "creating" record is what a restart undoes a half-made endpoint from. An IPAM that the restart
    // rebuilds from the recorded endpoints needs none: an address taken by a crashed creation is free
    // again. A driver keeps no kernel object for an endpoint before its join, and drops what it knows of
    // unrecorded endpoints when it is restored (the contract's createEndpoint).
    const recordFirst = !capabilities.requiresRequestReplay;
    if (recordFirst) await ctx.state.putEndpoint(record);
    return allocateAndCreate(ctx, network, { driver, ipam, record, recordFirst }, ip4, ip6);
  });
}

interface Creation {
  readonly driver: NetworkDriver;
  readonly ipam: Ipam;
  readonly record: EndpointRecord;
  /** The record in state "creating" was written before anything was allocated. */
  readonly recordFirst: boolean;
}

async function allocateAndCreate(
  ctx: ControllerContext, network: NetworkRecord, { driver, ipam, record, recordFirst }: Creation,
  ip4: ReturnType<typeof parseIp> | undefined, ip6: ReturnType<typeof parseIp> | undefined,
): Promise<EndpointRecord> {
  const rollback = new Rollback();
  if (recordFirst) {
    rollback.push("forget endpoint record", () => ctx.state.applyOrDefer([{ kind: "endpoint", id: record.id, networkId: record.networkId, record: undefined }]));
  }
  try {
    ctx.fault("endpoint-create:intent");
    const ipamOptions = { ...network.ipam.options, ...(record.macAddress === undefined ? {} : { [IpamLabels.macAddress]: record.macAddress }) };
    const v4 = await allocateGlobalAddress(ctx, record.id, ipam, network, 4, ip4, ipamOptions, rollback);
    // A requested IPv6 address on a network without IPv6 is refused there (no IPv6 pool), not silently dropped.
    const v6 = network.ipv6 || ip6 !== undefined ? await allocateGlobalAddress(ctx, record.id, ipam, network, 6, ip6, ipamOptions, rollback) : undefined;
    ctx.fault("endpoint-create:ipam");
    let allocated: EndpointRecord = {
      ...record,
      ...(v4 === undefined ? {} : { address: v4.address, v4PoolId: v4.poolId }),
      ...(v6 === undefined ? {} : { addressIPv6: v6.address, v6PoolId: v6.poolId }),
    };
    const result = await driver.createEndpoint(endpointDriverRequest(allocated));
    rollback.push("driver delete endpoint", () => driver.deleteEndpoint(network.id, record.id));
    if (result.iface?.macAddress !== undefined && allocated.macAddress === undefined) {
      allocated = { ...allocated, macAddress: result.iface.macAddress };
    }
    ctx.fault("endpoint-create:driver");
    const ready: EndpointRecord = { ...allocated, state: "ready" };
    await publishGlobalEndpoint(ctx, network, ready, rollback);
    await ctx.state.putEndpoint(ready);
    syncEndpoint(ctx, ready);
    return ready;
  } catch (err) {
    return rollback.unwind(err);
  }
}
