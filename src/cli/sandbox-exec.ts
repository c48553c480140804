// `dnet sandbox exec SANDBOX [--] CMD [ARG...]`: CMD runs in the sandbox's netns with its hosts and resolv.conf
// on /etc (a private mount namespace), and its exit code becomes ours.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { constants } from "node:os";
import type { SandboxDto } from "../api/dto.js";
import { UsageError, type Command } from "./common.js";

// The bind mounts happen inside `unshare --mount`, so they never leak into the caller's mount namespace.
const EXEC_SCRIPT = [
  'ns="$1"; rc="$2"; hosts="$3"; shift 3',
  'mount --make-rprivate / 2>/dev/null',
  'if [ -f "$rc" ]; then mount --bind "$rc" /etc/resolv.conf || exit 125; fi',
  'if [ -f "$hosts" ]; then mount --bind "$hosts" /etc/hosts || exit 125; fi',
  'exec nsenter --net="$ns" -- "$@"',
].join("\n");

/** The argv that runs `cmd` inside the sandbox (in its UTS namespace too, for its hostname, when it has one). */
export function execArgv(sb: SandboxDto, cmd: readonly string[]): string[] {
  const uts = (sb.UtsPath ?? "") === "" ? [] : ["nsenter", `--uts=${sb.UtsPath}`, "--"];
  if (dirname(sb.Key) === "/run/netns" && basename(sb.Key) === sb.Name && existsSync(sb.Key)) {
    // iproute2 bind-mounts /etc/netns/NAME/* over /etc for us.
    return [...uts, "ip", "netns", "exec", sb.Name, ...cmd];
  }
  return [...uts, "unshare", "--mount", "--", "sh", "-c", EXEC_SCRIPT, "dnet-exec", sb.Key, sb.ResolvConfPath, sb.HostsPath, ...cmd];
}

/** Runs `cmd` in the sandbox; resolves with its exit code (128+N when killed by signal N). */
export function execIn(sb: SandboxDto, cmd: readonly string[]): Promise<number> {
  const argv = execArgv(sb, cmd);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: "inherit" });
    const forward = (sig: NodeJS.Signals): void => { child.kill(sig); };
    const sigs: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];
    for (const s of sigs) process.on(s, forward);
    child.on("error", (err) => { for (const s of sigs) process.off(s, forward); reject(err); });
    child.on("exit", (code, signal) => {
      for (const s of sigs) process.off(s, forward);
      resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}

export const sandboxExec: Command = async (p, ctx) => {
  const [name, ...rest] = p.positionals;
  // Flags end at the sandbox's name; a `--` right after it only separates the command.
  const cmd = rest[0] === "--" ? rest.slice(1) : rest;
  if (cmd.length === 0) throw new UsageError(`missing command (see 'dnet sandbox exec --help')`);
  const sb = await ctx.client().inspectSandbox(name as string);
  ctx.client().close();
  return execIn(sb, cmd);
};
