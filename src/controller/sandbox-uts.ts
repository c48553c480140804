// A sandbox's UTS namespace: its hostname and domain name as `hostname` shows them inside (Docker gives
// every container one). Only sandboxes with a netns of their own get one: an adopted netns belongs to a
// process that has its names already, and host networking keeps the host's.

import type { ControllerContext } from "./context.js";
import type { SandboxRecord } from "./records.js";

/** Whether a sandbox like this one gets a UTS namespace of its own. */
export function wantsUts(ctx: ControllerContext, sb: SandboxRecord): boolean {
  return ctx.uts !== undefined && !sb.hostNetns && !sb.external;
}

/** Creates it (a leftover of a crashed creation with the same name is replaced). */
export function createSandboxUts(ctx: ControllerContext, sb: SandboxRecord): void {
  if (ctx.uts === undefined) return;
  ctx.uts.delete(sb.name);
  ctx.uts.create(sb.name, sb.hostname, sb.domainname);
}

/** The names follow a refresh; a UTS namespace that vanished (a reboot) is made again. */
export function syncSandboxUts(ctx: ControllerContext, sb: SandboxRecord): void {
  if (ctx.uts === undefined || sb.uts !== true) return;
  if (ctx.uts.exists(sb.name)) ctx.uts.setNames(sb.name, sb.hostname, sb.domainname);
  else ctx.uts.create(sb.name, sb.hostname, sb.domainname);
}

export function removeSandboxUts(ctx: ControllerContext, sb: SandboxRecord): void {
  if (ctx.uts === undefined || sb.uts !== true) return;
  ctx.uts.delete(sb.name);
}
