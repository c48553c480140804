// resolv.conf as a value: parsing (tolerant), building (Docker's resolvconf.Build layout) and user DNS options.

import { readFileSync } from "node:fs";
import { invalidArgument } from "../errors/index.js";
import { formatIp, tryParseIp, type IpAddress } from "../types/index.js";

export const DEFAULT_RESOLV_CONF_PATH = "/etc/resolv.conf";
/** Where systemd-resolved keeps the real upstream servers when /etc/resolv.conf points at its stub. */
export const SYSTEMD_RESOLV_CONF_PATH = "/run/systemd/resolve/resolv.conf";
export const SYSTEMD_STUB_RESOLVER = "127.0.0.53";

export interface ResolvConf {
  /** Nameserver addresses as written (IPv6 may carry a `%zone`). */
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

/** A nameserver address without its zone, or undefined when it is not an IP address. */
export function nameserverIp(text: string): IpAddress | undefined {
  const percent = text.indexOf("%");
  if (percent < 0) return tryParseIp(text);
  const ip = tryParseIp(text.slice(0, percent));
  // A zone only makes sense on IPv6 and must name something (`fe80::1%eth0`).
  return ip?.family === 6 && percent < text.length - 1 ? ip : undefined;
}

/** The fields of one line with its comment cut off (`#` or `;` start a comment, as for Docker and glibc). */
export function lineFields(line: string): string[] {
  const cut = line.search(/[#;]/);
  const body = cut < 0 ? line : line.slice(0, cut);
  return body.split(/\s+/).filter((f) => f !== "");
}

/** The address of a valid `nameserver` line, else undefined (junk lines are tolerated, not fatal). */
export function nameserverOfLine(line: string): string | undefined {
  const fields = lineFields(line);
  if (fields[0] !== "nameserver" || fields[1] === undefined) return undefined;
  return nameserverIp(fields[1]) === undefined ? undefined : fields[1];
}

/**
 * Parses resolv.conf text. Unknown keywords and malformed lines are skipped, as the libc resolver does.
 * `search` and `domain` override each other (last one wins, resolv.conf(5)); Docker only reads `search`,
 * which loses a host's `domain` line. Options accumulate over lines, as glibc applies every options line.
 */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  const options: string[] = [];
  for (const line of text.split("\n")) {
    const [keyword, ...rest] = lineFields(line);
    if (keyword === "nameserver") {
      const ns = nameserverOfLine(line);
      if (ns !== undefined) nameservers.push(ns);
    } else if (keyword === "search") search = rest;
    else if (keyword === "domain" && rest[0] !== undefined) search = [rest[0]];
    else if (keyword === "options") options.push(...rest);
  }
  return Object.freeze({
    nameservers: Object.freeze(nameservers),
    search: Object.freeze(search),
    options: Object.freeze(options),
  });
}

/** Docker's resolvconf.Build layout: `search` (left out when it is only "."), nameservers, one `options` line. */
export function buildResolvConf(conf: ResolvConf): string {
  let out = "";
  const search = conf.search.join(" ");
  if (search.trim() !== "" && search.trim() !== ".") out += `search ${search}\n`;
  for (const ns of conf.nameservers) out += `nameserver ${ns}\n`;
  const options = conf.options.join(" ");
  if (options.trim() !== "") out += `options ${options}\n`;
  return out;
}

export interface HostResolvConf {
  /** The file that was read (after the systemd-resolved switch). */
  readonly path: string;
  /** Its content, or undefined when it does not exist (the sandbox then gets the fallback servers). */
  readonly content: string | undefined;
}

export interface HostResolvConfPaths {
  readonly path?: string;
  readonly systemdPath?: string;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Reads the host's resolv.conf the way Docker picks it: `/etc/resolv.conf`, or systemd-resolved's full
 * file when the only nameserver is the 127.0.0.53 stub. Unlike Docker we stay on the first file when the
 * systemd one is missing: the stub still works as an upstream because we forward from the host side.
 */
export function readHostResolvConf(paths: HostResolvConfPaths = {}): HostResolvConf {
  const path = paths.path ?? DEFAULT_RESOLV_CONF_PATH;
  const systemdPath = paths.systemdPath ?? SYSTEMD_RESOLV_CONF_PATH;
  const content = readIfExists(path);
  if (content === undefined) return { path, content };
  const ns = parseResolvConf(content).nameservers;
  if (ns.length !== 1 || ns[0] !== SYSTEMD_STUB_RESOLVER) return { path, content };
  const systemd = readIfExists(systemdPath);
  return systemd === undefined ? { path, content } : { path: systemdPath, content: systemd };
}

/** The user's `--dns`, `--dns-search` and `--dns-option`, validated and frozen. */
export interface DnsUserConfig {
  readonly servers: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

export interface DnsUserInput {
  readonly dns?: readonly string[];
  readonly dnsSearch?: readonly string[];
  readonly dnsOptions?: readonly string[];
}

export const NO_DNS_USER_CONFIG: DnsUserConfig = Object.freeze({
  servers: Object.freeze([]),
  search: Object.freeze([]),
  options: Object.freeze([]),
});

const MAX_DOMAIN_LENGTH = 253;
const LABEL_RE = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

function dnsServer(text: string): string {
  const ip = tryParseIp(text);
  if (ip === undefined) {
    throw invalidArgument("ERR_INVALID_DNS_SERVER", `invalid DNS server ${JSON.stringify(text)}: not an IP address`);
  }
  return formatIp(ip);
}

function searchDomainProblem(domain: string): string | undefined {
  if (domain === ".") return undefined;
  const bare = domain.endsWith(".") ? domain.slice(0, -1) : domain;
  if (bare === "") return "it is empty";
  if (bare.length > MAX_DOMAIN_LENGTH) return `it is longer than ${MAX_DOMAIN_LENGTH} characters`;
  if (/[\s#;]/.test(bare)) return "it contains whitespace or a comment character";
  if (!bare.split(".").every((label) => LABEL_RE.test(label))) {
    return "labels must be 1-63 letters, digits, '_' or '-', not starting or ending with '-'";
  }
  return undefined;
}

function searchDomain(domain: string): string {
  const problem = searchDomainProblem(domain);
  if (problem !== undefined) {
    throw invalidArgument("ERR_INVALID_DNS_SEARCH", `invalid DNS search domain ${JSON.stringify(domain)}: ${problem}`);
  }
  return domain;
}

function dnsOption(option: string): string {
  const bad = (why: string): never => {
    throw invalidArgument("ERR_INVALID_DNS_OPTION", `invalid DNS option ${JSON.stringify(option)}: ${why}`);
  };
  if (option === "" || /[\s#;\x00-\x1f\x7f]/.test(option)) bad("it must be one token without whitespace or '#', ';'");
  // Docker refuses a malformed ndots when it adds its own ndots:0, so refuse it up front.
  if (option.startsWith("ndots:") && !/^ndots:[0-9]{1,3}$/.test(option)) bad("ndots needs a number ≥ 0");
  return option;
}

/** Validates the user's DNS settings once, at the edge; errors name the offending value. */
export function parseDnsUserConfig(input: DnsUserInput): DnsUserConfig {
  return Object.freeze({
    servers: Object.freeze((input.dns ?? []).map(dnsServer)),
    search: Object.freeze((input.dnsSearch ?? []).map(searchDomain)),
    options: Object.freeze((input.dnsOptions ?? []).map(dnsOption)),
  });
}

export function hasUserDnsConfig(user: DnsUserConfig): boolean {
  return user.servers.length > 0 || user.search.length > 0 || user.options.length > 0;
}
