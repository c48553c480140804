// `dnet network create`: flags into Docker's NetworkCreateRequest (IPAM pools matched like docker's CLI).

import type { DockerIpamConfig } from "../api/dto.js";
import { parseIp, parsePrefix, prefixContains, prefixContainsIp, tryParsePrefix } from "../types/index.js";
import { UsageError, flag, keyValues, str, strs, type Command } from "./common.js";

/** Docker's consolidateIpam: every gateway, range and aux address belongs to exactly one --subnet. */
export function ipamConfigs(subnets: readonly string[], ranges: readonly string[], gateways: readonly string[], aux: Readonly<Record<string, string>>): DockerIpamConfig[] {
  const pools = subnets.map((s) => {
    const p = tryParsePrefix(s);
    if (p === undefined) throw new UsageError(`invalid subnet ${JSON.stringify(s)}`);
    return { prefix: p, cfg: { Subnet: s } as DockerIpamConfig };
  });
  const owner = (what: string, contains: (p: (typeof pools)[number]["prefix"]) => boolean, v: string): DockerIpamConfig => {
    const found = pools.filter((p) => contains(p.prefix));
    if (found.length !== 1) throw new UsageError(found.length === 0 ? `no matching subnet for ${what} ${v}` : `multiple overlapping subnets match ${what} ${v}`);
    return (found[0] as (typeof pools)[number]).cfg;
  };
  for (const r of ranges) {
    const range = tryParsePrefix(r);
    if (range === undefined) throw new UsageError(`invalid ip-range ${JSON.stringify(r)}`);
    const cfg = owner("range", (p) => prefixContains(p, range), r);
    if (cfg.IPRange !== undefined) throw new UsageError(`cannot configure multiple ranges (${r}, ${cfg.IPRange}) on the same subnet (${cfg.Subnet})`);
    cfg.IPRange = r;
  }
  for (const g of gateways) {
    const cfg = owner("gateway", (p) => safeContains(p, g), g);
    if (cfg.Gateway !== undefined) throw new UsageError(`cannot configure multiple gateways (${g}, ${cfg.Gateway}) for the same subnet (${cfg.Subnet})`);
    cfg.Gateway = g;
  }
  for (const [name, ip] of Object.entries(aux)) {
    const cfg = owner("aux-address", (p) => safeContains(p, ip), ip);
    cfg.AuxiliaryAddresses = { ...cfg.AuxiliaryAddresses, [name]: ip };
  }
  return pools.map((p) => p.cfg);
}

function safeContains(p: ReturnType<typeof parsePrefix>, ip: string): boolean {
  try { return prefixContainsIp(p, parseIp(ip)); } catch { throw new UsageError(`invalid IP address ${JSON.stringify(ip)}`); }
}

export const networkCreate: Command = async (p, ctx) => {
  const config = ipamConfigs(strs(p, "subnet"), strs(p, "ip-range"), strs(p, "gateway"), keyValues(strs(p, "aux-address"), "aux-address"));
  const res = await ctx.client().createNetwork({
    Name: p.positionals[0] as string, Driver: str(p, "driver") ?? "bridge", EnableIPv6: flag(p, "ipv6"), Internal: flag(p, "internal"),
    Attachable: flag(p, "attachable"), CheckDuplicate: true,
    IPAM: { Driver: str(p, "ipam-driver") ?? "default", Config: config, Options: keyValues(strs(p, "ipam-opt"), "ipam-opt") },
    Options: keyValues(strs(p, "opt"), "option"), Labels: keyValues(strs(p, "label"), "label", true),
  });
  ctx.out(res.Id);
  return 0;
};
