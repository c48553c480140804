// A network's address pools: parsing the user's IPAM config, allocating pools, gateways and aux
// addresses (with rollback), releasing them, and replaying them into the IPAM after a restart.

import { internal, invalidArgument, forbidden } from "../errors/index.js";
import { IpamLabels, type Ipam } from "../ipam-api/index.js";
import {
  formatIp, formatPrefix, parseIp, parsePrefix, prefixContainsIp, prefixNetwork, refuseSpecialRange, type IpFamily, type IpPrefix,
} from "../types/index.js";
import type { IpamPoolConfig, IpamPoolInfo } from "./records.js";
import type { Rollback } from "./steps.js";

export interface IpamConfigInput {
  readonly subnet?: string;
  readonly ipRange?: string;
  readonly gateway?: string;
  readonly auxAddresses?: Readonly<Record<string, string>>;
}

/** Validates one pool config and sorts it into v4/v6 by the family of its subnet (or gateway). */
export function parsePoolConfigs(input: readonly IpamConfigInput[]): { v4: IpamPoolConfig[]; v6: IpamPoolConfig[] } {
  const v4: IpamPoolConfig[] = [];
  const v6: IpamPoolConfig[] = [];
  for (const c of input) {
    const subnet = c.subnet === undefined ? undefined : parsePrefix(c.subnet, "subnet");
    // Ranges, gateways and aux addresses must lie inside the subnet, so checking it covers them.
    if (subnet !== undefined) refuseSpecialRange("subnet", subnet);
    const range = c.ipRange === undefined ? undefined : parsePrefix(c.ipRange, "ip-range");
    const gateway = c.gateway === undefined ? undefined : parseIp(c.gateway, "gateway");
    if (subnet === undefined && (range !== undefined || gateway !== undefined || Object.keys(c.auxAddresses ?? {}).length > 0)) {
      throw invalidArgument("ERR_INVALID_IPAM_CONFIG", "ip-range, gateway and aux addresses need a subnet");
    }
    if (subnet !== undefined && range !== undefined && (range.family !== subnet.family || range.length < subnet.length ||
      !prefixContainsIp(subnet, { family: range.family, value: range.address }))) {
      throw invalidArgument("ERR_INVALID_IPAM_CONFIG", `ip-range ${c.ipRange} is not inside subnet ${c.subnet}`);
    }
    if (subnet !== undefined && gateway !== undefined && !prefixContainsIp(subnet, gateway)) {
      throw invalidArgument("ERR_INVALID_GATEWAY", `no matching subnet for gateway ${c.gateway}`);
    }
    for (const [name, ip] of Object.entries(c.auxAddresses ?? {})) {
      const parsed = parseIp(ip, `aux address ${name}`);
      if (subnet !== undefined && !prefixContainsIp(subnet, parsed)) {
        throw forbidden("ERR_INVALID_AUX_ADDRESS", `auxiliary address: (${name}:${ip}) must belong to the master pool: ${c.subnet}`);
      }
    }
    const record: IpamPoolConfig = {
      ...(subnet === undefined ? {} : { subnet: formatPrefix(subnet) }),
      ...(range === undefined ? {} : { ipRange: formatPrefix(range) }),
      ...(gateway === undefined ? {} : { gateway: formatIp(gateway) }),
      auxAddresses: { ...(c.auxAddresses ?? {}) },
    };
    (subnet?.family === 6 ? v6 : v4).push(record);
  }
  return { v4, v6 };
}

export interface AllocateOptions {
  readonly ipam: Ipam;
  readonly addressSpace: string;
  readonly family: IpFamily;
  readonly configs: readonly IpamPoolConfig[];
  readonly options: Readonly<Record<string, string>>;
  /** null IPAM networks get no gateway. */
  readonly wantGateway: boolean;
}

/** Requests every pool (one automatic pool when none is configured), its gateway and aux addresses. */
export async function allocatePools(o: AllocateOptions, rollback: Rollback): Promise<IpamPoolInfo[]> {
  const configs = o.configs.length > 0 ? o.configs : [{ auxAddresses: {} }];
  const out: IpamPoolInfo[] = [];
  for (const cfg of configs) {
    const grant = await o.ipam.requestPool({
      addressSpace: o.addressSpace, v6: o.family === 6, options: o.options,
      ...(cfg.subnet === undefined ? {} : { pool: parsePrefix(cfg.subnet) }),
      ...(cfg.ipRange === undefined ? {} : { subPool: parsePrefix(cfg.ipRange) }),
    });
    rollback.push(`release pool ${grant.poolId}`, () => o.ipam.releasePool(grant.poolId));
    const gateway = o.wantGateway ? await allocateGateway(o.ipam, grant.poolId, cfg, grant.meta, rollback) : undefined;
    const aux: Record<string, string> = {};
    for (const [name, ip] of Object.entries(cfg.auxAddresses)) {
      const a = await o.ipam.requestAddress(grant.poolId, parseIp(ip));
      if (a.address !== undefined) {
        const address = a.address;
        rollback.push(`release aux ${name}`, () => o.ipam.releaseAddress(grant.poolId, { family: address.family, value: address.address }));
        aux[name] = formatPrefix(address);
      }
    }
    out.push({ poolId: grant.poolId, pool: formatPrefix(prefixNetwork(grant.pool)), ...(gateway === undefined ? {} : { gateway }), auxAddresses: aux });
  }
  return out;
}

async function allocateGateway(ipam: Ipam, poolId: string, cfg: IpamPoolConfig, meta: Readonly<Record<string, string>>, rollback: Rollback): Promise<string | undefined> {
  const chosen = meta[IpamLabels.gateway];
  if (cfg.gateway === undefined && chosen !== undefined) return chosen; // the IPAM picked one itself
  try {
    const preferred = cfg.gateway === undefined ? undefined : parseIp(cfg.gateway);
    const g = await ipam.requestAddress(poolId, preferred, { [IpamLabels.requestAddressType]: IpamLabels.gateway });
    if (g.address === undefined) return undefined;
    const address: IpPrefix = g.address;
    rollback.push("release gateway", () => ipam.releaseAddress(poolId, { family: address.family, value: address.address }));
    return formatPrefix(address);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const wrapped = internal("ERR_GATEWAY_ALLOCATION", `failed to allocate gateway (${cfg.gateway ?? ""}): ${why}`, err);
    throw Object.assign(wrapped, { kind: (err as { kind?: string }).kind ?? "internal" });
  }
}

/** Gives back everything `allocatePools` took: addresses first, then pools (Docker's order). */
export async function releasePools(ipam: Ipam, infos: readonly IpamPoolInfo[]): Promise<void> {
  for (const info of infos) {
    const addrs = [info.gateway, ...Object.values(info.auxAddresses)].filter((a): a is string => a !== undefined);
    for (const a of addrs) {
      const p = parsePrefix(a);
      await ipam.releaseAddress(info.poolId, { family: p.family, value: p.address });
    }
    await ipam.releasePool(info.poolId);
  }
}

/** After a restart: asks the IPAM for exactly the pools, gateways and aux addresses on record. */
export async function replayPools(ipam: Ipam, addressSpace: string, family: IpFamily, configs: readonly IpamPoolConfig[], infos: readonly IpamPoolInfo[], options: Readonly<Record<string, string>>): Promise<IpamPoolInfo[]> {
  const out: IpamPoolInfo[] = [];
  for (const [i, info] of infos.entries()) {
    const cfg = configs[i];
    const grant = await ipam.requestPool({
      addressSpace, v6: family === 6, options, pool: parsePrefix(info.pool),
      ...(cfg?.ipRange === undefined ? {} : { subPool: parsePrefix(cfg.ipRange) }),
    });
    for (const a of [info.gateway, ...Object.values(info.auxAddresses)]) {
      if (a !== undefined) await ipam.requestAddress(grant.poolId, { family: parsePrefix(a).family, value: parsePrefix(a).address });
    }
    out.push({ ...info, poolId: grant.poolId });
  }
  return out;
}
