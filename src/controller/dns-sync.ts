// Keeps the embedded resolver in step with the records: networks, endpoint names, and which sandboxes
// see which networks (and get a resolver at 127.0.0.11 at all).

import type { Upstream } from "../dns/index.js";
import { capabilityOf, type ControllerContext } from "./context.js";
import { orderEndpoints } from "./gateway.js";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./records.js";
import { sandboxDns } from "./sandbox-dns.js";

/** Networks whose endpoints get names: those whose driver gives them an interface (and so addresses). */
function withDns(ctx: ControllerContext, n: NetworkRecord | undefined): n is NetworkRecord {
  return n !== undefined && capabilityOf(ctx, n.driver).noInterface !== true;
}

/** Endpoints with names in the resolver: on a network with DNS, and not opted out (the default bridge's). */
function resolves(ctx: ControllerContext, e: EndpointRecord): boolean {
  return e.disableResolution !== true && withDns(ctx, ctx.state.network(e.networkId));
}

/** A sandbox uses the embedded resolver once it has an endpoint on a user network (Docker §5.1). */
export function usesEmbeddedDns(ctx: ControllerContext, sb: SandboxRecord, joined: readonly EndpointRecord[]): boolean {
  return ctx.dns !== undefined && !sb.hostNetns && joined.some((e) => resolves(ctx, e));
}

const DNS_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?$/;

/** The name as a DNS name, or undefined when it cannot be one (spaces, tabs, `\`, `..`): Docker accepts such names. */
function dnsName(name: string): string | undefined {
  return DNS_NAME.test(name) && !name.includes("..") ? name : undefined;
}

export function syncNetwork(ctx: ControllerContext, n: NetworkRecord): void {
  if (ctx.dns === undefined || !withDns(ctx, n)) return;
  ctx.dns.records.setNetwork({ networkId: n.id, name: dnsName(n.name) ?? "", internal: n.internal, ipv6: n.ipv6 });
}

export function forgetNetwork(ctx: ControllerContext, networkId: string): void {
  ctx.dns?.records.removeNetwork(networkId);
}

/** The endpoint's names: its own, its aliases, and while joined its sandbox's name and short IDs (as dockerd adds). */
export function syncEndpoint(ctx: ControllerContext, e: EndpointRecord): void {
  if (ctx.dns === undefined || e.state !== "ready" || !resolves(ctx, e)) return;
  if (e.address === undefined && e.addressIPv6 === undefined) {
    ctx.dns.records.removeEndpoint(e.networkId, e.id); // its addresses left with its lease (DHCP): so do its names
    return;
  }
  const sb = e.sandboxId === undefined ? undefined : ctx.state.sandbox(e.sandboxId);
  const joinNames = sb === undefined ? [] : [sb.name, sb.containerId.slice(0, 12), sb.id.slice(0, 12)];
  const aliases = [...new Set([...e.aliases, ...joinNames])].filter((a) => a !== e.name && dnsName(a) !== undefined);
  const name = dnsName(e.name);
  ctx.dns.records.setEndpoint(e.networkId, {
    endpointId: e.id, name: name ?? e.id, aliases, anonymous: e.anonymous || name === undefined,
    ...(e.address === undefined ? {} : { ipv4: e.address }),
    ...(e.addressIPv6 === undefined ? {} : { ipv6: e.addressIPv6 }),
  });
}

export function forgetEndpoint(ctx: ControllerContext, e: EndpointRecord): void {
  ctx.dns?.records.removeEndpoint(e.networkId, e.id);
}

/**
 * Which networks the sandbox resolves on (records reach the serving threads by message, within
 * microseconds; a join does not wait for them) (in Docker's endpoint order), its own `--dns` upstreams, and its
 * listener: attached with the first user-network endpoint, detached with the last.
 */
export async function syncSandbox(ctx: ControllerContext, sb: SandboxRecord, joined: readonly EndpointRecord[]): Promise<void> {
  const dns = ctx.dns;
  if (dns === undefined || sb.hostNetns) return;
  if (!usesEmbeddedDns(ctx, sb, joined)) {
    dns.records.removeSandbox(sb.id); // the listener stays until the sandbox goes; it now knows nothing
    return;
  }
  const cands = joined.filter((e) => resolves(ctx, e)).map((endpoint) => ({ endpoint, network: ctx.state.network(endpoint.networkId) }))
    .filter((c): c is { endpoint: EndpointRecord; network: NetworkRecord } => c.network !== undefined);
  // The sandbox's --dns, else the servers its joins learnt (DHCP): forwarded to from the host's netns.
  const upstreams: Upstream[] = sandboxDns(sb, joined).dns.map((address) => ({ address, hostLoopback: false }));
  // Links given at connect are sandbox-local aliases on user networks (Docker's CreateOptionAlias).
  const linkAliases = Object.fromEntries(cands.flatMap((c) => c.endpoint.links ?? []).map((l) => [l.alias, l.name]));
  dns.records.setSandbox(sb.id, {
    networkIds: orderEndpoints(cands).map((c) => c.network.id),
    ...(upstreams.length === 0 ? {} : { upstreams }),
    userNdots: sb.dnsOptions.some((o) => o.startsWith("ndots:")),
    ...(Object.keys(linkAliases).length === 0 ? {} : { linkAliases }),
  });
  await attachResolver(ctx, sb);
}

/**
 * The listener is opened with the sandbox (not on its first join, as Docker does): opening sockets in the
 * netns for every serving thread is the costliest part of the resolver, and attach is the hot path.
 */
export async function attachResolver(ctx: ControllerContext, sb: SandboxRecord): Promise<void> {
  if (ctx.dns === undefined || sb.hostNetns || ctx.dns.server.serves(sb.id)) return;
  await ctx.dns.server.attach(sb.id, ctx.handles.get(sb.key).nsFd);
}

export async function forgetSandbox(ctx: ControllerContext, sandboxId: string): Promise<void> {
  if (ctx.dns === undefined) return;
  ctx.dns.records.removeSandbox(sandboxId);
  await ctx.dns.server.detach(sandboxId);
}
