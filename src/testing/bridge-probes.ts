// Scenario child side: independent probes (ping, curl, an echo server, `ip -j`, `nft -j`) run in a
// given netns with `nsenter --net=PATH`, or in the child's own netns (H) when no path is given.
// Probes are async, so a scenario awaits many at once and the negative ones time out together.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DNET_TRASH_GROUP } from "../osl/link-groups.js";

const ECHO = join(dirname(fileURLToPath(import.meta.url)), "echo-server.js");

export interface ExecResult { readonly ok: boolean; readonly out: string }

function argvIn(ns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return ns === undefined ? [cmd, [...args]] : ["nsenter", [`--net=${ns}`, "--", cmd, ...args]];
}

/** Runs a command (in `ns` if given); never throws. */
export function exec(ns: string | undefined, cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<ExecResult> {
  const [file, argv] = argvIn(ns, cmd, args);
  return new Promise((resolve) => {
    execFile(file, argv, { encoding: "utf8", timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ ok: err === null, out: `${stdout}${err === null ? "" : stderr}`.trim() });
    });
  });
}

/** Like exec, but throws with stderr on failure (for setup steps and oracles that must work). */
export async function must(ns: string | undefined, cmd: string, args: readonly string[]): Promise<string> {
  const r = await exec(ns, cmd, args);
  if (!r.ok) throw new Error(`${cmd} ${args.join(" ")}${ns === undefined ? "" : ` (in ${ns})`} failed: ${r.out}`);
  return r.out;
}

/** One ICMP echo, one second to answer. */
export async function ping(ns: string | undefined, address: string): Promise<boolean> {
  return (await exec(ns, "ping", [address.includes(":") ? "-6" : "-4", "-c1", "-W1", address])).ok;
}

/** curl's body (the echo server's "TAG local peer"), or "FAIL" when nothing answered. */
export async function curl(ns: string | undefined, address: string, port: number): Promise<string> {
  const host = address.includes(":") ? `[${address}]` : address;
  const r = await exec(ns, "curl", ["-sSg", "--connect-timeout", "1", "-m", "3", `http://${host}:${port}/`]);
  return r.ok ? r.out : "FAIL";
}

/** One UDP datagram to the echo server; its answer ("TAG - peer") or "FAIL". */
export async function udp(ns: string | undefined, address: string, port: number): Promise<string> {
  const r = await exec(ns, process.execPath, [ECHO, "ask-udp", address, String(port)]);
  return r.ok ? r.out : "FAIL";
}

export async function ipJson<T = unknown>(ns: string | undefined, args: readonly string[]): Promise<T> {
  const out = await must(ns, "ip", ["-j", ...args]);
  return (out === "" ? [] : JSON.parse(out)) as T;
}

interface IpAddrInfo { readonly family: string; readonly local: string; readonly prefixlen: number; readonly scope: string }
interface IpLink { readonly ifname: string; readonly address?: string; readonly mtu?: number; readonly master?: string; readonly link_type?: string;
  readonly linkinfo?: { readonly info_kind?: string }; readonly addr_info?: readonly IpAddrInfo[]; readonly operstate?: string;
  readonly group?: string }

/** Names of the links of a netns that a driver has left for its reaper (in dnet's trash group). */
export async function linksAwaitingReaper(ns?: string): Promise<string[]> {
  const list = await ipJson<IpLink[]>(ns, ["-d", "link", "show"]);
  return list.filter((l) => l.group === String(DNET_TRASH_GROUP)).map((l) => l.ifname);
}

/** Links of a netns: name → kind, master, mtu, MAC, global addresses. */
export async function links(ns?: string): Promise<Record<string, { kind: string; master: string; mtu: number; mac: string; addrs: string[] }>> {
  const list = await ipJson<IpLink[]>(ns, ["-d", "addr", "show"]);
  return Object.fromEntries(list.map((l) => [l.ifname, {
    kind: l.linkinfo?.info_kind ?? l.link_type ?? "", master: l.master ?? "", mtu: l.mtu ?? 0, mac: l.address ?? "",
    addrs: (l.addr_info ?? []).filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`),
  }]));
}

interface IpRoute { readonly dst: string; readonly gateway?: string; readonly dev?: string }

/** Routes of both families as "dst via gw dev X" / "dst dev X" lines. */
export async function routes(ns?: string): Promise<string[]> {
  const show = (r: IpRoute): string => `${r.dst}${r.gateway === undefined ? "" : ` via ${r.gateway}`}${r.dev === undefined ? "" : ` dev ${r.dev}`}`;
  const v4 = await ipJson<IpRoute[]>(ns, ["-4", "route", "show"]);
  const v6 = await ipJson<IpRoute[]>(ns, ["-6", "route", "show"]);
  return [...v4, ...v6].map(show);
}

/** The whole nft ruleset of a netns as text ("" when empty), and whether table inet dnet exists. */
export async function nftRuleset(ns?: string): Promise<{ text: string; hasDnetTable: boolean }> {
  const text = await must(ns, "nft", ["list", "ruleset"]);
  return { text, hasDnetTable: /^table inet dnet \{/m.test(text) };
}

/** Echo servers started in namespaces; stopped (stdin closed, then killed) by `stopAll`. */
export class Servers {
  readonly #children: ChildProcess[] = [];

  /** Starts the echo server in `ns`, answering with `tag`; resolves once it listens. */
  start(ns: string, tag: string, specs: readonly string[]): Promise<void> {
    const child = spawn("nsenter", [`--net=${ns}`, "--", process.execPath, ECHO, "serve", tag, ...specs], { stdio: ["pipe", "pipe", "pipe"] });
    this.#children.push(child);
    // The parent kills these by PID if this process dies first (stdin closing also stops them).
    if (child.pid !== undefined) process.stdout.write(`PID ${child.pid}\n`);
    return new Promise((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (b: Buffer) => { err += b.toString(); });
      child.stdout.on("data", (b: Buffer) => { if (b.toString().includes("ready")) resolve(); });
      child.on("exit", (code) => reject(new Error(`echo server ${tag} exited (${String(code)}): ${err}`)));
    });
  }

  stopAll(): void {
    for (const c of this.#children) {
      c.stdin?.end();
      if (c.exitCode === null) c.kill("SIGKILL");
    }
    this.#children.length = 0;
  }
}

/** Waits until `fn` is true (kernel work that finishes asynchronously, like deferred link deletion). */
export async function eventually(fn: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The bridge `name`'s IGMP/MLD snooping setting (1 or 0) in H, from `ip -d -j link`. */
export async function multicastSnooping(name: string): Promise<number | undefined> {
  const [link] = JSON.parse(await must(undefined, "ip", ["-d", "-j", "link", "show", name])) as Array<{ linkinfo?: { info_data?: { mcast_snooping?: number } } }>;
  return link?.linkinfo?.info_data?.mcast_snooping;
}
