// `dnet network ls`: NETWORK ID, NAME, DRIVER, SCOPE (as docker prints them), -q, --format json (the full
// objects, one JSON array) or a docker-style template (`table {{.Name}}\t{{.Driver}}`, `{{json .}}`).

import type { FilterArgs } from "../api/dto.js";
import { flag, json, naturalCompare, str, strs, UsageError, type Command } from "./common.js";
import { NETWORK_LIST, formatList, networkRow } from "./format.js";

export const networkLs: Command = async (p, ctx) => {
  const filters: FilterArgs = {};
  for (const f of strs(p, "filter")) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value): ${f}`);
    (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  const format = str(p, "format");
  const nets = (await ctx.client().listNetworks(Object.keys(filters).length === 0 ? undefined : filters)).sort((a, b) => naturalCompare(a.Name, b.Name));
  if (format === "json" && !flag(p, "quiet")) {
    ctx.out(json(nets));
    return 0;
  }
  ctx.write(formatList(format, flag(p, "quiet"), nets.map((n) => networkRow(n, !flag(p, "no-trunc"))), NETWORK_LIST));
  return 0;
};
