// `dnet port add SANDBOX [HOSTIP:][HOSTPORT[-END]:]PORT[-END][/PROTO]`: publishes one more port of a running
// sandbox (Docker can only recreate the container) and prints where, a line per family, as `dnet port` does.

import type { PortBindingDto } from "../api/dto.js";
import type { Command } from "./common.js";
import { hostAddress } from "./port.js";
import { parsePublish } from "./publish.js";

/** `80/tcp -> 0.0.0.0:8080`; a range in one line: `9000-9099/tcp -> 0.0.0.0:9000-9099`. */
export function publishedLine(b: PortBindingDto): string {
  const range = (lo: number, hi: number | undefined): string => (hi === undefined || hi === lo ? `${lo}` : `${lo}-${hi}`);
  return `${range(b.Port, b.PortEnd)}/${b.Proto} -> ${hostAddress(b.HostIP ?? "", range(b.HostPort ?? 0, b.HostPortEnd))}`;
}

export const portAdd: Command = async (p, ctx) => {
  const [ref = "", spec = ""] = p.positionals;
  const res = await ctx.client().addSandboxPort(ref, parsePublish(spec));
  for (const b of res.PortBindings) ctx.out(publishedLine(b));
  return 0;
};
