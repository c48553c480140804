// `dnet sandbox ls`: SANDBOX ID, NAME, NETWORKS, ADDRESSES; -q, --format json (the full objects) or a
// docker-style template on each row ({{.ID}} {{.Name}} {{.Networks}} {{.Addresses}} {{.Ports}} {{.CreatedAt}}).

import type { SandboxDto } from "../api/dto.js";
import { flag, json, naturalCompare, shortId, str, table, type Command } from "./common.js";
import { portLabel } from "../api/topology-model.js";

const networks = (s: SandboxDto): string => s.Endpoints.map((e) => e.NetworkName).join(",");
const addresses = (s: SandboxDto): string => s.Endpoints.flatMap((e) => [e.IPv4Address, e.IPv6Address]).filter((a) => a !== "").join(",");

export const sandboxLs: Command = async (p, ctx) => {
  const format = str(p, "format");
  const quiet = flag(p, "quiet");
  const sbs = (await ctx.client().listSandboxes()).sort((a, b) => naturalCompare(a.Name, b.Name));
  const id = (x: string): string => (flag(p, "no-trunc") ? x : shortId(x));
  if (format === "json" && !quiet) ctx.out(json(sbs));
  else if ((format === undefined || format === "table") && quiet) ctx.write(sbs.map((s) => `${id(s.Id)}\n`).join(""));
  else if (format === undefined || format === "table") ctx.out(table(["SANDBOX ID", "NAME", "NETWORKS", "ADDRESSES"], sbs.map((s) => [id(s.Id), s.Name, networks(s), addresses(s)])));
  else {
    // The template engine, loaded only for a template.
    const [{ SANDBOX_LIST, formatList }, { RowContext, goTime }] = await Promise.all([import("./format.js"), import("./template/values.js")]);
    const rows = sbs.map((s) => new RowContext("*sandbox.sandboxContext", {
      ID: id(s.Id), Name: s.Name, Networks: networks(s), Addresses: addresses(s),
      Ports: s.Endpoints.flatMap((e) => e.PortBindings.map(portLabel)).join(", "), CreatedAt: goTime(s.Created).string,
    }));
    ctx.write(formatList(format, quiet, rows, SANDBOX_LIST));
  }
  return 0;
};
