// The dhcp IPAM's options (`--ipam-opt`), parsed once at network creation and again by each exchange.

import { invalidArgument } from "../../errors/index.js";

export const DhcpIpamOptions = Object.freeze({
  /** How long a join waits for a lease, in seconds (default 10): then the connect fails, leaving nothing. */
  timeout: "dhcp_timeout",
} as const);

export interface DhcpConfig {
  readonly timeoutMs: number;
}

export const DEFAULT_DHCP_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_S = 300;

function get(options: ReadonlyMap<string, string> | Readonly<Record<string, string>>, key: string): string | undefined {
  return options instanceof Map ? options.get(key) : (options as Readonly<Record<string, string>>)[key];
}

function keys(options: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string[] {
  return options instanceof Map ? [...options.keys()] : Object.keys(options);
}

export function parseDhcpConfig(options: ReadonlyMap<string, string> | Readonly<Record<string, string>>): DhcpConfig {
  const known = new Set<string>(Object.values(DhcpIpamOptions));
  for (const key of keys(options)) {
    if (!known.has(key)) {
      throw invalidArgument("ERR_INVALID_IPAM_OPTION", `unknown option ${JSON.stringify(key)} for the dhcp IPAM driver (known: ${[...known].join(", ")})`);
    }
  }
  const text = get(options, DhcpIpamOptions.timeout);
  if (text === undefined) return Object.freeze({ timeoutMs: DEFAULT_DHCP_TIMEOUT_MS });
  const seconds = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_TIMEOUT_S)) {
    throw invalidArgument("ERR_INVALID_IPAM_OPTION", `invalid ${DhcpIpamOptions.timeout} ${JSON.stringify(text)}: seconds from 1 to ${MAX_TIMEOUT_S}`);
  }
  return Object.freeze({ timeoutMs: Math.round(seconds * 1000) });
}
