// Netns files in the controller's directory that no sandbox record names — what a lost or emptied
// database leaves — deleted with their hosts and resolv.conf and their UTS namespace files, for a
// controller that owns its directories alone (`reclaimUnrecorded`; bridges and veths are the drivers').

import { existsSync } from "node:fs";
import { removeSandboxDnsFiles, type SandboxDnsPaths } from "../dns/index.js";
import { DEFAULT_NETNS_DIR } from "../osl/index.js";
import type { ControllerContext } from "./context.js";

export async function reclaimNetns(ctx: ControllerContext): Promise<string[]> {
  const recorded = new Set([...ctx.state.sandboxes.values()].map((v) => v.record.name));
  const out: string[] = [];
  for (const name of ctx.netns.list()) {
    const paths = dnsPaths(ctx, name);
    if (recorded.has(name) || !isOurs(ctx, paths)) continue;
    ctx.handles.release(ctx.netns.pathOf(name));
    ctx.netns.delete(name);
    if (paths !== undefined) await removeSandboxDnsFiles(paths, ctx.dnsFiles).catch(() => false);
    out.push(`netns ${name}`);
  }
  // The UTS directory (`<netnsDir>-uts`) is dnet's alone: every file there is a sandbox's.
  for (const name of ctx.uts?.list() ?? []) {
    if (recorded.has(name)) continue;
    ctx.uts?.delete(name);
    out.push(`uts namespace ${name}`);
  }
  return out;
}

function dnsPaths(ctx: ControllerContext, name: string): SandboxDnsPaths | undefined {
  try { return ctx.dnsFiles.paths(name, ctx.etcNetnsDir); } catch { return undefined; } // not a name dnet gives
}

/**
 * In a directory of dnet's own every file is one of its sandboxes; /run/netns is shared with `ip netns`,
 * so there only files whose sandbox files carry dnet's resolv.conf hash (Docker keeps its elsewhere).
 */
function isOurs(ctx: ControllerContext, paths: SandboxDnsPaths | undefined): boolean {
  if (ctx.netns.dir !== DEFAULT_NETNS_DIR) return true;
  return paths !== undefined && existsSync(paths.resolvConfHash);
}
