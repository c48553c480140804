// `dnet sandbox ls [-q] [--format json]`.

import { flag, formatOption, json, naturalCompare, parse, shortId, table, UsageError, type Command } from "./common.js";

const USAGE = "dnet sandbox ls [-q] [--no-trunc] [--format table|json]";

export const sandboxLs: Command = async (args, ctx) => {
  const p = parse(args, { quiet: { type: "boolean", short: "q" }, format: { type: "string" }, "no-trunc": { type: "boolean" } }, USAGE);
  if (p.positionals.length > 0) throw new UsageError(`"dnet sandbox ls" accepts no arguments (usage: ${USAGE})`);
  const format = formatOption(p);
  const sbs = (await ctx.client().listSandboxes()).sort((a, b) => naturalCompare(a.Name, b.Name));
  const id = (x: string): string => (flag(p, "no-trunc") ? x : shortId(x));
  if (flag(p, "quiet")) {
    if (sbs.length > 0) ctx.out(sbs.map((s) => id(s.Id)).join("\n"));
  } else if (format === "json") ctx.out(json(sbs));
  else {
    ctx.out(table(["SANDBOX ID", "NAME", "NETWORKS", "ADDRESSES"], sbs.map((s) => [
      id(s.Id), s.Name, s.Endpoints.map((e) => e.NetworkName).join(","),
      s.Endpoints.flatMap((e) => [e.IPv4Address, e.IPv6Address]).filter((a) => a !== "").join(","),
    ])));
  }
  return 0;
};
