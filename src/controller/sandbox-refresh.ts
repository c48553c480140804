// Refreshing a sandbox (Docker's Sandbox.Refresh): its configuration reset to the defaults, the given
// options applied, its hosts and resolv.conf and its view in the embedded resolver rebuilt.
//
// Docker also leaves and re-joins every endpoint; here nothing of the interfaces depends on these
// options, so they stay as they are (no traffic interruption). One record write: a crash before it
// changes nothing, after it the restart regenerates the files from the record.

import { lockKeys, type ControllerContext } from "./context.js";
import { errSandboxDeleting, errSandboxNotFound } from "./errors.js";
import { joinedEndpoints } from "./endpoint-join.js";
import type { SandboxRecord } from "./records.js";
import { sandboxConfig, type SandboxConfigOptions } from "./sandbox-create.js";
import { writeSandboxFiles } from "./sandbox-files.js";
import { syncSandboxUts } from "./sandbox-uts.js";

export async function refreshSandbox(ctx: ControllerContext, sandboxId: string, o: SandboxConfigOptions): Promise<SandboxRecord> {
  return ctx.locks.run([lockKeys.sandbox(sandboxId)], async () => {
    const sb = ctx.state.sandbox(sandboxId);
    if (sb === undefined || sb.state === "creating") throw errSandboxNotFound(sandboxId);
    if (sb.state === "deleting") throw errSandboxDeleting(sandboxId);
    const refreshed: SandboxRecord = { ...sb, ...sandboxConfig(sb.containerId, sb.id, o) };
    await ctx.state.putSandbox(refreshed);
    syncSandboxUts(ctx, refreshed);
    await writeSandboxFiles(ctx, refreshed, joinedEndpoints(ctx, refreshed));
    return refreshed;
  });
}
