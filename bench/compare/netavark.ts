// netavark peer: `netavark --config DIR setup|teardown NETNS` with Podman's JSON on stdin, run inside a
// scratch "host" netns with `nsenter --net` (its bridge, veths, firewall rules and sysctls land there;
// not `ip netns exec`, whose private mount namespace copies every /run/netns mount: 60 ms per call
// once 2,000 sandboxes exist, which would be charged to netavark).
// IP allocation is Podman's job, so static IPs are given here, as Podman does. A permanent "anchor"
// container keeps the bridge alive, as on a host where other containers run (the first setup creates
// the bridge, the last teardown removes it).

import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addNetns, delNetns, hostIp, mustRun, rssOf, scratchName, type Peer } from "./peer.js";

export const NETAVARK = "/usr/lib/podman/netavark";
export const AARDVARK = "/usr/lib/podman/aardvark-dns";
const NET_ID = randomBytes(32).toString("hex");
const ANCHOR = 60_000;

/** `dns` (default on, like a network made by `podman network create`): aardvark-dns serves the network. */
export interface NetavarkOptions { readonly slots: number; readonly dns?: boolean }

export class NetavarkPeer implements Peer {
  readonly name = "netavark";
  readonly host = scratchName("nv");
  readonly #dir = mkdtempSync(join(tmpdir(), "dnetcmp-nv-"));
  readonly #sandboxes = new Map<number, string>();
  readonly #attached = new Set<number>();
  readonly #dns: boolean;

  private constructor(o: NetavarkOptions) {
    this.#dns = o.dns ?? true;
    addNetns(this.host);
    for (const s of [-1, ANCHOR, ...Array.from({ length: o.slots }, (_, i) => i)]) this.#add(s);
  }

  #add(s: number): void {
    const ns = scratchName(`nvc${s < 0 ? "p" : s}`);
    addNetns(ns);
    this.#sandboxes.set(s, ns);
  }

  async ensureSlots(count: number): Promise<void> {
    for (let s = 0; s < count; s++) if (!this.#sandboxes.has(s)) this.#add(s);
  }

  static async create(o: NetavarkOptions): Promise<NetavarkPeer> {
    const p = new NetavarkPeer(o);
    try { await p.attach(ANCHOR); } catch (err) { await p.close(); throw err; }
    return p;
  }

  sandboxPath(slot: number): string { return `/run/netns/${this.#sandboxes.get(slot) ?? ""}`; }
  gateway(): string { return "10.92.0.1"; }

  #options(slot: number): string {
    const ip = hostIp(92, slot < 0 ? 2 : slot === ANCHOR ? 3 : slot + 10);
    return JSON.stringify({
      container_id: String(slot + 2).padStart(64, "0"), container_name: `c${slot}`,
      port_mappings: slot < 0 ? [{ container_port: 80, host_ip: "", host_port: 8080, protocol: "tcp", range: 1 }] : [],
      networks: { benchnv: { interface_name: "eth0", static_ips: [ip], aliases: [`c${slot}`] } },
      network_info: {
        benchnv: {
          name: "benchnv", id: NET_ID, driver: "bridge", network_interface: "nvbr0", ipv6_enabled: false, internal: false,
          dns_enabled: this.#dns, subnets: [{ subnet: "10.92.0.0/16", gateway: this.gateway() }], ipam_options: { driver: "host-local" },
        },
      },
    });
  }

  #exec(cmd: "setup" | "teardown", slot: number): Promise<string> {
    return mustRun("nsenter", [`--net=/run/netns/${this.host}`, NETAVARK, "--config", this.#dir, "--aardvark-binary", AARDVARK,
      cmd, this.sandboxPath(slot)], this.#options(slot));
  }

  async attach(slot: number): Promise<void> {
    await this.#exec("setup", slot);
    this.#attached.add(slot);
  }

  async detach(slot: number): Promise<void> {
    await this.#exec("teardown", slot);
    this.#attached.delete(slot);
  }

  /** aardvark-dns, when DNS is on (netavark starts it on demand and it daemonises). */
  aardvarkPid(): number | undefined {
    for (const e of readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      let cmd = "";
      try { cmd = readFileSync(`/proc/${e}/cmdline`, "utf8"); } catch { continue; }
      if (cmd.startsWith(AARDVARK) && cmd.includes(this.#dir)) return Number(e);
    }
    return undefined;
  }

  rssKiB(): number { return rssOf(this.aardvarkPid()); }

  async close(): Promise<string[]> {
    const problems: string[] = [];
    for (const slot of [...this.#attached]) await this.detach(slot).catch((e: Error) => problems.push(`netavark teardown: ${e.message}`));
    const pid = this.aardvarkPid();
    if (pid !== undefined) { try { process.kill(pid, "SIGTERM"); } catch { /* gone with the last teardown */ } }
    for (const ns of this.#sandboxes.values()) delNetns(ns, problems);
    delNetns(this.host, problems);
    rmSync(this.#dir, { recursive: true, force: true });
    return problems;
  }
}

