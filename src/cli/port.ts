// `dnet port SANDBOX [PORT[/PROTO]]`: where a sandbox's ports are published, as `docker port` prints it from
// the sandbox's `Ports`: `80/tcp -> 0.0.0.0:8080` lines in natural order, or the host sides of one port.

import type { DockerPortMap } from "../api/dto.js";
import { notFound } from "../errors/index.js";
import { UsageError, naturalCompare, type Command } from "./common.js";

/** `0.0.0.0:8080`, `[::]:8080`: Go's net.JoinHostPort, as the docker CLI prints. */
export function joinHostPort(ip: string, port: string | number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The lines `docker port` prints for `ports`: every published port, or only `which` (`80`, `80/tcp`). */
export function portLines(ports: DockerPortMap, which: string | undefined, sandbox: string): string[] {
  if (which !== undefined) {
    const [port = "", proto = "tcp"] = which.split("/");
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new UsageError(`invalid port ${JSON.stringify(which)}: use PORT[/PROTO]`);
    const hosts = ports[`${Number(port)}/${proto}`];
    if (hosts === undefined || hosts === null) throw notFound("ERR_PORT_BINDING_NOT_FOUND", `No public port '${port}/${proto}' published for ${sandbox}`);
    return hosts.map((h) => joinHostPort(h.HostIp, h.HostPort)).sort(naturalCompare);
  }
  return Object.entries(ports).flatMap(([from, hosts]) => (hosts ?? []).map((h) => `${from} -> ${joinHostPort(h.HostIp, h.HostPort)}`)).sort(naturalCompare);
}

export const port: Command = async (p, ctx) => {
  const [ref = "", which] = p.positionals;
  const sb = await ctx.client().inspectSandbox(ref);
  for (const line of portLines(sb.Ports, which, sb.Name)) ctx.out(line);
  return 0;
};
