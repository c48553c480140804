// The rules of libnetwork §5.4 as one pure function: a sandbox's resolv.conf and its upstream servers.

import {
  NO_DNS_USER_CONFIG,
  buildResolvConf,
  hasUserDnsConfig,
  nameserverIp,
  nameserverOfLine,
  parseResolvConf,
  type DnsUserConfig,
  type ResolvConf,
} from "./resolvconf.js";

/** The embedded resolver's address inside every sandbox on a user network (Docker's). */
export const EMBEDDED_DNS_SERVER = "127.0.0.11";
/** The embedded resolver's option: try names as given first, so service names win over search domains. */
export const EMBEDDED_DNS_OPTION = "ndots:0";
/** Used only when nothing else is left and no embedded resolver forwards for the sandbox (Docker's). */
export const FALLBACK_DNS_IPV4: readonly string[] = Object.freeze(["8.8.8.8", "8.8.4.4"]);
export const FALLBACK_DNS_IPV6: readonly string[] = Object.freeze(["2001:4860:4860::8888", "2001:4860:4860::8844"]);

/** A server the embedded resolver forwards to (Docker's extDNSEntry). */
export interface Upstream {
  readonly address: string;
  /**
   * True for the host's loopback resolvers (127.x, ::1): they exist only in the host namespace. A user's
   * `--dns 127.0.0.1` is never one: as in Docker it means the sandbox's own loopback.
   */
  readonly hostLoopback: boolean;
}

export interface SandboxResolvConfInput {
  /** The host's resolv.conf content (see readHostResolvConf); undefined when the host has none. */
  readonly host: string | undefined;
  readonly user?: DnsUserConfig;
  /** The sandbox shares the host's network namespace (Docker's default sandbox). */
  readonly hostNetworking?: boolean;
  /** The sandbox has an endpoint on a network that uses the embedded resolver (§5.1). */
  readonly embeddedDns?: boolean;
  /** The sandbox has an IPv6 network; without one, the host's IPv6 nameservers are unreachable. */
  readonly ipv6?: boolean;
}

export interface SandboxResolvConf {
  /** The file content to write at `/etc/netns/<sandbox>/resolv.conf`. */
  readonly content: string;
  /** Where the embedded resolver forwards queries it cannot answer, in order. */
  readonly upstreams: readonly Upstream[];
}

export function isLoopbackNameserver(address: string): boolean {
  const ip = nameserverIp(address);
  if (ip === undefined) return false;
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}

function isIpv6Nameserver(address: string): boolean {
  return nameserverIp(address)?.family === 6;
}

/** Whether a host nameserver is usable from inside a (non-host-networking) sandbox. */
function reachable(address: string, ipv6: boolean): boolean {
  return !isLoopbackNameserver(address) && (ipv6 || !isIpv6Nameserver(address));
}

function fallbackServers(ipv6: boolean): string[] {
  return ipv6 ? [...FALLBACK_DNS_IPV4, ...FALLBACK_DNS_IPV6] : [...FALLBACK_DNS_IPV4];
}

function userSetNdots(options: readonly string[]): boolean {
  return options.some((o) => o.startsWith("ndots:"));
}

/**
 * Docker's FilterResolvDNS, line by line: the host file stays as written (comments, sortlist, unknown
 * keywords) minus the nameserver lines the sandbox cannot reach, plus the fallback servers when none is
 * left. Docker removes lines with a regex and appends without a final newline; we keep lines whole.
 */
function filterHostFile(text: string, ipv6: boolean): string {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const kept = lines.filter((line) => {
    const ns = nameserverOfLine(line);
    return ns === undefined || reachable(ns, ipv6);
  });
  const hasServer = kept.some((line) => nameserverOfLine(line) !== undefined);
  if (!hasServer) kept.push(...fallbackServers(ipv6).map((ns) => `nameserver ${ns}`));
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}

function hostUpstreams(host: ResolvConf): Upstream[] {
  return host.nameservers.map((address) => ({ address, hostLoopback: isLoopbackNameserver(address) }));
}

/**
 * The servers the sandbox's file would list without the embedded resolver, and the upstreams. User
 * servers replace the host's. Unlike Docker, host servers taken alongside user search/options are
 * filtered too: an unreachable 127.0.0.53 in the sandbox's file helps nobody.
 */
function chooseServers(host: ResolvConf, user: DnsUserConfig, ipv6: boolean): { servers: string[]; upstreams: Upstream[] } {
  if (user.servers.length > 0) {
    return { servers: [...user.servers], upstreams: user.servers.map((address) => ({ address, hostLoopback: false })) };
  }
  const servers = host.nameservers.filter((ns) => reachable(ns, ipv6));
  // With no server at all, Docker's resolver ends up forwarding to the fallback servers of the file.
  const upstreams = host.nameservers.length > 0
    ? hostUpstreams(host)
    : fallbackServers(ipv6).map((address) => ({ address, hostLoopback: false }));
  return { servers, upstreams };
}

/**
 * With the embedded resolver: `nameserver 127.0.0.11` plus the reachable IPv6 servers (Docker lists them
 * because its resolver forwards over IPv4 only), search kept, and `ndots:0` appended only when the
 * options do not already set ndots (Docker then remembers that the user did, see §5.3).
 */
function embeddedFile(servers: readonly string[], search: readonly string[], options: readonly string[]): string {
  return buildResolvConf({
    nameservers: [EMBEDDED_DNS_SERVER, ...servers.filter(isIpv6Nameserver)],
    search,
    options: userSetNdots(options) ? options : [...options, EMBEDDED_DNS_OPTION],
  });
}

/** Computes a sandbox's resolv.conf (§5.4). Pure: the controller regenerates it on every change. */
export function sandboxResolvConf(input: SandboxResolvConfInput): SandboxResolvConf {
  const user = input.user ?? NO_DNS_USER_CONFIG;
  const ipv6 = input.ipv6 ?? false;
  const hostText = input.host ?? "";
  const host = parseResolvConf(hostText);
  if (input.hostNetworking === true) {
    // The sandbox is the host namespace: loopback resolvers are reachable, nothing to filter.
    const upstreams = user.servers.length > 0
      ? user.servers.map((address) => ({ address, hostLoopback: false }))
      : hostUpstreams(host);
    if (!hasUserDnsConfig(user)) return { content: hostText, upstreams };
    const content = buildResolvConf({
      nameservers: user.servers.length > 0 ? user.servers : host.nameservers,
      search: user.search.length > 0 ? user.search : host.search,
      options: user.options.length > 0 ? user.options : host.options,
    });
    return { content, upstreams };
  }
  const { servers, upstreams } = chooseServers(host, user, ipv6);
  const search = user.search.length > 0 ? user.search : host.search;
  const options = user.options.length > 0 ? user.options : host.options;
  if (input.embeddedDns === true) return { content: embeddedFile(servers, search, options), upstreams };
  if (!hasUserDnsConfig(user)) return { content: filterHostFile(hostText, ipv6), upstreams };
  const nameservers = servers.length > 0 ? servers : fallbackServers(ipv6);
  return { content: buildResolvConf({ nameservers, search, options }), upstreams };
}

