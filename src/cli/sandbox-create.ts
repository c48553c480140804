// `dnet sandbox create [...] NAME`: a sandbox (network namespace + hosts/resolv.conf), optionally on networks.

import type { SandboxCreateRequest } from "../api/dto.js";
import { needPositionals, parse, str, strs, type Command, type Parsed } from "./common.js";
import { parseNetworkFlag, parsePublish } from "./publish.js";

const USAGE = "dnet sandbox create [--hostname H] [--domainname D] [--dns IP]... [--dns-search D]... [--dns-option O]... [--add-host NAME:IP]... [-p|--publish SPEC]... [--network NET[:ALIAS,...]]... NAME";

/** The flags `sandbox create` and `run` share. */
export const SANDBOX_OPTIONS = {
  hostname: { type: "string" }, domainname: { type: "string" }, dns: { type: "string", multiple: true },
  "dns-search": { type: "string", multiple: true }, "dns-option": { type: "string", multiple: true },
  "add-host": { type: "string", multiple: true }, publish: { type: "string", short: "p", multiple: true },
  network: { type: "string", multiple: true },
} as const;

export function sandboxRequest(p: Parsed, name: string): SandboxCreateRequest {
  const hostname = str(p, "hostname");
  const domainname = str(p, "domainname");
  return {
    Name: name, ...(hostname === undefined ? {} : { Hostname: hostname }), ...(domainname === undefined ? {} : { Domainname: domainname }),
    Dns: strs(p, "dns"), DnsSearch: strs(p, "dns-search"), DnsOptions: strs(p, "dns-option"), ExtraHosts: strs(p, "add-host"),
    PortBindings: strs(p, "publish").map(parsePublish), Networks: strs(p, "network").map(parseNetworkFlag),
  };
}

export const sandboxCreate: Command = async (args, ctx) => {
  const p = parse(args, SANDBOX_OPTIONS, USAGE);
  needPositionals(p, 1, 1, USAGE);
  const sb = await ctx.client().createSandbox(sandboxRequest(p, p.positionals[0] as string));
  ctx.out(sb.Id);
  return 0;
};
