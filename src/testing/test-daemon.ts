// Test harness: a real `dnet daemon` process inside a scratch network namespace (so bridges, veths and
// nftables rules land there, never on the host), with its socket, data, netns and etc dirs under a temp
// dir; helpers to run the `dnet` and `docker` CLIs against it, and a cleanup that removes everything.

import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DnetClient } from "../api/client.js";
import { DNET_TRASH_GROUP } from "../osl/index.js";

export const DNET_MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));

export interface CliResult { readonly code: number; readonly stdout: string; readonly stderr: string }

export function runCmd(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

export function sh(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function trySh(cmd: string, args: readonly string[]): void {
  try { sh(cmd, args); } catch { /* best effort */ }
}

export class TestDaemon {
  readonly tmp: string;
  readonly hostNetns: string;
  readonly socket: string;
  readonly netnsDir: string;
  readonly extraArgs: readonly string[];
  /** A command node is started under, inside the netns (`prlimit --nofile=400`, `setpriv …`); it must exec, not fork. */
  readonly prefix: readonly string[];
  proc: ChildProcess | undefined;
  log = "";
  #client: DnetClient | undefined;

  constructor(extraArgs: readonly string[] = [], prefix: readonly string[] = []) {
    this.tmp = mkdtempSync("/tmp/dnet-test-");
    this.hostNetns = `dnt-${randomBytes(4).toString("hex")}`;
    this.socket = `${this.tmp}/dnet.sock`;
    this.netnsDir = `${this.tmp}/netns`;
    this.extraArgs = extraArgs;
    this.prefix = prefix;
    sh("ip", ["netns", "add", this.hostNetns]);
    sh("ip", ["-n", this.hostNetns, "link", "set", "lo", "up"]);
  }

  get host(): string { return `unix://${this.socket}`; }

  /** The daemon's process id (nsenter and the prefix exec it, so this is node itself). */
  get pid(): number {
    const pid = this.proc?.pid;
    if (pid === undefined) throw new Error("the daemon is not running");
    return pid;
  }

  /** How many file descriptors the daemon holds now. */
  fdCount(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length;
  }

  get client(): DnetClient {
    return (this.#client ??= new DnetClient(this.host));
  }

  /** Starts the daemon (with other flags than the constructor's, if given) and waits until it answers /_ping. */
  async start(extraArgs?: readonly string[]): Promise<void> {
    const proc = this.spawnDaemon(extraArgs);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}: ${this.log}`);
      const probe = new DnetClient(this.host);
      try {
        await probe.ping();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`daemon did not start: ${this.log}`);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.close();
      }
    }
  }

  /** Starts the daemon process without waiting for it (stderr collects into `log`). */
  spawnDaemon(extraArgs: readonly string[] = this.extraArgs): ChildProcess {
    const args = ["--net=/run/netns/" + this.hostNetns, ...this.prefix, process.execPath, DNET_MAIN, "daemon", "--socket", this.socket,
      "--data-dir", `${this.tmp}/data`, "--netns-dir", this.netnsDir,
      // Unknown names are forwarded only to loopback in tests (nothing listens there: they fail fast).
      "--dns", "127.0.0.1", ...extraArgs];
    const proc = spawn("nsenter", args, { stdio: ["ignore", "ignore", "pipe"] });
    this.proc = proc;
    proc.stderr?.on("data", (c: Buffer) => { this.log += c.toString(); });
    return proc;
  }

  /** Stops the daemon with `signal` and waits for the process to end. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    this.#client?.close();
    this.#client = undefined;
    const proc = this.proc;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  dnet(args: readonly string[]): Promise<CliResult> {
    return runCmd(process.execPath, [DNET_MAIN, "-H", this.host, ...args]);
  }

  docker(args: readonly string[]): Promise<CliResult> {
    return runCmd("docker", ["-H", this.host, ...args], { ...process.env, DOCKER_CONFIG: `${this.tmp}/docker-config` });
  }

  /** Runs a command in the scratch "host" netns of the daemon. */
  inHost(cmd: string, args: readonly string[]): string {
    return sh("nsenter", [`--net=/run/netns/${this.hostNetns}`, cmd, ...args]);
  }

  /**
   * Waits until the daemon's reaper has destroyed what waits in its trash group: left endpoints' veths and
   * deleted networks' bridges (renamed and retired at once, destroyed off the request path).
   */
  async reaped(timeoutMs = 5000): Promise<void> {
    for (const start = Date.now(); ;) {
      // `ip -j link show group N` prints an empty object for each link it filters out.
      const waiting = (JSON.parse(this.inHost("ip", ["-j", "link", "show", "group", String(DNET_TRASH_GROUP)]) || "[]") as Array<{ ifname?: string }>)
        .filter((l) => l.ifname !== undefined);
      if (waiting.length === 0) return;
      if (Date.now() - start > timeoutMs) throw new Error(`still waiting for the reaper: ${waiting.map((l) => l.ifname).join(", ")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Runs a command in a sandbox's netns (by its netns path). */
  inNetns(key: string, cmd: string, args: readonly string[]): string {
    return sh("nsenter", [`--net=${key}`, cmd, ...args]);
  }

  /** Kills the daemon, unmounts every sandbox netns under the temp dir, deletes the scratch netns and dir. */
  async cleanup(): Promise<void> {
    await this.stop("SIGKILL").catch(() => {});
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
      .filter((m) => m.startsWith(`${this.tmp}/`)).sort((a, b) => b.length - a.length);
    for (const m of mounts) trySh("umount", ["-l", m]);
    trySh("ip", ["netns", "del", this.hostNetns]);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

interface IpAddrJson { ifname: string; link_type?: string; addr_info?: Array<{ local: string; prefixlen: number }> }

/** Interfaces and their addresses in a netns, read with iproute2 (independent of our own code). */
export function kernelAddrs(run: (cmd: string, args: readonly string[]) => string): Map<string, string[]> {
  const list = JSON.parse(run("ip", ["-j", "addr", "show"])) as IpAddrJson[];
  return new Map(list.map((l) => [l.ifname, (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`)]));
}

/**
 * Checks that the daemon's view and the kernel agree: every sandbox's netns holds exactly lo plus its
 * endpoints' interfaces with their addresses; every bridge network has its bridge; the daemon's netns
 * holds one veth per joined endpoint and no more; the netns dir holds exactly the sandboxes.
 */
export async function assertConsistent(d: TestDaemon, settleMs = 8_000): Promise<{ networks: number; sandboxes: number; endpoints: number }> {
  // Links of a leave are destroyed off the request path (renamed, then deleted): give that time to finish.
  const deadline = Date.now() + settleMs;
  for (;;) {
    try {
      return await checkConsistent(d);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function checkConsistent(d: TestDaemon): Promise<{ networks: number; sandboxes: number; endpoints: number }> {
  const [nets, sbs, eps] = await Promise.all([d.client.listNetworks(), d.client.listSandboxes(), d.client.listEndpoints()]);
  const problems: string[] = [];
  for (const sb of sbs) {
    const addrs = kernelAddrs((c, a) => d.inNetns(sb.Key, c, a));
    const want = new Set(["lo", ...sb.Endpoints.map((e) => e.IfName)]);
    for (const ifname of addrs.keys()) if (!want.has(ifname)) problems.push(`sandbox ${sb.Name}: unexpected interface ${ifname}`);
    for (const e of sb.Endpoints) {
      const have = addrs.get(e.IfName);
      if (have === undefined) problems.push(`sandbox ${sb.Name}: missing ${e.IfName}`);
      else if (e.IPv4Address !== "" && !have.includes(e.IPv4Address)) problems.push(`sandbox ${sb.Name}: ${e.IfName} lacks ${e.IPv4Address}`);
    }
  }
  const hostLinks = JSON.parse(d.inHost("ip", ["-j", "-d", "link", "show"])) as Array<{ ifname: string; linkinfo?: { info_kind?: string } }>;
  const bridges = new Set(hostLinks.filter((l) => l.linkinfo?.info_kind === "bridge").map((l) => l.ifname));
  for (const n of nets.filter((x) => x.Driver === "bridge")) {
    const name = n.Options["com.docker.network.bridge.name"] ?? `br-${n.Id.slice(0, 12)}`;
    if (!bridges.has(name)) problems.push(`network ${n.Name}: bridge ${name} missing`);
  }
  for (const e of eps) if (e.SandboxID === "") problems.push(`endpoint ${e.Name} on ${e.NetworkName} is not joined (an orphan)`);
  const veths = hostLinks.filter((l) => l.linkinfo?.info_kind === "veth").length;
  const joined = eps.filter((e) => e.SandboxID !== "").length;
  if (veths !== joined) problems.push(`${veths} veths in the daemon's netns but ${joined} joined endpoints`);
  const netnsFiles = sh("ls", ["-A", d.netnsDir]).split("\n").filter((x) => x !== "").sort();
  const names = sbs.map((s) => s.Name).sort();
  if (JSON.stringify(netnsFiles) !== JSON.stringify(names)) problems.push(`netns dir ${JSON.stringify(netnsFiles)} ≠ sandboxes ${JSON.stringify(names)}`);
  if (problems.length > 0) throw new Error(`inconsistent state:\n  ${problems.join("\n  ")}`);
  return { networks: nets.length, sandboxes: sbs.length, endpoints: eps.length };
}

/** What the daemon holds, as one comparable string. */
export async function snapshot(c: DnetClient): Promise<string> {
  const [n, s, e] = await Promise.all([c.listNetworks(), c.listSandboxes(), c.listEndpoints()]);
  return JSON.stringify({ n: n.map((x) => x.Id + x.Name).sort(), s: s.map((x) => x.Id + x.Name).sort(), e: e.map((x) => x.Id).sort() });
}
