// `dnet system cleanup [--data-dir DIR] [--netns-dir DIR] [--socket PATH] [--dry-run] [-f]`: lists, asks,
// then removes every kernel object and file dnet made on this host (to uninstall it). Not a client of the
// daemon: it refuses while one runs on that socket or data dir, and loads the library (like `dnet daemon`).

import { connect } from "node:net";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_SOCKET } from "../api/dto.js";
import { flag, str, type CliContext, type Command } from "./common.js";
import { confirm } from "./prompt.js";

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(path);
    s.once("connect", () => { s.destroy(); done(true); });
    s.once("error", () => done(false));
  });
}

/** Processes (other than this one) with a file under `dir` open: a daemon using that state. */
function processesUsing(dir: string): string[] {
  const prefix = `${resolve(dir)}/`;
  const users: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    const uses = fds.some((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(prefix); } catch { return false; } });
    if (!uses) continue;
    let cmd = "";
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "").join(" "); } catch { /* gone */ }
    users.push(`${pid} (${cmd.slice(0, 80)})`);
  }
  return users;
}

async function refuseIfRunning(socket: string, dataDir: string): Promise<void> {
  if (await socketAnswers(socket)) throw new Error(`a dnet daemon is running on ${socket}: stop it first (systemctl stop dnet)`);
  const users = processesUsing(dataDir);
  if (users.length > 0) throw new Error(`${dataDir} is in use by process ${users.join(", ")}: stop the daemon first`);
}

async function runSteps(ctx: CliContext, steps: ReadonlyArray<{ what: string; run: () => Promise<void> }>): Promise<string[]> {
  const errors: string[] = [];
  for (const step of steps) {
    try {
      await step.run();
      ctx.out(`removed ${step.what}`);
    } catch (err) {
      errors.push(`${step.what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return errors;
}

export const systemCleanup: Command = async (p, ctx) => {
  const o = {
    socket: str(p, "socket") ?? DEFAULT_SOCKET, dataDir: str(p, "data-dir") ?? "/var/lib/dnet", netnsDir: str(p, "netns-dir") ?? "/run/netns",
    ...(str(p, "etc-netns-dir") === undefined ? {} : { etcNetnsDir: str(p, "etc-netns-dir") as string }),
  };
  await refuseIfRunning(o.socket, o.dataDir);
  const { planCleanup } = await import("../daemon/cleanup.js");
  const plan = await planCleanup(o);
  let errors: string[] = [];
  try {
    for (const note of plan.notes) ctx.out(`note: ${note}`);
    if (plan.steps.length === 0) {
      ctx.out("nothing to remove");
      return 0;
    }
    ctx.out(`${flag(p, "dry-run") ? "Would remove" : "To remove"}:\n${plan.steps.map((s) => `  ${s.what}`).join("\n")}`);
    if (flag(p, "dry-run")) return 0;
    if (!flag(p, "force") && !(await confirm(ctx, "This removes every network and sandbox of dnet on this host, and its state."))) return 0;
    errors = await runSteps(ctx, plan.steps);
  } finally {
    await plan.close();
  }
  if (errors.length > 0) throw new Error(`some of it could not be removed: ${errors.join("; ")}`);
  return 0;
};
