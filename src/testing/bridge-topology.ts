// Root end-to-end tests of the bridge driver, parent side: a scratch netns H that plays the host (the
// controller runs there, in a child process started with `ip netns exec H`, so its bridges, nft table
// and sysctls are H's) and a netns OUT that plays "the outside", linked to H by a veth with addresses
// and routes both ways. Nothing of the real host is touched; teardown kills what the child started,
// deletes both namespaces (taking every link and nft table of H along) and the temp dir.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run, tryRun, uniqueName } from "./kernel.js";

/** Addresses of the two ends of the H–OUT link, and of "the internet" behind OUT (its loopback). */
export const OUTSIDE = Object.freeze({
  hostIp: "198.51.100.1", hostIp2: "198.51.100.9", peerIp: "198.51.100.2", internetIp: "203.0.113.1",
  hostIp6: "fd00:51::1", peerIp6: "fd00:51::2", internetIp6: "2001:db8:203::1",
  /** OUT routes these back to H, so traffic that was not NATed can return (and unsolicited traffic is tried). */
  routed4: "10.240.0.0/12", routed6: "fd00:240::/28",
});

/** What the scenario child gets (as JSON in argv). */
export interface ScenarioConfig {
  /** Private directory for the controller's data, netns files, DNS files. */
  readonly dir: string;
  /** Path of OUT's netns file (the child reaches it with nsenter). */
  readonly outsideNetns: string;
  /**
   * Run the scenario through the plugin protocol: the controller serves its drivers and IPAM as this
   * plugin and its networks use it (driver and IPAM) by that name, as any plugin's.
   */
  readonly plugin?: string;
}

/** Observations of one scenario: name → what was seen. The tests hold the expectations. */
export type Report = Readonly<Record<string, unknown>>;

const SCENARIO = join(dirname(fileURLToPath(import.meta.url)), "bridge-scenario.js");

export class ScratchHost {
  readonly host: string;
  readonly outside: string;
  readonly dir: string;
  readonly #pids = new Set<number>();
  #built: string[] = [];

  constructor(prefix = "bh") {
    const tag = uniqueName("");
    this.host = `${prefix}${tag}h`;
    this.outside = `${prefix}${tag}o`;
    this.dir = mkdtempSync("/tmp/dnet-bridge-e2e-");
  }

  /** H with lo up, OUT with its addresses and "internet" on lo, the veth between them, routes both ways. */
  build(): this {
    const o = OUTSIDE;
    for (const ns of [this.host, this.outside]) {
      run("ip", ["netns", "add", ns]);
      this.#built.push(ns);
      run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
    const inH = (...a: string[]): string => run("ip", ["-n", this.host, ...a]);
    const inO = (...a: string[]): string => run("ip", ["-n", this.outside, ...a]);
    inH("link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", this.outside);
    for (const a of [`${o.hostIp}/24`, `${o.hostIp2}/24`]) inH("addr", "add", a, "dev", "ext0");
    inH("addr", "add", `${o.hostIp6}/64`, "dev", "ext0", "nodad");
    inH("link", "set", "ext0", "up");
    inO("addr", "add", `${o.peerIp}/24`, "dev", "eth0");
    inO("addr", "add", `${o.peerIp6}/64`, "dev", "eth0", "nodad");
    inO("addr", "add", `${o.internetIp}/32`, "dev", "lo");
    inO("addr", "add", `${o.internetIp6}/128`, "dev", "lo");
    inO("link", "set", "eth0", "up");
    inH("route", "add", "default", "via", o.peerIp);
    inH("-6", "route", "add", "default", "via", o.peerIp6);
    inO("route", "add", o.routed4, "via", o.hostIp);
    inO("-6", "route", "add", o.routed6, "via", o.hostIp6);
    return this;
  }

  /** `ip -j …` inside H, for checks the parent makes itself. */
  ipJson<T>(args: readonly string[]): T {
    const out = run("ip", ["-j", "-n", this.host, ...args]);
    return (out.trim() === "" ? [] : JSON.parse(out)) as T;
  }

  /** Runs one scenario in H and returns its report; rejects with the child's output when it fails. */
  run(scenario: string, timeoutMs = 150_000, plugin?: string): Promise<Report> {
    const cfg: ScenarioConfig = {
      dir: join(this.dir, plugin === undefined ? scenario : `${scenario}-${plugin}`), outsideNetns: `/run/netns/${this.outside}`,
      ...(plugin === undefined ? {} : { plugin }),
    };
    const child = spawn("ip", ["netns", "exec", this.host, process.execPath, SCENARIO, scenario, JSON.stringify(cfg)], {
      stdio: ["ignore", "pipe", "pipe"], detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
      for (const m of stdout.matchAll(/^PID (\d+)$/gm)) this.#pids.add(Number(m[1]));
    });
    child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        try { if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
      }, timeoutMs);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const line = stdout.split("\n").find((l) => l.startsWith("REPORT "));
        if (code === 0 && line !== undefined) {
          resolve(JSON.parse(line.slice("REPORT ".length)) as Report);
          return;
        }
        const why = signal === null ? `exit ${String(code)}` : `signal ${signal}`;
        reject(new Error(`bridge scenario ${scenario} failed (${why}):\n${stdout}\n${stderr}`));
      });
    });
  }

  /** Kills servers the child reported (if still ours), deletes OUT and H, removes the temp dir. */
  teardown(): void {
    for (const pid of this.#pids) {
      let cmdline = "";
      try { cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8"); } catch { continue; }
      if (cmdline.includes("echo-server")) {
        try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      }
    }
    for (const ns of this.#built.reverse()) tryRun("ip", ["netns", "del", ns]);
    this.#built = [];
    rmSync(this.dir, { recursive: true, force: true });
  }
}
