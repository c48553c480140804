// `dnet network ls`: NETWORK ID, NAME, DRIVER, SCOPE (as docker prints them), -q, --format json (the full
// objects, one JSON array) or a docker-style template (`table {{.Name}}\t{{.Driver}}`, `{{json .}}`). The
// template engine is loaded only for a template: a plain `ls` stays a small process.

import type { FilterArgs } from "../api/dto.js";
import { flag, json, naturalCompare, shortId, str, strs, table, UsageError, type Command } from "./common.js";

export const networkLs: Command = async (p, ctx) => {
  const filters: FilterArgs = {};
  for (const f of strs(p, "filter")) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value): ${f}`);
    (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  const format = str(p, "format");
  const quiet = flag(p, "quiet");
  const nets = (await ctx.client().listNetworks(Object.keys(filters).length === 0 ? undefined : filters)).sort((a, b) => naturalCompare(a.Name, b.Name));
  const id = (x: string): string => (flag(p, "no-trunc") ? x : shortId(x));
  if (format === "json" && !quiet) ctx.out(json(nets));
  else if ((format === undefined || format === "table") && quiet) ctx.write(nets.map((n) => `${id(n.Id)}\n`).join(""));
  else if (format === undefined || format === "table") ctx.out(table(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], nets.map((n) => [id(n.Id), n.Name, n.Driver, n.Scope])));
  else {
    const { NETWORK_LIST, formatList, networkRow } = await import("./format.js");
    ctx.write(formatList(format, quiet, nets.map((n) => networkRow(n, !flag(p, "no-trunc"))), NETWORK_LIST));
  }
  return 0;
};
