// Endpoint options from the API edge, checked once into the record's shape.

import type { PortProtocol } from "../driver-api/index.js";
import { invalidArgument } from "../errors/index.js";
import { formatIp, parseIp, parseUnicastMac } from "../types/index.js";
import type { PortBindingRecord } from "./records.js";

export interface PortBindingInput {
  readonly proto?: PortProtocol;
  readonly port: number;
  readonly hostIp?: string;
  readonly hostPort?: number;
  readonly hostPortEnd?: number;
}

export interface CreateEndpointOptions {
  readonly name: string;
  /** Static IPv4 / IPv6 address (`--ip`, `--ip6`). */
  readonly ip?: string;
  readonly ip6?: string;
  readonly macAddress?: string;
  readonly portBindings?: readonly PortBindingInput[];
  /** Network-scoped DNS aliases (`--alias`). */
  readonly aliases?: readonly string[];
  readonly options?: Readonly<Record<string, string>>;
  /** No DNS record under the endpoint's own name. */
  readonly anonymous?: boolean;
}

const PROTOCOLS: ReadonlySet<string> = new Set(["tcp", "udp", "sctp"]);

function port(what: string, v: number | undefined, min: number): number {
  const n = v ?? 0;
  if (!Number.isInteger(n) || n < min || n > 65535) throw invalidArgument("ERR_INVALID_PORT", `invalid ${what}: ${String(v)}`);
  return n;
}

export function parsePortBindings(input: readonly PortBindingInput[] | undefined): PortBindingRecord[] {
  return (input ?? []).map((b) => {
    const proto = b.proto ?? "tcp";
    if (!PROTOCOLS.has(proto)) throw invalidArgument("ERR_INVALID_PROTOCOL", `invalid protocol ${JSON.stringify(proto)}: use tcp, udp or sctp`);
    const containerPort = port("container port", b.port, 1);
    const hostPort = port("host port", b.hostPort, 0);
    const hostPortEnd = b.hostPortEnd === undefined ? hostPort : port("host port range end", b.hostPortEnd, 0);
    if (hostPortEnd < hostPort) throw invalidArgument("ERR_INVALID_PORT", `invalid host port range ${hostPort}-${hostPortEnd}`);
    if (hostPort === 0 && hostPortEnd !== 0) throw invalidArgument("ERR_INVALID_PORT", "a host port range needs a start port");
    const hostIp = b.hostIp === undefined || b.hostIp === "" ? undefined : formatIp(parseIp(b.hostIp, "host IP"));
    return { proto, port: containerPort, hostPort, hostPortEnd, ...(hostIp === undefined ? {} : { hostIp }) };
  });
}

export function parseAliases(aliases: readonly string[] | undefined): string[] {
  return (aliases ?? []).map((a) => {
    if (typeof a !== "string" || !/^[A-Za-z0-9_.-]{1,253}$/.test(a)) throw invalidArgument("ERR_INVALID_ALIAS", `invalid alias ${JSON.stringify(a)}`);
    return a;
  });
}

export function parseEndpointMac(mac: string | undefined): string | undefined {
  if (mac === undefined || mac === "") return undefined;
  parseUnicastMac(mac);
  return mac.toLowerCase();
}
