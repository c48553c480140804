// A sandbox's hosts and resolv.conf, regenerated whole from its records on every change.

import {
  buildHosts, parseDnsUserConfig, removeSandboxDnsFiles, writeSandboxDnsFiles, type HostsEndpoint,
} from "../dns/index.js";
import type { ControllerContext } from "./context.js";
import { syncEndpoint, syncSandbox, usesEmbeddedDns } from "./dns-sync.js";
import type { EndpointRecord, SandboxRecord } from "./records.js";
import { sandboxDns } from "./sandbox-dns.js";

/**
 * Regenerates what a sandbox derives from its joined endpoints: its view in the embedded resolver (the
 * listener is attached before resolv.conf names 127.0.0.11) and its hosts and resolv.conf files.
 */
export async function writeSandboxFiles(ctx: ControllerContext, sb: SandboxRecord, joined: readonly EndpointRecord[]): Promise<void> {
  if (sb.hostNetns) return; // host networking uses the host's own files and resolver
  for (const e of joined) syncEndpoint(ctx, e);
  await syncSandbox(ctx, sb, joined);
  const endpoints: HostsEndpoint[] = joined.map((e) => ({
    ...(e.address === undefined ? {} : { ipv4: e.address.split("/")[0] as string }),
    ...(e.addressIPv6 === undefined ? {} : { ipv6: e.addressIPv6.split("/")[0] as string }),
  }));
  const extraHosts = [...sb.extraHosts, ...joined.flatMap((e) => e.extraHosts ?? []), ...linkHosts(ctx, joined)];
  const hosts = buildHosts({ hostname: sb.hostname, domainname: sb.domainname, extraHosts, endpoints });
  const dns = sandboxDns(sb, joined);
  const user = parseDnsUserConfig(dns);
  const ipv6 = joined.some((e) => e.addressIPv6 !== undefined);
  const { content } = ctx.resolvConf.sandbox({ user, ipv6, embeddedDns: usesEmbeddedDns(ctx, sb, joined) });
  const noUserDns = dns.dns.length + dns.dnsSearch.length + dns.dnsOptions.length === 0;
  const paths = ctx.dnsFiles.paths(sb.name, ctx.etcNetnsDir);
  // Not durable: derived state, rewritten from the records at every start (an unchanged resolv.conf is left alone).
  await writeSandboxDnsFiles(paths, { hosts, resolvConf: content }, { keepUserEdits: noUserDns, durable: false, cache: ctx.dnsFiles });
}

export async function removeSandboxFiles(ctx: ControllerContext, sb: SandboxRecord): Promise<void> {
  if (sb.hostNetns) return;
  await removeSandboxDnsFiles(ctx.dnsFiles.paths(sb.name, ctx.etcNetnsDir), ctx.dnsFiles);
}

/**
 * Hosts entries of legacy links (`--link NAME:ALIAS` at connect, as Docker writes them for links): the
 * alias and the name, at the address the linked sandbox has on the same network, if it is connected there
 * now (looked up when the files are written: a later reconnect of the linked sandbox is not followed).
 */
function linkHosts(ctx: ControllerContext, joined: readonly EndpointRecord[]): Array<{ name: string; ip: string }> {
  const out: Array<{ name: string; ip: string }> = [];
  for (const e of joined) {
    for (const link of e.links ?? []) {
      const target = ctx.state.endpointsOf(e.networkId).find((t) => {
        const sb = t.sandboxId === undefined ? undefined : ctx.state.sandbox(t.sandboxId);
        return t.id !== e.id && (t.name === link.name || sb?.name === link.name || sb?.containerId === link.name);
      });
      const ip = (target?.address ?? target?.addressIPv6)?.split("/")[0];
      if (ip === undefined) continue;
      for (const name of new Set([link.alias, link.name])) out.push({ name, ip });
    }
  }
  return out;
}
