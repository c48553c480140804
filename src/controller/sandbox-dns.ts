// A sandbox's DNS settings: its own (`--dns`, `--dns-search`), else what its endpoints' joins learnt (a
// DHCP lease's servers and domain), in the order of its endpoints.

import type { EndpointRecord, SandboxRecord } from "./records.js";

export interface SandboxDns {
  readonly dns: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly dnsOptions: readonly string[];
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

export function sandboxDns(sb: SandboxRecord, joined: readonly EndpointRecord[]): SandboxDns {
  return {
    dns: sb.dns.length > 0 ? sb.dns : unique(joined.flatMap((e) => e.dnsServers ?? [])),
    dnsSearch: sb.dnsSearch.length > 0 ? sb.dnsSearch : unique(joined.flatMap((e) => e.dnsSearch ?? [])),
    dnsOptions: sb.dnsOptions,
  };
}
