// `dnet port SANDBOX [PORT[/PROTO]]`: where a sandbox's ports are published now, as `docker port` prints
// it (`80/tcp -> 0.0.0.0:8080`; with a port, just its host addresses). Ports asked for but not published
// (no gateway endpoint that can serve them) are left out, as docker does. `dnet port add|rm` change them.

import type { DockerPortMap } from "../api/dto.js";
import { notFound } from "../errors/index.js";
import { UsageError, type Command } from "./common.js";

/** "80" → "80/tcp"; "53/udp" stays. */
function portKey(spec: string): string {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(spec);
  if (m === null || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new UsageError(`invalid port ${JSON.stringify(spec)}: use PORT[/tcp|udp|sctp]`);
  return `${m[1]}/${m[2] ?? "tcp"}`;
}

/** `0.0.0.0:8080`, `[::]:8080`, `0.0.0.0:9000-9099`. */
export function hostAddress(ip: string, port: string): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The lines `docker port` prints for `ports`: every published port, or only where `spec` (`80`, `80/tcp`) is. */
export function portLines(ports: DockerPortMap, spec: string | undefined, ref: string): string[] {
  const wanted = spec === undefined ? undefined : portKey(spec);
  const keys = Object.keys(ports).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b));
  const lines: string[] = [];
  for (const key of keys) {
    if (wanted !== undefined && key !== wanted) continue;
    for (const h of ports[key] ?? []) lines.push(wanted === undefined ? `${key} -> ${hostAddress(h.HostIp, h.HostPort)}` : hostAddress(h.HostIp, h.HostPort));
  }
  if (wanted !== undefined && lines.length === 0) throw notFound("ERR_PORT_NOT_PUBLISHED", `no public port '${wanted}' published for ${ref}`);
  return lines;
}

export const port: Command = async (p, ctx) => {
  const [ref, spec] = p.positionals as [string, string | undefined];
  const sb = await ctx.client().inspectSandbox(ref);
  const lines = portLines(sb.Ports, spec, ref);
  if (lines.length > 0) ctx.out(lines.join("\n"));
  return 0;
};
