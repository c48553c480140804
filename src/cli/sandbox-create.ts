// `dnet sandbox create [...] NAME`: a sandbox (network namespace + hosts/resolv.conf), optionally on networks.

import type { SandboxCreateRequest } from "../api/dto.js";
import { str, strs, type Command, type Parsed } from "./common.js";
import { parseNetworkFlag, parsePublish } from "./publish.js";

/** The request of `sandbox create` and `run` (their shared flags: SANDBOX_FLAGS in commands-sandbox.ts). */
export function sandboxRequest(p: Parsed, name: string): SandboxCreateRequest {
  const hostname = str(p, "hostname");
  const domainname = str(p, "domainname");
  return {
    Name: name, ...(hostname === undefined ? {} : { Hostname: hostname }), ...(domainname === undefined ? {} : { Domainname: domainname }),
    Dns: strs(p, "dns"), DnsSearch: strs(p, "dns-search"), DnsOptions: strs(p, "dns-option"), ExtraHosts: strs(p, "add-host"),
    PortBindings: strs(p, "publish").map(parsePublish), Networks: strs(p, "network").map(parseNetworkFlag),
  };
}

export const sandboxCreate: Command = async (p, ctx) => {
  const sb = await ctx.client().createSandbox(sandboxRequest(p, p.positionals[0] as string));
  ctx.out(sb.Id);
  return 0;
};
