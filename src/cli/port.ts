// `dnet port SANDBOX [PORT[/PROTO]]`: where a sandbox's ports are published now, as `docker port` prints
// it (`80/tcp -> 0.0.0.0:8080`; with a port, just its host addresses). Ports asked for but not published
// (no gateway endpoint that can serve them) are left out, as docker does.

import { notFound } from "../errors/index.js";
import { UsageError, type Command } from "./common.js";

/** "80" → "80/tcp"; "53/udp" stays. */
function portKey(spec: string): string {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(spec);
  if (m === null || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new UsageError(`invalid port ${JSON.stringify(spec)}: use PORT[/tcp|udp|sctp]`);
  return `${m[1]}/${m[2] ?? "tcp"}`;
}

/** `0.0.0.0:8080`, `[::]:8080`. */
function hostAddress(ip: string, port: string): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export const port: Command = async (p, ctx) => {
  const [ref, spec] = p.positionals as [string, string | undefined];
  const wanted = spec === undefined ? undefined : portKey(spec);
  const sb = await ctx.client().inspectSandbox(ref);
  const keys = Object.keys(sb.Ports).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b));
  const lines: string[] = [];
  for (const key of keys) {
    if (wanted !== undefined && key !== wanted) continue;
    for (const h of sb.Ports[key] ?? []) lines.push(wanted === undefined ? `${key} -> ${hostAddress(h.HostIp, h.HostPort)}` : hostAddress(h.HostIp, h.HostPort));
  }
  if (wanted !== undefined && lines.length === 0) throw notFound("ERR_PORT_NOT_PUBLISHED", `no public port '${wanted}' published for ${ref}`);
  if (lines.length > 0) ctx.out(lines.join("\n"));
  return 0;
};
