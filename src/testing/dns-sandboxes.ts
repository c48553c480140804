// Helpers for the resolver's root tests and bench: scratch sandboxes with `lo` up, and `dig` run inside them.

import { execFile } from "node:child_process";
import type { NativeAddon } from "../native/index.js";
import { HandleCache, NetnsDirectory, setLink, type NetnsHandle } from "../osl/index.js";

export interface ScratchSandbox {
  readonly name: string;
  readonly handle: NetnsHandle;
  readonly nsFd: number;
}

/** Namespaces made for one test file; `cleanup` removes every one of them, whatever happened. */
export class ScratchSandboxes {
  readonly #dir: NetnsDirectory;
  readonly #cache: HandleCache;
  readonly #made: string[] = [];

  constructor(native: NativeAddon) {
    this.#dir = new NetnsDirectory(native);
    this.#cache = new HandleCache(native);
  }

  async create(name: string): Promise<ScratchSandbox> {
    const path = this.#dir.create(name);
    this.#made.push(name);
    const handle = this.#cache.get(path);
    // 127.0.0.11 lives on lo: without lo up, binding it fails with EADDRNOTAVAIL.
    await setLink(handle, "lo", { up: true });
    return { name, handle, nsFd: handle.nsFd };
  }

  cleanup(): void {
    this.#cache.closeAll();
    const names = this.#made.splice(0);
    this.#dir.deleteMany(names.filter((n) => this.#dir.exists(n)));
  }
}

export interface DigAnswer {
  readonly name: string;
  readonly ttl: number;
  readonly type: string;
  readonly data: string;
}

export interface DigResult {
  /** NOERROR, NXDOMAIN…; "" when no reply came. */
  readonly status: string;
  readonly flags: readonly string[];
  readonly answers: readonly DigAnswer[];
  readonly output: string;
  readonly ms: number;
}

function parseDig(output: string, ms: number): DigResult {
  const status = /status: ([A-Z]+)/.exec(output)?.[1] ?? "";
  const flags = (/;; flags: ([a-z ]+);/.exec(output)?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
  const answers: DigAnswer[] = [];
  const section = output.split(";; ANSWER SECTION:\n")[1]?.split("\n\n")[0] ?? "";
  for (const line of section.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 5) answers.push({ name: f[0] as string, ttl: Number(f[1]), type: f[3] as string, data: f.slice(4).join(" ") });
  }
  return { status, flags, answers, output, ms };
}

/**
 * `dig @server ARGS` inside netns `ns` (undefined: the host netns), asynchronously so that servers in
 * this process keep answering. One try, `timeout` seconds; the result carries dig's whole output.
 */
export function dig(ns: string | undefined, args: readonly string[], options: { server?: string; timeout?: number } = {}): Promise<DigResult> {
  const digArgs = [`@${options.server ?? "127.0.0.11"}`, `+time=${options.timeout ?? 3}`, "+tries=1", ...args];
  const [cmd, argv] = ns === undefined ? ["dig", digArgs] : ["ip", ["netns", "exec", ns, "dig", ...digArgs]];
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd as string, argv as string[], { encoding: "utf8" }, (_err, stdout, stderr) => {
      resolve(parseDig(`${stdout}${stderr}`, performance.now() - t0));
    });
  });
}

/** The answer data of a dig result, sorted (addresses or PTR targets). */
export function answerData(r: DigResult, type?: string): string[] {
  return r.answers.filter((a) => type === undefined || a.type === type).map((a) => a.data).sort();
}
