// What the controller tells the resolver (networks, endpoints, sandboxes) as plain, postable values.

import { invalidArgument } from "../errors/index.js";
import { formatIp, tryParseIp, type IpFamily } from "../types/index.js";
import type { Upstream } from "./sandbox-resolvconf.js";

export interface NetworkSpec {
  readonly networkId: string;
  /**
   * The name used in `container.network` lookups and in PTR answers; "" for a network whose name is no
   * DNS name (Docker accepts `test 01`): its endpoints still resolve, but not qualified by it.
   */
  readonly name: string;
  /** Internal networks give their sandboxes no forwarding (unless another attached network is external). */
  readonly internal?: boolean;
  readonly ipv6?: boolean;
}

export interface EndpointSpec {
  readonly endpointId: string;
  /** The endpoint name (the container name in Docker); gets A/AAAA and PTR unless anonymous. */
  readonly name: string;
  /**
   * Network-scoped aliases (`--network-alias`, and the 12-character short container ID dockerd adds):
   * A/AAAA only; several endpoints may share one. An anonymous endpoint's first alias also gets the PTR.
   */
  readonly aliases?: readonly string[];
  /** Address, with or without a prefix length ("10.0.0.2" or "10.0.0.2/24"). */
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly anonymous?: boolean;
}

export interface SandboxSpec {
  /** The networks the sandbox is attached to, in resolution priority order (first hit wins). */
  readonly networkIds: readonly string[];
  /** The sandbox's own `--dns` servers; empty or absent: the server-wide defaults (daemon `--dns` or host). */
  readonly upstreams?: readonly Upstream[];
  /** The user set `ndots` (§5.3): a single-label A/AAAA miss gets an empty NOERROR instead of forwarding. */
  readonly userNdots?: boolean;
  /** Sandbox-local aliases (`--link target:alias`): alias → endpoint name, seen only by this sandbox. */
  readonly linkAliases?: Readonly<Record<string, string>>;
}

/** One change to the records; the store replays these into worker threads. */
export type RecordsOp =
  | { readonly op: "setNetwork"; readonly network: NetworkSpec }
  | { readonly op: "removeNetwork"; readonly networkId: string }
  | { readonly op: "setEndpoint"; readonly networkId: string; readonly endpoint: EndpointSpec }
  | { readonly op: "removeEndpoint"; readonly networkId: string; readonly endpointId: string }
  | { readonly op: "setSandbox"; readonly sandboxId: string; readonly sandbox: SandboxSpec }
  | { readonly op: "removeSandbox"; readonly sandboxId: string }
  | { readonly op: "setDefaultUpstreams"; readonly upstreams: readonly Upstream[] };

function checkId(id: unknown, what: string): string {
  if (typeof id !== "string" || id === "") throw invalidArgument("ERR_DNS_RECORD", `${what} must be a non-empty string`);
  return id;
}

/** Names are compared lower-case, without a trailing dot; "" means none. */
export function nameKey(name: string): string {
  return (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();
}

function checkName(name: string, what: string): string {
  const key = nameKey(name);
  if (key.length > 253 || key.startsWith(".") || key.includes("..") || /[\s\\]/.test(key)) {
    throw invalidArgument("ERR_DNS_RECORD", `invalid ${what} ${JSON.stringify(name)}`);
  }
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

/** Canonical text of an endpoint address (prefix length dropped); throws on anything else. */
export function normalizeAddress(text: string | undefined, family: IpFamily, what: string): string | undefined {
  if (text === undefined || text === "") return undefined;
  const ip = tryParseIp(text.split("/")[0] ?? "");
  if (ip === undefined || ip.family !== family) {
    throw invalidArgument("ERR_DNS_RECORD", `invalid ${what} ${JSON.stringify(text)} (IPv${family} expected)`);
  }
  return formatIp(ip);
}

export function normalizeNetwork(n: NetworkSpec): NetworkSpec {
  return Object.freeze({
    networkId: checkId(n.networkId, "network id"),
    name: n.name === "" ? "" : checkName(checkId(n.name, "network name"), "network name"),
    internal: n.internal === true,
    ipv6: n.ipv6 === true,
  });
}

export function normalizeEndpoint(e: EndpointSpec): EndpointSpec {
  const aliases = (e.aliases ?? []).filter((a) => a !== "").map((a) => checkName(a, "alias"));
  const ipv4 = normalizeAddress(e.ipv4, 4, "IPv4 address");
  const ipv6 = normalizeAddress(e.ipv6, 6, "IPv6 address");
  return Object.freeze({
    endpointId: checkId(e.endpointId, "endpoint id"),
    name: e.anonymous === true ? "" : checkName(checkId(e.name, "endpoint name"), "endpoint name"),
    aliases: Object.freeze(aliases),
    anonymous: e.anonymous === true,
    ...(ipv4 === undefined ? {} : { ipv4 }),
    ...(ipv6 === undefined ? {} : { ipv6 }),
  });
}

export function normalizeSandbox(s: SandboxSpec): SandboxSpec {
  if (!Array.isArray(s.networkIds)) throw invalidArgument("ERR_DNS_RECORD", "sandbox networkIds must be an array");
  const links: Record<string, string> = {};
  for (const [alias, target] of Object.entries(s.linkAliases ?? {})) {
    links[nameKey(checkName(alias, "link alias"))] = nameKey(checkName(target, "link target"));
  }
  return Object.freeze({
    networkIds: Object.freeze(s.networkIds.map((id) => checkId(id, "network id"))),
    upstreams: Object.freeze((s.upstreams ?? []).map((u) => Object.freeze({ address: u.address, hostLoopback: u.hostLoopback }))),
    userNdots: s.userNdots === true,
    linkAliases: Object.freeze(links),
  });
}
