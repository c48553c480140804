// `dnet sandbox ls`: SANDBOX ID, NAME, NETWORKS, ADDRESSES; -q, --format json (the full objects) or a
// docker-style template on each row ({{.ID}} {{.Name}} {{.Networks}} {{.Addresses}} {{.Ports}} {{.CreatedAt}}).

import type { SandboxDto } from "../api/dto.js";
import { flag, json, naturalCompare, str, type Command } from "./common.js";
import { SANDBOX_LIST, formatList } from "./format.js";
import { RowContext, goTime } from "./template/values.js";
import { portLabel } from "./topology-model.js";

function sandboxRow(s: SandboxDto, trunc: boolean): RowContext {
  return new RowContext("*sandbox.sandboxContext", {
    ID: trunc ? s.Id.slice(0, 12) : s.Id, Name: s.Name,
    Networks: s.Endpoints.map((e) => e.NetworkName).join(","),
    Addresses: s.Endpoints.flatMap((e) => [e.IPv4Address, e.IPv6Address]).filter((a) => a !== "").join(","),
    Ports: s.Endpoints.flatMap((e) => e.PortBindings.map(portLabel)).join(", "),
    CreatedAt: goTime(s.Created).string,
  });
}

export const sandboxLs: Command = async (p, ctx) => {
  const format = str(p, "format");
  const sbs = (await ctx.client().listSandboxes()).sort((a, b) => naturalCompare(a.Name, b.Name));
  if (format === "json" && !flag(p, "quiet")) {
    ctx.out(json(sbs));
    return 0;
  }
  ctx.write(formatList(format, flag(p, "quiet"), sbs.map((s) => sandboxRow(s, !flag(p, "no-trunc"))), SANDBOX_LIST));
  return 0;
};
