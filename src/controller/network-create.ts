// Creating a network: validate, record the intent, allocate IPAM pools, call the driver, mark it ready.

import type { CreateNetworkRequest, IpamData } from "../driver-api/index.js";
import { invalidArgument } from "../errors/index.js";
import { IpamDriverNames } from "../ipam-api/index.js";
import { parseIp, parsePrefix } from "../types/index.js";
import { driverOf, ipamOf, lockKeys, type ControllerContext } from "./context.js";
import { IFACE_PREFIX_OPTION, validateInterfacePrefix } from "./endpoint-join.js";
import { syncNetwork } from "./dns-sync.js";
import { errInvalidName, errIPv6NotEnabled, errNetworkExists } from "./errors.js";
import { newId } from "./ids.js";
import { allocatePools, parsePoolConfigs, type IpamConfigInput } from "./network-ipam.js";
import type { IpamPoolInfo, NetworkRecord } from "./records.js";
import { Rollback } from "./steps.js";

export interface CreateNetworkOptions {
  readonly name: string;
  readonly driver?: string;
  readonly ipam?: {
    readonly driver?: string;
    readonly config?: readonly IpamConfigInput[];
    readonly options?: Readonly<Record<string, string>>;
  };
  /** Driver options (`-o`). */
  readonly options?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly internal?: boolean;
  readonly ipv6?: boolean;
  readonly attachable?: boolean;
  /** Only for the controller's own predefined networks (host, none). */
  readonly predefined?: boolean;
}

function checkStringMap(what: string, map: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    if (k.trim() === "" || typeof v !== "string") throw invalidArgument("ERR_INVALID_OPTION", `invalid ${what} ${JSON.stringify(k)}`);
    out[k] = v;
  }
  return out;
}

function toIpamData(addressSpace: string, infos: readonly IpamPoolInfo[]): IpamData[] {
  return infos.map((i) => ({
    addressSpace,
    pool: parsePrefix(i.pool),
    ...(i.gateway === undefined ? {} : { gateway: parsePrefix(i.gateway) }),
    auxAddresses: new Map(Object.entries(i.auxAddresses).map(([k, v]) => [k, parsePrefix(v)])),
  }));
}

export function driverRequest(r: NetworkRecord, addressSpace: string): CreateNetworkRequest {
  return {
    networkId: r.id, options: new Map(Object.entries(r.options)), internal: r.internal, enableIPv6: r.ipv6,
    ipv4: toIpamData(addressSpace, r.ipam.v4Info), ipv6: toIpamData(addressSpace, r.ipam.v6Info),
  };
}

export async function createNetwork(ctx: ControllerContext, o: CreateNetworkOptions): Promise<NetworkRecord> {
  if (typeof o.name !== "string" || o.name.trim() === "") throw errInvalidName(String(o.name));
  const driverName = o.driver ?? "bridge";
  const pools = parsePoolConfigs(o.ipam?.config ?? []);
  if (o.ipv6 !== true && pools.v6.length > 0) throw errIPv6NotEnabled(o.name, pools.v6.map((p) => p.subnet ?? "").join(", "));
  const options = checkStringMap("driver option", o.options);
  const ifacePrefix = options[IFACE_PREFIX_OPTION];
  if (ifacePrefix !== undefined) validateInterfacePrefix(ifacePrefix);
  const labels = checkStringMap("label", o.labels);
  const ipamOptions = checkStringMap("IPAM option", o.ipam?.options);
  const driver = await driverOf(ctx, driverName);
  // Networks whose endpoints get no interface carry no addresses either.
  const addressless = driver.capability().noInterface === true;
  const ipamName = o.ipam?.driver ?? (addressless ? IpamDriverNames.null : IpamDriverNames.default);
  const ipam = ipamOf(ctx, ipamName);
  return ctx.locks.run([lockKeys.networkNames], async () => {
    if ([...ctx.state.networks.values()].some((n) => n.record.name === o.name)) throw errNetworkExists(o.name);
    const record: NetworkRecord = {
      id: newId(), name: o.name, driver: driverName, scope: driver.capability().dataScope, created: new Date().toISOString(),
      internal: o.internal === true, ipv6: o.ipv6 === true, attachable: o.attachable === true, predefined: o.predefined === true,
      labels, options, ipam: { driver: ipamName, options: ipamOptions, v4: pools.v4, v6: pools.v6, v4Info: [], v6Info: [] },
      state: "creating",
    };
    await ctx.state.putNetwork(record);
    const rollback = new Rollback();
    rollback.push("forget network record", () => ctx.state.applyOrDefer([{ kind: "network", id: record.id, record: undefined }]));
    try {
      ctx.fault("network-create:intent");
      const space = (await ipam.getDefaultAddressSpaces())[record.scope];
      const wantGateway = ipamName !== IpamDriverNames.null;
      const common = { ipam, addressSpace: space, options: ipamOptions, wantGateway };
      const v4Info = addressless ? [] : await allocatePools({ ...common, family: 4, configs: pools.v4 }, rollback);
      const v6Info = addressless || !record.ipv6 ? [] : await allocatePools({ ...common, family: 6, configs: pools.v6 }, rollback);
      ctx.fault("network-create:ipam");
      const allocated: NetworkRecord = { ...record, ipam: { ...record.ipam, v4Info, v6Info } };
      // Recorded before the driver runs, so a restart can hand the driver this network to roll it back.
      await ctx.state.putNetwork(allocated);
      await driver.createNetwork(driverRequest(allocated, space));
      rollback.push("driver delete network", () => driver.deleteNetwork(record.id));
      ctx.fault("network-create:driver");
      const ready: NetworkRecord = { ...allocated, state: "ready" };
      await ctx.state.putNetwork(ready);
      syncNetwork(ctx, ready);
      return ready;
    } catch (err) {
      return rollback.unwind(err);
    }
  });
}

/** Parses an IP given as a string option, with a typed error naming the option. */
export function optionalIp(what: string, text: string | undefined): ReturnType<typeof parseIp> | undefined {
  return text === undefined || text === "" ? undefined : parseIp(text, what);
}
