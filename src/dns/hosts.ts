// A sandbox's /etc/hosts as a pure function of its state (Docker's etchosts layout), and `--add-host` values.

import { invalidArgument } from "../errors/index.js";
import { formatIp, tryParseIp, type IpAddress, type IpFamily } from "../types/index.js";

/** Docker's six default records, in its order, written as `<ip>\t<names>`. */
export const DEFAULT_HOSTS_RECORDS: readonly (readonly [ip: string, names: string])[] = Object.freeze([
  ["127.0.0.1", "localhost"],
  ["::1", "localhost ip6-localhost ip6-loopback"],
  ["fe00::0", "ip6-localnet"],
  ["ff00::0", "ip6-mcastprefix"],
  ["ff02::1", "ip6-allnodes"],
  ["ff02::2", "ip6-allrouters"],
] as const);

/** One `--add-host NAME:IP`, validated; the address is in canonical form. */
export interface ExtraHost {
  readonly name: string;
  readonly ip: string;
}

/** The addresses one joined endpoint contributes (its first IPv4 and IPv6 address, as Docker). */
export interface HostsEndpoint {
  readonly ipv4?: string | IpAddress;
  readonly ipv6?: string | IpAddress;
}

export interface HostsInput {
  readonly hostname?: string;
  readonly domainname?: string;
  readonly extraHosts?: readonly ExtraHost[];
  /** Joined endpoints in join order; each adds its lines after the extra hosts. */
  readonly endpoints?: readonly HostsEndpoint[];
}

const MAX_NAME_LENGTH = 253;

function nameProblem(name: string): string | undefined {
  if (name === "") return "it is empty";
  if (name.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  // Whitespace would split the record into more names; '#' would start a comment.
  if (/[\s#\x00-\x1f\x7f]/.test(name)) return "it contains whitespace, '#' or control characters";
  return undefined;
}

function checkName(name: string, what: string, code: string): string {
  const problem = nameProblem(name);
  if (problem !== undefined) throw invalidArgument(code, `invalid ${what} ${JSON.stringify(name)}: ${problem}`);
  return name;
}

/** Validates an extra host given as parts; returns it with the address in canonical form. */
export function extraHost(name: string, ip: string): ExtraHost {
  const bad = (why: string): never => {
    throw invalidArgument("ERR_INVALID_EXTRA_HOST", `invalid extra host ${JSON.stringify(`${name}:${ip}`)}: ${why}`);
  };
  const problem = nameProblem(name);
  if (problem !== undefined) bad(`the name is invalid: ${problem}`);
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  const parsed = tryParseIp(bare);
  if (parsed === undefined) return bad(`${JSON.stringify(ip)} is not an IP address`);
  return Object.freeze({ name, ip: formatIp(parsed) });
}

/**
 * Parses `--add-host NAME:IP`. Split at the first ':' as Docker does, so `host:::1` is an IPv6 entry;
 * `host:[::1]` is accepted too. Docker's special `host-gateway` must be resolved by the caller first.
 */
export function parseExtraHost(text: string): ExtraHost {
  const colon = text.indexOf(":");
  if (colon < 0) {
    throw invalidArgument("ERR_INVALID_EXTRA_HOST", `invalid extra host ${JSON.stringify(text)}: expected NAME:IP`);
  }
  return extraHost(text.slice(0, colon), text.slice(colon + 1));
}

function endpointAddress(value: string | IpAddress | undefined, family: IpFamily): string | undefined {
  if (value === undefined) return undefined;
  const ip = typeof value === "string" ? tryParseIp(value) : value;
  if (ip === undefined || ip.family !== family) {
    const shown = typeof value === "string" ? value : formatIp(value);
    throw invalidArgument("ERR_INVALID_IP", `invalid endpoint IPv${family} address for /etc/hosts: ${JSON.stringify(shown)}`);
  }
  return formatIp(ip);
}

/**
 * The names of the sandbox's own records: `fqdn shortname` when the name has a dot (hostname.domainname,
 * or a hostname given as an FQDN), else the hostname alone — Docker's updateHostsFile.
 */
export function ownHostNames(hostname: string, domainname = ""): string | undefined {
  if (domainname !== "") checkName(domainname, "domainname", "ERR_INVALID_DOMAINNAME");
  if (hostname === "") return undefined;
  checkName(hostname, "hostname", "ERR_INVALID_HOSTNAME");
  const fqdn = domainname === "" ? hostname : `${hostname}.${domainname}`;
  const dot = fqdn.indexOf(".");
  return dot < 0 ? fqdn : `${fqdn} ${fqdn.slice(0, dot)}`;
}

/**
 * Builds the whole file from the sandbox state: defaults, extra hosts, then per joined endpoint
 * `<ip>\t<fqdn> <shortname>` for its IPv4 and IPv6. The controller rebuilds it on every change instead
 * of editing it in place, so a leave removes exactly that endpoint's lines. (Docker instead deletes every
 * line whose name equals a service record of the left network, which also removes the container's own
 * hostname lines of its other networks when the hostname is its short ID: quirk 5 of the reference.)
 * Without a hostname the endpoint lines are left out: there is no name to give the addresses.
 */
export function buildHosts(input: HostsInput): string {
  const lines = DEFAULT_HOSTS_RECORDS.map(([ip, names]) => `${ip}\t${names}`);
  for (const h of input.extraHosts ?? []) {
    const valid = extraHost(h.name, h.ip);
    lines.push(`${valid.ip}\t${valid.name}`);
  }
  const names = ownHostNames(input.hostname ?? "", input.domainname ?? "");
  for (const ep of input.endpoints ?? []) {
    const v4 = endpointAddress(ep.ipv4, 4);
    const v6 = endpointAddress(ep.ipv6, 6);
    if (names === undefined) continue;
    if (v4 !== undefined) lines.push(`${v4}\t${names}`);
    if (v6 !== undefined) lines.push(`${v6}\t${names}`);
  }
  return `${lines.join("\n")}\n`;
}
