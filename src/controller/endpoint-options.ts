// Endpoint options from the API edge, checked once into the record's shape.

import type { PortProtocol } from "../driver-api/index.js";
import { invalidArgument } from "../errors/index.js";
import { formatIp, formatPrefix, parseIp, parseUnicastMac } from "../types/index.js";
import type { PortBindingRecord } from "./records.js";

export interface PortBindingInput {
  readonly proto?: PortProtocol;
  readonly port: number;
  /** Last container port of a range, mapped one to one onto hostPort..hostPortEnd (same length). */
  readonly portEnd?: number;
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
  /** No names at all in the embedded resolver, which it does not make its sandbox use (Docker's default bridge). */
  readonly disableResolution?: boolean;
  /** Legacy links, `NAME[:ALIAS]` (Docker's `--link`): hosts entries and sandbox-local DNS aliases. */
  readonly links?: readonly string[];
  /** Extra link-local addresses for the interface (`--link-local-ip`): 169.254.0.0/16 or fe80::/10. */
  readonly linkLocalIps?: readonly string[];
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
    const portEnd = b.portEnd === undefined || b.portEnd === containerPort ? undefined : port("container port range end", b.portEnd, 1);
    if (portEnd !== undefined && (portEnd < containerPort || hostPort === 0 || hostPortEnd - hostPort !== portEnd - containerPort)) {
      throw invalidArgument("ERR_PUBLISH_RANGE",
        `invalid port range ${containerPort}-${portEnd}/${proto}: a container port range needs a host port range of the same length (e.g. ${containerPort}-${portEnd}:${containerPort}-${portEnd})`);
    }
    const hostIp = b.hostIp === undefined || b.hostIp === "" ? undefined : formatIp(parseIp(b.hostIp, "host IP"));
    return { proto, port: containerPort, ...(portEnd === undefined ? {} : { portEnd }), hostPort, hostPortEnd, ...(hostIp === undefined ? {} : { hostIp }) };
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

/** Docker's ParseLink: `name:alias`, or `name` (its own alias); a leading `/` of the name is dropped. */
export function parseLinks(links: readonly string[] | undefined): Array<{ name: string; alias: string }> {
  return (links ?? []).map((l) => {
    const [rawName = "", alias, extra] = typeof l === "string" ? l.split(":") : [];
    const name = rawName.replace(/^\//, "");
    const out = { name, alias: alias ?? name };
    if (extra !== undefined || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(out.name) || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(out.alias)) {
      throw invalidArgument("ERR_INVALID_LINK", `invalid link ${JSON.stringify(l)}: use NAME or NAME:ALIAS`);
    }
    return out;
  });
}

/** Link-local addresses with the prefix Docker gives them (/16 for IPv4, /64 for IPv6); others are refused (Docker's text). */
export function parseLinkLocalIps(ips: readonly string[] | undefined): string[] {
  return (ips ?? []).map((text) => {
    const ip = parseIp(text, "link-local IP address");
    const linkLocal = ip.family === 4 ? ip.value >> 16n === 0xa9fen : ip.value >> 118n === 0x3fan;
    if (!linkLocal) throw invalidArgument("ERR_INVALID_LINK_LOCAL_IP", `invalid link local IP address: ${formatIp(ip)}`);
    return formatPrefix({ family: ip.family, address: ip.value, length: ip.family === 4 ? 16 : 64 });
  });
}
