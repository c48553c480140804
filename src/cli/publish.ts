// `-p|--publish [HOSTIP:][HOSTPORT[-END]:]PORT[-END][/tcp|udp|sctp]` into a PortBinding, and `--network NET[:ALIAS,...]`.
// A container port range maps one to one onto a host range of the same length (`-p 9000-9099:9000-9099`).

import type { PortBindingDto, SandboxNetworkRequest } from "../api/dto.js";
import { UsageError } from "./common.js";

function portNumber(s: string, spec: string, allowZero = false): number {
  const n = /^\d{1,5}$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isInteger(n) || n > 65535 || (n === 0 && !allowZero)) throw new UsageError(`invalid port ${JSON.stringify(s)} in --publish ${spec}`);
  return n;
}

export function parsePublish(spec: string): PortBindingDto {
  const slash = spec.lastIndexOf("/");
  const proto = slash >= 0 ? spec.slice(slash + 1) : "tcp";
  if (proto !== "tcp" && proto !== "udp" && proto !== "sctp") throw new UsageError(`invalid protocol ${JSON.stringify(proto)} in --publish ${spec}`);
  let rest = slash >= 0 ? spec.slice(0, slash) : spec;
  let hostIp = "";
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6 !== null) { hostIp = v6[1] as string; rest = v6[2] as string; }
  const parts = rest.split(":");
  if (v6 === null && parts.length === 3) hostIp = parts.shift() as string;
  if (parts.length > 2 || parts.length === 0) throw new UsageError(`invalid --publish ${spec}: use [HOSTIP:][HOSTPORT[-END]:]PORT[-END][/PROTO]`);
  const [first, last] = (parts[parts.length - 1] as string).split("-");
  const containerPort = portNumber(first as string, spec);
  const out: PortBindingDto = { Proto: proto, Port: containerPort, ...(hostIp === "" ? {} : { HostIP: hostIp }) };
  if (last !== undefined) out.PortEnd = portNumber(last, spec);
  if (parts.length === 2 && parts[0] !== "") {
    const [start, end] = (parts[0] as string).split("-");
    out.HostPort = portNumber(start as string, spec);
    out.HostPortEnd = end === undefined ? out.HostPort : portNumber(end, spec);
  }
  return out;
}

export function parseNetworkFlag(spec: string): SandboxNetworkRequest {
  const colon = spec.indexOf(":");
  if (colon < 0) return { Network: spec };
  const aliases = spec.slice(colon + 1).split(",").filter((a) => a !== "");
  return { Network: spec.slice(0, colon), Aliases: aliases };
}
