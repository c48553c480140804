// Test harness for a real Docker next to dnet: Debian's containerd + dockerd started inside a scratch
// netns (so Docker's iptables rules, docker0 and sysctls land there, never on the host), a private
// data root under a temp dir, a busybox image built from busybox-static, and a bounded teardown.
//
// containerd is started in a new mount namespace (slave of ours) entered into the netns; dockerd joins
// that same mount namespace and netns with nsenter, so the shm and netns bind mounts dockerd makes are
// seen by runc under containerd, and vanish with that mount namespace. Not `ip netns exec`: it remounts
// /sys, which hides the cgroup mounts under /sys/fs/cgroup (dockerd: "Devices cgroup isn't mounted").

import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync, rmdirSync, symlinkSync, copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Programs the harness needs, with the Debian package that ships each. */
export const DOCKER_TOOLS: ReadonlyArray<readonly [program: string, debianPackage: string]> = [
  ["dockerd", "docker.io"], ["containerd", "containerd"], ["runc", "runc"], ["docker", "docker.io"],
  ["busybox", "busybox-static"], ["iptables", "iptables"], ["iptables-save", "iptables"], ["nsenter", "util-linux"],
];

/** Finds a program on PATH (or /usr/sbin, /sbin) without running it. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin", "/usr/bin", "/bin"].filter(Boolean);
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

/** Why Docker cannot be run here (missing programs and the packages to install), or undefined. */
export function dockerMissing(): string | undefined {
  const missing = DOCKER_TOOLS.filter(([p]) => findProgram(p) === undefined);
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(" ");
  return `missing ${missing.map(([p]) => p).join(", ")}: apt-get install ${pkgs} (scripts/install.sh must install them)`;
}

export interface DockerHarnessOptions {
  /** The netns (name under /run/netns) that plays the host for Docker. */
  readonly netns: string;
  /** Private temp dir: data roots, sockets, logs. Removed by stop(). */
  readonly dir: string;
  /** Bound for `docker version` to answer after start (default 60 s). */
  readonly startTimeoutMs?: number;
  /** dockerd's networking flags (default: `--iptables=true --ip-forward=true --ip6tables=false`). */
  readonly networkArgs?: readonly string[];
  /**
   * A directory dockerd sees as /run/docker/plugins (bind-mounted in its private mount namespace), so a
   * plugin socket made there is found by dockerd without touching the host's /run/docker/plugins.
   */
  readonly pluginsDir?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** SIGTERM, wait up to `ms`, then SIGKILL and wait a little more. Returns how it ended. */
export async function terminate(pid: number, ms: number): Promise<"exited" | "killed" | "stuck"> {
  if (!alive(pid)) return "exited";
  try { process.kill(pid, "SIGTERM"); } catch { return "exited"; }
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (!alive(pid)) return "exited";
    await sleep(100);
  }
  try { process.kill(pid, "SIGKILL"); } catch { return "exited"; }
  for (let i = 0; i < 30 && alive(pid); i++) await sleep(100);
  return alive(pid) ? "stuck" : "killed";
}

function tail(path: string, lines = 40): string {
  try { return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n"); } catch { return "(no log)"; }
}

/** Where dockerd looks for plugin sockets (not configurable in dockerd). */
const PLUGIN_SOCKETS = "/run/docker/plugins";
/** Host paths containerd/dockerd create outside their configured roots; removed by stop() if they were not there. */
const STRAY_DIRS = [PLUGIN_SOCKETS, "/run/docker", "/run/containerd/s", "/run/containerd"];

export class DockerHarness {
  readonly netns: string;
  readonly dir: string;
  readonly socket: string;
  #containerd: ChildProcess | undefined;
  #dockerd: ChildProcess | undefined;
  readonly #strays: string[];

  private constructor(o: DockerHarnessOptions) {
    this.netns = o.netns;
    this.dir = o.dir;
    this.socket = join(o.dir, "docker.sock");
    this.#strays = STRAY_DIRS.filter((d) => !existsSync(d));
  }

  get containerdLog(): string { return join(this.dir, "containerd.log"); }
  get dockerdLog(): string { return join(this.dir, "dockerd.log"); }

  /** Both daemons' last log lines, for failure messages. */
  logs(): string {
    return `--- containerd.log ---\n${tail(this.containerdLog)}\n--- dockerd.log ---\n${tail(this.dockerdLog)}`;
  }

  /** Starts containerd then dockerd in the netns; throws (with their logs) if Docker does not answer in time. */
  static async start(o: DockerHarnessOptions): Promise<DockerHarness> {
    const h = new DockerHarness(o);
    try {
      await h.#start(o);
    } catch (err) {
      const logs = h.logs();
      await h.stop().catch(() => {});
      throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
    }
    return h;
  }

  #spawn(file: string, args: readonly string[], log: string): ChildProcess {
    const fd = openSync(log, "a");
    try {
      const child = spawn(file, args, { stdio: ["ignore", fd, fd], detached: false });
      child.on("error", () => { /* reported through the readiness wait and the log */ });
      return child;
    } finally {
      closeSync(fd);
    }
  }

  async #start(o: DockerHarnessOptions): Promise<void> {
    const timeoutMs = o.startTimeoutMs ?? 60_000;
    const d = this.dir;
    mkdirSync(d, { recursive: true });
    const config = join(d, "containerd.toml");
    writeFileSync(config, [
      "version = 2", 'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      `root = "${d}/containerd/root"`, `state = "${d}/containerd/state"`,
      "[grpc]", `  address = "${d}/containerd.sock"`, "[ttrpc]", `  address = "${d}/containerd.sock.ttrpc"`,
      "[debug]", `  address = "${d}/containerd-debug.sock"`, "[metrics]", '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]', `  path = "${d}/opt"`, "",
    ].join("\n"));
    // unshare and nsenter exec in place: the child's PID is containerd's.
    this.#containerd = this.#spawn("unshare", ["--mount", "--propagation", "slave", "--",
      "nsenter", `--net=/run/netns/${this.netns}`, "--", "containerd", "--config", config], this.containerdLog);
    const cpid = this.#containerd.pid;
    if (cpid === undefined) throw new Error("cannot spawn containerd");
    await this.#waitFor(() => existsSync(join(d, "containerd.sock")), 30_000, "containerd socket");
    if (o.pluginsDir !== undefined) {
      // The mount point is made on the host (removed by stop() if it was not there); the mount stays private.
      mkdirSync(PLUGIN_SOCKETS, { recursive: true });
      execFileSync("nsenter", [`--target=${cpid}`, "--mount", "--", "mount", "--bind", o.pluginsDir, PLUGIN_SOCKETS]);
    }
    const dockerd = ["dockerd", "--storage-driver", "vfs", "--data-root", `${d}/docker`, "--exec-root", `${d}/exec`,
      "--pidfile", `${d}/docker.pid`, "-H", `unix://${this.socket}`, "--containerd", `${d}/containerd.sock`,
      "--config-file", `${d}/daemon.json`, ...(o.networkArgs ?? ["--iptables=true", "--ip-forward=true", "--ip6tables=false"])];
    // Docker ≤22 writes a trust key to /etc/docker/key.json unless its config says otherwise (gone in 23+).
    const old = /version 2[0-2]\./i.test(execFileSync("dockerd", ["--version"], { encoding: "utf8" }));
    writeFileSync(join(d, "daemon.json"), `${JSON.stringify(old ? { "deprecated-key-path": `${d}/key.json` } : {})}\n`);
    this.#dockerd = this.#spawn("nsenter", [`--target=${cpid}`, "--mount", "--net", "--", ...dockerd], this.dockerdLog);
    await this.#waitFor(() => this.tryDocker(["version", "--format", "{{.Server.Version}}"]) !== undefined, timeoutMs, "dockerd to answer `docker version`");
  }

  async #waitFor(ok: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.#containerd?.exitCode != null) throw new Error(`containerd exited (${this.#containerd.exitCode}) while waiting for ${what}`);
      if (this.#dockerd?.exitCode != null) throw new Error(`dockerd exited (${this.#dockerd.exitCode}) while waiting for ${what}`);
      if (ok()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await sleep(200);
    }
  }

  /** `docker -H unix://SOCK ARGS`; throws with stderr on failure. */
  docker(args: readonly string[], timeoutMs = 30_000, input?: string | Buffer): string {
    const r = spawnSync("docker", ["-H", `unix://${this.socket}`, ...args], { encoding: "utf8", timeout: timeoutMs, input: input ?? "" });
    if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${r.error?.message ?? `status ${String(r.status)}`}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  tryDocker(args: readonly string[], timeoutMs = 5_000): string | undefined {
    try { return this.docker(args, timeoutMs); } catch { return undefined; }
  }

  /** A minimal image: /bin/busybox from busybox-static and one symlink per applet. */
  importBusybox(tag: string): void {
    const root = join(this.dir, "rootfs");
    mkdirSync(join(root, "bin"), { recursive: true });
    const busybox = findProgram("busybox");
    if (busybox === undefined) throw new Error("busybox not found (apt-get install busybox-static)");
    copyFileSync(busybox, join(root, "bin", "busybox"));
    const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a !== "" && a !== "busybox");
    for (const a of applets) symlinkSync("busybox", join(root, "bin", a));
    for (const dir of ["etc", "tmp", "proc", "sys", "dev"]) mkdirSync(join(root, dir), { recursive: true });
    const tar = join(this.dir, "rootfs.tar");
    execFileSync("tar", ["-C", root, "-cf", tar, "."]);
    this.docker(["import", "--change", 'CMD ["sh"]', tar, tag], 60_000);
  }

  /** A container's IPv4 address on one network. */
  containerIp(container: string, network: string): string {
    return this.docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]).trim();
  }

  /** Shim processes of our containerd (children it re-parented to init), by PID. */
  #shimPids(): number[] {
    const sock = `${this.dir}/containerd.sock`;
    const out: number[] = [];
    for (const e of readdirSync("/proc")) {
      if (!/^[0-9]+$/.test(e)) continue;
      let cmd = "";
      try { cmd = readFileSync(`/proc/${e}/cmdline`, "utf8"); } catch { continue; }
      const argv = cmd.split("\0");
      if (argv[0]?.includes("containerd-shim") === true && argv.includes(sock)) out.push(Number(e));
    }
    return out;
  }

  /** Removes containers, stops dockerd then containerd (SIGTERM, then SIGKILL), unmounts and deletes the dir. */
  async stop(): Promise<string[]> {
    const problems: string[] = [];
    if (this.#dockerd?.exitCode === null) {
      const ids = (this.tryDocker(["ps", "-aq"]) ?? "").split("\n").filter(Boolean);
      if (ids.length > 0 && this.tryDocker(["rm", "-f", ...ids], 30_000) === undefined) problems.push("docker rm -f failed");
    }
    for (const [name, child, ms] of [["dockerd", this.#dockerd, 20_000], ["containerd", this.#containerd, 10_000]] as const) {
      const pid = child?.pid;
      if (pid === undefined || child?.exitCode !== null) continue;
      const how = await terminate(pid, ms);
      if (how !== "exited") problems.push(`${name} (pid ${pid}) ${how} after SIGTERM`);
    }
    for (const pid of this.#shimPids()) {
      problems.push(`containerd-shim pid ${pid} outlived containerd`);
      await terminate(pid, 2_000);
    }
    problems.push(...this.#unmountAll());
    try { rmSync(this.dir, { recursive: true, force: true }); } catch (err) { problems.push(`rm -rf ${this.dir}: ${(err as Error).message}`); }
    for (const d of this.#strays) {
      try { if (existsSync(d)) rmdirSync(d); } catch { /* not empty: someone else uses it now */ }
    }
    return problems;
  }

  /** Lazily unmounts whatever is still mounted under the dir in our mount namespace (deepest first). */
  #unmountAll(): string[] {
    const problems: string[] = [];
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
      .filter((m) => m === this.dir || m.startsWith(`${this.dir}/`)).sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      const r = spawnSync("umount", ["-l", m], { encoding: "utf8", timeout: 10_000 });
      if (r.status !== 0) problems.push(`umount -l ${m}: ${r.stderr.trim()}`);
    }
    return problems;
  }
}
