// `dnet port rm SANDBOX [HOSTIP:][HOSTPORT[-END]:]PORT[-END][/PROTO]`: unpublishes a running sandbox's
// bindings of that container port (those of that host address and port only, when given) and ends their
// connections; prints each binding removed, in `-p` form.

import type { PortBindingDto } from "../api/dto.js";
import type { Command } from "./common.js";
import { parsePublish } from "./publish.js";

/** A binding as `-p` takes it: `8080:80/tcp`, `127.0.0.1:9000-9001:9000-9001/udp`, `80/tcp` (a dynamic port). */
export function publishSpec(b: PortBindingDto): string {
  const range = (lo: number, hi: number | undefined): string => (hi === undefined || hi === lo ? `${lo}` : `${lo}-${hi}`);
  const ip = b.HostIP === undefined || b.HostIP === "" ? "" : b.HostIP.includes(":") ? `[${b.HostIP}]:` : `${b.HostIP}:`;
  const host = b.HostPort === undefined || b.HostPort === 0 ? (ip === "" ? "" : `${ip}:`) : `${ip}${range(b.HostPort, b.HostPortEnd)}:`;
  return `${host}${range(b.Port, b.PortEnd)}/${b.Proto}`;
}

export const portRm: Command = async (p, ctx) => {
  const [ref = "", spec = ""] = p.positionals;
  const res = await ctx.client().removeSandboxPort(ref, parsePublish(spec));
  for (const b of res.PortBindings) ctx.out(publishSpec(b));
  return 0;
};
