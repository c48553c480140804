// What every peer driver of the comparison benchmark offers, and small helpers they share.

import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

/** One network stack driven the way its users drive it. Every method is timed by the caller. */
export interface Peer {
  /** Row label, e.g. "dnet (library)". */
  readonly name: string;
  /** Attach sandbox `slot` to the bench network (slot -1: the sandbox that publishes tcp 8080→80). */
  attach(slot: number): Promise<void>;
  detach(slot: number): Promise<void>;
  /** Makes sandboxes 0 … count-1 exist (not timed). */
  ensureSlots(count: number): Promise<void>;
  /** Create / delete one bridge network (absent: the peer has no network object). */
  createNetwork?(i: number): Promise<void>;
  deleteNetwork?(i: number): Promise<void>;
  /** Resident memory of the control plane in KiB (absent: nothing stays resident). */
  rssKiB?(): number;
  /** Stops what it started; returns problems found on the way. */
  close(): Promise<string[]>;
}

/** Every scratch netns of this benchmark starts with this prefix (the outer process sweeps them). */
export const NS_PREFIX = "dnetcmp-";

export function scratchName(what: string): string {
  return `${NS_PREFIX}${what}-${randomBytes(3).toString("hex")}`;
}

export function addNetns(name: string): void {
  execFileSync("ip", ["netns", "add", name]);
  execFileSync("ip", ["-n", name, "link", "set", "lo", "up"]);
}

export function delNetns(name: string, problems: string[]): void {
  try { execFileSync("ip", ["netns", "del", name], { stdio: ["ignore", "ignore", "pipe"] }); } catch (err) {
    problems.push(`ip netns del ${name}: ${(err as Error).message.split("\n")[0] ?? ""}`);
  }
}

export interface ExecResult { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs a program with `input` on stdin (a real pipe: execFile writes it, then closes). */
/** Unmounts (lazily) every mount at or below `dir`, deepest first: a dnet run's netns and UTS bind mounts. */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const m of mounts) { try { execFileSync("umount", ["-l", m], { stdio: "ignore" }); } catch { /* gone */ } }
}

export function run(file: string, args: readonly string[], input = "", env: NodeJS.ProcessEnv = process.env): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(file, [...args], { env, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

export async function mustRun(file: string, args: readonly string[], input = "", env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const r = await run(file, args, input, env);
  if (r.code !== 0) throw new Error(`${file} ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()} ${r.stdout.trim()}`.slice(0, 2000));
  return r.stdout;
}

/** VmRSS of a process in KiB (0 when it is gone). */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch { return 0; }
}

/** Address `n` (1-based host number) inside 10.A.0.0/16. */
export function hostIp(a: number, n: number): string {
  return `10.${a}.${n >> 8}.${n & 255}`;
}
