// Deleting a sandbox: every endpoint leaves and is deleted (Docker's Sandbox.Delete), then the netns goes.

import { lockKeys, type ControllerContext } from "./context.js";
import { finishEndpointDelete } from "./endpoint-delete.js";
import { finishLeave } from "./endpoint-leave.js";
import { errSandboxNotFound } from "./errors.js";
import type { SandboxRecord } from "./records.js";
import { forgetSandbox } from "./dns-sync.js";
import { removeSandboxFiles } from "./sandbox-files.js";
import { removeSandboxUts } from "./sandbox-uts.js";
import { change } from "./state.js";
import { bestEffort } from "./steps.js";

export async function deleteSandbox(ctx: ControllerContext, sandboxId: string): Promise<void> {
  const current = ctx.state.sandbox(sandboxId);
  if (current === undefined || current.state === "creating") throw errSandboxNotFound(sandboxId);
  const keys = [lockKeys.sandboxNames, lockKeys.sandbox(sandboxId), ...current.endpoints.flatMap((r) => [lockKeys.endpoint(r.endpointId), lockKeys.network(r.networkId)])];
  await ctx.locks.run(keys, async () => {
    const sb = ctx.state.sandbox(sandboxId);
    if (sb === undefined) throw errSandboxNotFound(sandboxId);
    // With the lock held, a sandbox recorded "deleting" is one whose delete failed half way: finish it.
    if (sb.state === "deleting") { await finishSandboxDelete(ctx, sb); return; }
    const intent: SandboxRecord = { ...sb, state: "deleting" };
    await ctx.state.putSandbox(intent);
    ctx.fault("sandbox-delete:intent");
    await finishSandboxDelete(ctx, intent);
  });
}

/**
 * Everything after the intent; also how a restart, or a retry after a failed write, finishes an
 * interrupted (or stale) sandbox delete. The sandbox keeps referring to each endpoint until that
 * endpoint is deleted, so a retry finds the ones that left but were not deleted yet.
 */
export async function finishSandboxDelete(ctx: ControllerContext, sb: SandboxRecord): Promise<void> {
  let current = sb;
  for (const ref of sb.endpoints) {
    const ep = ctx.state.endpoint(ref.endpointId);
    if (ep !== undefined && ep.sandboxId === sb.id) {
      await finishLeave(ctx, { ...ep, pending: { op: "leave", sandboxId: sb.id, ifname: ep.ifname ?? "" } }, current, true);
      current = ctx.state.sandbox(sb.id) ?? current;
      ctx.fault("sandbox-delete:leave");
    }
    const left = ctx.state.endpoint(ref.endpointId);
    if (left?.state === "deleting") await finishEndpointDelete(ctx, left, true);
  }
  await bestEffort([
    ["detach resolver", () => forgetSandbox(ctx, current.id)],
    ["release handle", () => ctx.handles.release(current.key)],
    ["delete netns", () => { if (!current.hostNetns && ctx.netns.exists(current.name)) ctx.netns.delete(current.name); }],
    ["delete UTS namespace", () => removeSandboxUts(ctx, current)],
    ["remove files", () => removeSandboxFiles(ctx, current)],
  ]);
  ctx.fault("sandbox-delete:netns");
  // Its added ports go with it, the sandbox record last: in one transaction unless there are more than
  // one takes, and then a restart finishes what a crash left (the record says "deleting").
  await ctx.state.applyInChunks([...ctx.state.addedPorts(sb.id).map((p) => change.port(sb.id, p.id, undefined)), change.sandbox(sb.id, undefined)]);
}
