// Root end-to-end tests of the macvlan and ipvlan drivers: a dnet daemon in a scratch "host" netns
// (TestDaemon) whose links lan0 and lan1 are ends of veths; their other ends are eth0 and eth1 of a
// scratch netns that plays the LAN (its router and DNS at .1, dnsmasq when a test starts one). cleanup()
// stops dnsmasq by its PID, the daemon, and deletes both namespaces with every link in them.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { SandboxDto } from "../api/dto.js";

// The API types the drivers' e2e tests use (a driver's tests may not import api/ themselves).
export type { DockerNetworkCreateRequest, SandboxDto } from "../api/dto.js";
import { TestDaemon, sh } from "./test-daemon.js";

/** One DHCP lease as dnsmasq writes it: `expiry MAC IP hostname client-id`. */
export interface LeaseLine {
  readonly expiry: number;
  readonly mac: string;
  readonly ip: string;
  readonly hostname: string;
  readonly clientId: string;
}

export interface DnsmasqOptions {
  /** The LAN link it serves: eth0 (parent lan0) or eth1 (parent lan1). */
  readonly iface?: "eth0" | "eth1";
  readonly range: readonly [string, string];
  /** dnsmasq's lease time, e.g. "2m" (its minimum). */
  readonly lease: string;
  /** Renewal and rebinding times in seconds (options 58 and 59). */
  readonly t1?: number;
  readonly t2?: number;
  readonly domain?: string;
  /** Serve DNS on the LAN (port 53) with these `name,ip` records; without it, DNS is off (port 0). */
  readonly hostRecords?: readonly string[];
}

export class Dnsmasq {
  readonly leaseFile: string;
  readonly #proc: ChildProcess;
  #log = "";

  constructor(proc: ChildProcess, leaseFile: string) {
    this.#proc = proc;
    this.leaseFile = leaseFile;
    proc.stderr?.on("data", (c: Buffer) => { this.#log += c.toString(); });
  }

  get pid(): number | undefined { return this.#proc.pid; }
  get log(): string { return this.#log; }

  leases(): LeaseLine[] {
    if (!existsSync(this.leaseFile)) return [];
    return readFileSync(this.leaseFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => {
      const [expiry = "0", mac = "", ip = "", hostname = "", clientId = ""] = l.split(" ");
      return { expiry: Number(expiry), mac, ip, hostname, clientId };
    });
  }

  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!/DHCP, IP range/.test(this.#log)) {
      if (this.#proc.exitCode !== null || Date.now() > deadline) throw new Error(`dnsmasq did not start: ${this.#log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM to its PID, SIGKILL if it lingers. */
  async stop(): Promise<void> {
    const p = this.#proc;
    if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    process.kill(p.pid, "SIGTERM");
    const timer = setTimeout(() => { if (p.pid !== undefined) process.kill(p.pid, "SIGKILL"); }, 3000);
    await exited;
    clearTimeout(timer);
  }
}

export class LanWorld {
  readonly d: TestDaemon;
  readonly lan: string;
  /** First three octets of the LAN on lan0/eth0 ("192.168.91"); lan1/eth1 carries `${net}` + 1 in the third. */
  readonly net: string;
  readonly net1: string;
  readonly #dnsmasq: Dnsmasq[] = [];

  private constructor(d: TestDaemon, lan: string, octet: number) {
    this.d = d;
    this.lan = lan;
    this.net = `192.168.${octet}`;
    this.net1 = `192.168.${octet + 1}`;
  }

  /** The daemon's host netns with lan0 (.254) and lan1 up, the LAN netns with eth0 (.1) and eth1 (.1). */
  static async open(octet: number, daemonArgs: readonly string[] = []): Promise<LanWorld> {
    const d = new TestDaemon(daemonArgs);
    const lan = `dnl-${randomBytes(4).toString("hex")}`;
    const w = new LanWorld(d, lan, octet);
    try {
      sh("ip", ["netns", "add", lan]);
      const inH = (...a: string[]): string => sh("ip", ["-n", d.hostNetns, ...a]);
      const inL = (...a: string[]): string => sh("ip", ["-n", lan, ...a]);
      inL("link", "set", "lo", "up");
      for (const [i, net] of [[0, w.net], [1, w.net1]] as const) {
        inH("link", "add", `lan${i}`, "type", "veth", "peer", "name", `eth${i}`, "netns", lan);
        inH("link", "set", `lan${i}`, "up");
        inL("addr", "add", `${net}.1/24`, "dev", `eth${i}`);
        inL("link", "set", `eth${i}`, "up");
      }
      // The host on the LAN of lan0 (its embedded DNS forwards from here to the LAN's DNS server).
      inH("addr", "add", `${w.net}.254/24`, "dev", "lan0");
      await d.start();
      return w;
    } catch (err) {
      await w.cleanup();
      throw err;
    }
  }

  inLan(cmd: string, args: readonly string[]): string {
    return sh("nsenter", [`--net=/run/netns/${this.lan}`, cmd, ...args]);
  }

  async startDnsmasq(o: DnsmasqOptions): Promise<Dnsmasq> {
    const iface = o.iface ?? "eth0";
    const leaseFile = `${this.d.tmp}/dnsmasq-${iface}-${this.#dnsmasq.length}.leases`;
    const args = [
      `--net=/run/netns/${this.lan}`, "dnsmasq", "--no-daemon", "--no-ping", "--no-resolv", "--no-hosts", "--dhcp-authoritative",
      "--bind-interfaces", `--interface=${iface}`, "--user=root", "--log-facility=-", "--log-dhcp", `--dhcp-leasefile=${leaseFile}`,
      `--dhcp-range=${o.range[0]},${o.range[1]},${o.lease}`,
      ...(o.t1 === undefined ? [] : [`--dhcp-option=option:T1,${o.t1}`]),
      ...(o.t2 === undefined ? [] : [`--dhcp-option=option:T2,${o.t2}`]),
      ...(o.domain === undefined ? [] : [`--domain=${o.domain}`]),
      ...(o.hostRecords === undefined ? ["--port=0"] : o.hostRecords.map((r) => `--host-record=${r}`)),
    ];
    // nsenter execs dnsmasq: the child's PID is dnsmasq's.
    const m = new Dnsmasq(spawn("nsenter", args, { stdio: ["ignore", "ignore", "pipe"] }), leaseFile);
    this.#dnsmasq.push(m);
    await m.ready();
    return m;
  }

  /** `cmd` in a sandbox's netns with its own resolv.conf and hosts in place (a private mount namespace). */
  inSandbox(sb: SandboxDto, cmd: readonly string[]): string {
    const script = 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 3 && exec nsenter --net="$0" "$@"';
    return sh("unshare", ["--mount", "sh", "-c", script, sb.Key, sb.ResolvConfPath, sb.HostsPath, "-", ...cmd]);
  }

  /** Whether one ping from the sandbox (by IP or by name) gets an answer. */
  pings(sb: SandboxDto, target: string): boolean {
    try {
      this.inSandbox(sb, ["ping", "-c1", "-W2", target]);
      return true;
    } catch {
      return false;
    }
  }

  async cleanup(): Promise<void> {
    for (const m of this.#dnsmasq) await m.stop().catch(() => undefined);
    await this.d.cleanup();
    try { sh("ip", ["netns", "del", this.lan]); } catch { /* never made */ }
  }
}

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
