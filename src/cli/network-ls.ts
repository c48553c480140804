// `dnet network ls`: NETWORK ID, NAME, DRIVER, SCOPE (as docker prints them), or -q / --format json.

import type { FilterArgs } from "../api/dto.js";
import { flag, formatOption, json, naturalCompare, parse, shortId, strs, table, UsageError, type Command } from "./common.js";

const USAGE = "dnet network ls [-q] [-f|--filter KEY=VALUE]... [--no-trunc] [--format table|json]";

export const networkLs: Command = async (args, ctx) => {
  const p = parse(args, {
    quiet: { type: "boolean", short: "q" }, filter: { type: "string", short: "f", multiple: true },
    format: { type: "string" }, "no-trunc": { type: "boolean" },
  }, USAGE);
  if (p.positionals.length > 0) throw new UsageError(`"dnet network ls" accepts no arguments (usage: ${USAGE})`);
  const format = formatOption(p);
  const filters: FilterArgs = {};
  for (const f of strs(p, "filter")) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value): ${f}`);
    (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  const nets = (await ctx.client().listNetworks(Object.keys(filters).length === 0 ? undefined : filters)).sort((a, b) => naturalCompare(a.Name, b.Name));
  const id = (x: string): string => (flag(p, "no-trunc") ? x : shortId(x));
  if (flag(p, "quiet")) {
    if (nets.length > 0) ctx.out(nets.map((n) => id(n.Id)).join("\n"));
  } else if (format === "json") ctx.out(json(nets));
  else ctx.out(table(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], nets.map((n) => [id(n.Id), n.Name, n.Driver, n.Scope])));
  return 0;
};
