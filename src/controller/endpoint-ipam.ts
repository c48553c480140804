// An endpoint's addresses: first free (or the requested one) across the network's pools, in order.

import { forbidden, invalidArgument, unavailable } from "../errors/index.js";
import type { Ipam } from "../ipam-api/index.js";
import {
  formatPrefix, parsePrefix, prefixContainsIp, type IpAddress, type IpFamily,
} from "../types/index.js";
import type { IpamPoolInfo, NetworkRecord } from "./records.js";
import type { Rollback } from "./steps.js";

export interface EndpointAddress { readonly address: string; readonly poolId: string }

export async function allocateEndpointAddress(
  ipam: Ipam, network: NetworkRecord, family: IpFamily, preferred: IpAddress | undefined,
  options: Readonly<Record<string, string>>, rollback: Rollback,
): Promise<EndpointAddress | undefined> {
  const pools: readonly IpamPoolInfo[] = family === 4 ? network.ipam.v4Info : network.ipam.v6Info;
  if (pools.length === 0) {
    if (preferred !== undefined) throw forbidden("ERR_INVALID_ADDRESS", `network ${network.name} has no IPv${family} subnet for address ${formatPrefixOf(preferred)}`);
    return undefined;
  }
  const candidates = preferred === undefined ? pools : pools.filter((p) => prefixContainsIp(parsePrefix(p.pool), preferred));
  if (candidates.length === 0) {
    throw invalidArgument("ERR_INVALID_ADDRESS", `Invalid address ${formatPrefixOf(preferred)}: It does not belong to any of this network's subnets`);
  }
  for (const pool of candidates) {
    try {
      const grant = await ipam.requestAddress(pool.poolId, preferred, options);
      if (grant.address === undefined) return undefined;
      const a = grant.address;
      rollback.push(`release ${formatPrefix(a)}`, () => ipam.releaseAddress(pool.poolId, { family: a.family, value: a.address }));
      return { address: formatPrefix(a), poolId: pool.poolId };
    } catch (err) {
      // Only exhaustion moves on to the next pool (Docker's rule); any other refusal is final.
      if ((err as { kind?: string }).kind !== "unavailable" || preferred !== undefined) throw err;
    }
  }
  throw unavailable("ERR_NO_AVAILABLE_ADDRESS", `no available IPv${family} addresses on this network's address pools: ${network.name} (${network.id})`);
}

function formatPrefixOf(ip: IpAddress | undefined): string {
  if (ip === undefined) return "";
  return formatPrefix({ family: ip.family, address: ip.value, length: ip.family === 4 ? 32 : 128 }).replace(/\/\d+$/, "");
}

export async function releaseEndpointAddress(ipam: Ipam, poolId: string | undefined, address: string | undefined): Promise<void> {
  if (poolId === undefined || address === undefined) return;
  const p = parsePrefix(address);
  await ipam.releaseAddress(poolId, { family: p.family, value: p.address });
}
