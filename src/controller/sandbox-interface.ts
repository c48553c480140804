// A sandbox's netns handle, and retiring an interface from a sandbox's view.

import { retiredLinkName, setLink, type NetnsHandle } from "../osl/index.js";
import type { ControllerContext } from "./context.js";
import type { SandboxRecord } from "./records.js";

export function sandboxHandle(ctx: ControllerContext, sb: SandboxRecord): NetnsHandle {
  return sb.hostNetns ? ctx.handles.host() : ctx.handles.get(sb.key);
}

/**
 * The interface named `ifname` (or with that index) in the sandbox, if it is still there: down (it carries no traffic; a veth's
 * host end loses its carrier) and renamed out of the way, in one message. Its driver destroys it later,
 * off the request path.
 */
export async function retireInterface(ctx: ControllerContext, sb: SandboxRecord, ifname: string | number): Promise<void> {
  if (sb.hostNetns) return;
  await setLink(sandboxHandle(ctx, sb), ifname, { up: false, name: retiredLinkName() }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "ENODEV") throw err; // already destroyed by the driver
  });
}
