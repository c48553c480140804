// Creating a network: validate, record the intent, allocate IPAM pools, call the driver, mark it ready.

import type { CreateNetworkRequest, IpamData, NetworkDriver } from "../driver-api/index.js";
import { forbidden, invalidArgument } from "../errors/index.js";
import { IpamDriverNames, type IpamCapabilities } from "../ipam-api/index.js";
import { parseIp, parsePrefix } from "../types/index.js";
import { claimGlobalNetwork, publishGlobalNetwork } from "./cluster-hooks.js";
import { driverOf, ipamOf, lockKeys, type ControllerContext } from "./context.js";
import { IFACE_PREFIX_OPTION, validateInterfacePrefix } from "./endpoint-join.js";
import { syncNetwork } from "./dns-sync.js";
import { errInvalidName, errNetworkExists } from "./errors.js";
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
  /** Only for the controller's own predefined networks (host, none, bridge). */
  readonly predefined?: boolean;
  /**
   * Refuse a name another network has (default). false: create it anyway, as Docker does for a request
   * with CheckDuplicate false up to API 1.43; looking it up by name is then ambiguous.
   */
  readonly checkDuplicate?: boolean;
}

const DEFAULT_BRIDGE_OPTION = "com.docker.network.bridge.default_bridge";

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

/** `dhcp`: the network's IPAM leaves addressing to DHCP at join (its `dhcp` capability). */
export function driverRequest(r: NetworkRecord, addressSpace: string, dhcp: boolean): CreateNetworkRequest {
  return {
    networkId: r.id, options: new Map(Object.entries(r.options)), internal: r.internal, enableIPv6: r.ipv6,
    ipv4: toIpamData(addressSpace, r.ipam.v4Info), ipv6: toIpamData(addressSpace, r.ipam.v6Info),
    ...(dhcp ? { dhcp: { options: new Map(Object.entries(r.ipam.options)) } } : {}),
  };
}

/** An IPAM that leaves addresses to DHCP needs a driver that can run it (capabilities, not names). */
function checkDhcp(driverName: string, driver: NetworkDriver, ipamName: string, caps: IpamCapabilities): boolean {
  if (caps.dhcp !== true) return false;
  if (driver.capability().dhcp !== true) {
    throw invalidArgument("ERR_IPAM_DRIVER_UNSUPPORTED",
      `the ${driverName} driver cannot use the ${ipamName} IPAM driver: its addresses come from a DHCP server at connect, and this driver cannot lease them`);
  }
  return true;
}

export async function createNetwork(ctx: ControllerContext, o: CreateNetworkOptions): Promise<NetworkRecord> {
  if (typeof o.name !== "string" || o.name.trim() === "") throw errInvalidName(String(o.name));
  const driverName = o.driver ?? "bridge";
  const pools = parsePoolConfigs(o.ipam?.config ?? []);
  const options = checkStringMap("driver option", o.options);
  const ifacePrefix = options[IFACE_PREFIX_OPTION];
  if (ifacePrefix !== undefined) validateInterfacePrefix(ifacePrefix);
  const labels = checkStringMap("label", o.labels);
  if (o.predefined !== true && ["1", "t", "T", "true", "TRUE", "True"].includes(options[DEFAULT_BRIDGE_OPTION] ?? "")) {
    throw forbidden("ERR_DEFAULT_BRIDGE", `${DEFAULT_BRIDGE_OPTION} is reserved for the predefined bridge network`);
  }
  const ipamOptions = checkStringMap("IPAM option", o.ipam?.options);
  const driver = await driverOf(ctx, driverName);
  // Networks whose endpoints get no interface carry no addresses either.
  const addressless = driver.capability().noInterface === true;
  const ipamName = o.ipam?.driver ?? (addressless ? IpamDriverNames.null : IpamDriverNames.default);
  const ipam = await ipamOf(ctx, ipamName);
  const dhcp = checkDhcp(driverName, driver, ipamName, await ipam.capabilities());
  return ctx.locks.run([lockKeys.networkNames], async () => {
    const taken = [...ctx.state.networks.values()].some((n) => n.record.name === o.name);
    if (taken && (o.checkDuplicate !== false || o.predefined === true)) throw errNetworkExists(o.name);
    const record: NetworkRecord = {
      id: newId(), name: o.name, driver: driverName, scope: driver.capability().dataScope, created: new Date().toISOString(),
      internal: o.internal === true, ipv6: o.ipv6 === true, attachable: o.attachable === true, predefined: o.predefined === true,
      labels, options, ipam: {
        driver: ipamName, options: ipamOptions, v4: pools.v4, v6: pools.v6, v4Info: [], v6Info: [],
        ...(o.ipam?.options === undefined ? { noOptions: true as const } : {}),
      },
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
      const allocated = await claimGlobalNetwork(ctx, { ...record, ipam: { ...record.ipam, v4Info, v6Info } }, rollback, { ipam, addressSpace: space });
      // Recorded before the driver runs, so a restart can hand the driver this network to roll it back.
      await ctx.state.putNetwork(allocated);
      await driver.createNetwork(driverRequest(allocated, space, dhcp));
      rollback.push("driver delete network", () => driver.deleteNetwork(record.id));
      ctx.fault("network-create:driver");
      const ready: NetworkRecord = { ...allocated, state: "ready" };
      await publishGlobalNetwork(ctx, ready);
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
