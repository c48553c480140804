// Runs firewall tools (nft, iptables, sysctl) in the backend's netns, turning failures into typed errors.

import { spawn } from "node:child_process";
import { LibnetworkError, internal, invalidArgument, unavailable, type ErrorCode } from "../errors/index.js";

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one program; `input` goes to its stdin (a socketpair under Node: fine for text, not for `nft -j -f -`). */
export type CommandRunner = (cmd: string, args: readonly string[], input?: string) => Promise<CommandResult>;

/** A failed command: keeps the exit status and stderr so callers can tell "No such file" from real errors. */
export class CommandError extends LibnetworkError {
  readonly status: number | null;
  readonly stderr: string;

  constructor(code: ErrorCode, message: string, status: number | null, stderr: string) {
    super("internal", code, message);
    this.name = "CommandError";
    this.status = status;
    this.stderr = stderr;
  }
}

/** `/run/netns/NAME` for a plain name; a path is kept. */
export function netnsPath(netns: string): string {
  if (netns.includes("/")) return netns;
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(netns) || netns === "." || netns === "..") {
    throw invalidArgument("ERR_INVALID_NETNS_NAME", `invalid network namespace name ${JSON.stringify(netns)}`);
  }
  return `/run/netns/${netns}`;
}

const TIMEOUT_MS = 30_000;

/** A runner that executes inside `netns` (via `nsenter --net=`) or in the caller's netns. */
export function commandRunner(netns?: string): CommandRunner {
  const prefix = netns === undefined ? [] : [`--net=${netnsPath(netns)}`, "--"];
  return (cmd, args, input) => new Promise((resolve, reject) => {
    const [file, argv] = netns === undefined ? [cmd, [...args]] : ["nsenter", [...prefix, cmd, ...args]];
    const child = spawn(file, argv, { stdio: ["pipe", "pipe", "pipe"] });
    // Our own timer (spawn's `timeout` option stays armed after an ENOENT and holds the loop for 30 s).
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    // Before anything can throw: a spawn that fails (ENOENT, or EMFILE when descriptors run out) emits
    // 'error', and an 'error' nobody listens to ends the process.
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(spawnError(file, e));
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Without descriptors the pipes were never made: the 'error' above says why.
    if (child.stdout === null || child.stderr === null || child.stdin === null) return;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.stdin.on("error", () => { /* the exit status reports the failure */ });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (status === 0) { resolve({ stdout, stderr }); return; }
      const why = signal !== null ? `killed by ${signal}` : `exit status ${String(status)}`;
      reject(new CommandError("ERR_FIREWALL_EXEC", `${cmd} ${args.slice(0, 3).join(" ")}… failed (${why}): ${stderr.trim()}`, status, stderr));
    });
    child.stdin.end(input ?? "");
  });
}

function spawnError(file: string, e: NodeJS.ErrnoException): LibnetworkError {
  if (e.code === "ENOENT") return unavailable("ERR_FIREWALL_TOOL_MISSING", `${file} is not installed (needed by the firewall backend)`, e);
  if (e.code === "EMFILE" || e.code === "ENFILE") {
    return unavailable("ERR_FIREWALL_EXEC", `cannot run ${file}: out of file descriptors (${e.code}); try again when some are closed`, e);
  }
  return internal("ERR_FIREWALL_EXEC", `cannot run ${file}: ${e.message}`, e);
}

/** Writes network sysctls, e.g. `net/ipv4/conf/br0/route_localnet` = "1" (slash form: names may hold dots). */
export type SysctlWriter = (entries: ReadonlyArray<readonly [key: string, value: string]>) => Promise<void>;

/** The default writer: one `sysctl -q -w` run in the backend's netns. */
export function sysctlWriter(run: CommandRunner): SysctlWriter {
  return async (entries) => {
    if (entries.length === 0) return;
    for (const [k, v] of entries) {
      if (!/^net\/[A-Za-z0-9_.@/-]+$/.test(k) || k.includes("..") || !/^[0-9]+$/.test(v)) {
        throw invalidArgument("ERR_INVALID_SYSCTL", `invalid sysctl ${k}=${v}`);
      }
    }
    try {
      await run("sysctl", ["-q", "-w", ...entries.map(([k, v]) => `${k}=${v}`)]);
    } catch (err) {
      if (err instanceof CommandError && /cannot stat/.test(err.stderr)) {
        throw unavailable("ERR_FIREWALL_SYSCTL", `sysctl missing in the firewall's netns: ${err.stderr.trim()}`, err);
      }
      throw err;
    }
  };
}
