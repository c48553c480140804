// dnet peers: the library in this process (whose netns is a scratch "host" netns: compare.ts runs
// itself inside one), and the daemon's HTTP API (a `dnet daemon` child in its own scratch netns).

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Controller, type Endpoint, type Network, type Sandbox } from "../../src/index.js";
import { DnetClient } from "../../src/api/client.js";
import { addNetns, delNetns, rssOf, scratchName, unmountUnder, type Peer } from "./peer.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export class DnetLibraryPeer implements Peer {
  readonly name = "dnet (library)";
  readonly #root: string;
  readonly #c: Controller;
  readonly #net: Network;
  readonly #sandboxes: Map<number, Sandbox>;
  readonly #eps = new Map<number, Endpoint>();
  readonly #nets = new Map<number, Network>();

  private constructor(root: string, c: Controller, net: Network, sandboxes: Map<number, Sandbox>) {
    this.#root = root; this.#c = c; this.#net = net; this.#sandboxes = sandboxes;
  }

  get controller(): Controller { return this.#c; }
  get network(): Network { return this.#net; }
  sandbox(slot: number): Sandbox | undefined { return this.#sandboxes.get(slot); }

  static async create(slots: number): Promise<DnetLibraryPeer> {
    const root = mkdtempSync(join(tmpdir(), "dnetcmp-lib-"));
    writeFileSync(join(root, "resolv.conf"), "nameserver 127.0.0.1\n");
    const c = await Controller.create({
      dataDir: join(root, "data"), netnsDir: join(root, "netns"), etcNetnsDir: join(root, "etc"),
      hostResolvConf: join(root, "resolv.conf"), firewall: "nftables",
    });
    const net = await c.createNetwork({ name: "benchlib", driver: "bridge", ipam: { config: [{ subnet: "10.93.0.0/16" }] } });
    const sbs = new Map<number, Sandbox>();
    for (const s of [-1, ...Array.from({ length: slots }, (_, i) => i)]) sbs.set(s, await c.createSandbox({ containerId: `lib${s + 1}` }));
    return new DnetLibraryPeer(root, c, net, sbs);
  }

  async ensureSlots(count: number): Promise<void> {
    for (let s = 0; s < count; s++) if (!this.#sandboxes.has(s)) this.#sandboxes.set(s, await this.#c.createSandbox({ containerId: `lib${s + 1}` }));
  }

  async attach(slot: number): Promise<void> {
    const ep = await this.#net.createEndpoint({ name: `e${slot + 1}`, ...(slot < 0 ? { portBindings: [{ proto: "tcp" as const, port: 80, hostPort: 8080 }] } : {}) });
    await ep.join(this.#sandboxes.get(slot) as Sandbox);
    this.#eps.set(slot, ep);
  }

  async detach(slot: number): Promise<void> {
    const ep = this.#eps.get(slot);
    if (ep === undefined) return;
    await ep.leave(this.#sandboxes.get(slot) as Sandbox);
    await ep.delete();
    this.#eps.delete(slot);
  }

  async createNetwork(i: number): Promise<void> {
    this.#nets.set(i, await this.#c.createNetwork({ name: `cn${i}`, driver: "bridge", ipam: { config: [{ subnet: `10.94.${i & 255}.0/24` }] } }));
  }

  async deleteNetwork(i: number): Promise<void> {
    await this.#nets.get(i)?.delete();
    this.#nets.delete(i);
  }

  rssKiB(): number { return rssOf(process.pid); }

  async close(): Promise<string[]> {
    const problems: string[] = [];
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try { await fn(); } catch (err) { problems.push(`dnet library ${what}: ${(err as Error).message}`); }
    };
    for (const slot of [...this.#eps.keys()]) await step("detach", () => this.detach(slot));
    for (const i of [...this.#nets.keys()]) await step("network delete", () => this.deleteNetwork(i));
    for (const sb of this.#sandboxes.values()) await step("sandbox delete", () => sb.delete());
    await step("network delete", () => this.#net.delete());
    await step("close", () => this.#c.close());
    unmountUnder(this.#root);
    rmSync(this.#root, { recursive: true, force: true });
    return problems;
  }
}

export class DnetApiPeer implements Peer {
  readonly name = "dnet (HTTP API)";
  readonly ns = scratchName("dnetd");
  readonly #tmp = mkdtempSync(join(tmpdir(), "dnetcmp-api-"));
  readonly #proc: ChildProcess;
  readonly client: DnetClient;
  readonly #attached = new Set<number>();
  readonly #nets = new Set<number>();
  #slots: number;

  private constructor(slots: number) {
    this.#slots = slots;
    addNetns(this.ns);
    writeFileSync(join(this.#tmp, "resolv.conf"), "nameserver 127.0.0.1\n");
    this.#proc = spawn("nsenter", [`--net=/run/netns/${this.ns}`, process.execPath, MAIN, "daemon", "--socket", join(this.#tmp, "dnet.sock"),
      "--data-dir", join(this.#tmp, "data"), "--netns-dir", join(this.#tmp, "netns"), "--dns", "127.0.0.1", "--log-level", "warn"], { stdio: "ignore" });
    this.client = new DnetClient(`unix://${join(this.#tmp, "dnet.sock")}`);
  }

  get pid(): number | undefined { return this.#proc.pid; }

  static async create(slots: number): Promise<DnetApiPeer> {
    const p = new DnetApiPeer(slots);
    try {
      for (let i = 0; ; i++) {
        try { await p.client.ping(); break; } catch {
          if (i > 400 || p.#proc.exitCode !== null) throw new Error("dnet daemon did not start");
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await p.client.createNetwork({ Name: "benchapi", IPAM: { Config: [{ Subnet: "10.95.0.0/16" }] } });
      for (let s = 0; s < slots; s++) await p.client.createSandbox({ Name: `api${s}` });
    } catch (err) {
      await p.close();
      throw err;
    }
    return p;
  }

  async ensureSlots(count: number): Promise<void> {
    for (let s = this.#slots; s < count; s++) await this.client.createSandbox({ Name: `api${s}` });
    this.#slots = Math.max(this.#slots, count);
  }

  async attach(slot: number): Promise<void> {
    await this.client.connect("benchapi", { Container: `api${slot}` });
    this.#attached.add(slot);
  }

  async detach(slot: number): Promise<void> {
    await this.client.disconnect("benchapi", { Container: `api${slot}` });
    this.#attached.delete(slot);
  }

  async createNetwork(i: number): Promise<void> {
    await this.client.createNetwork({ Name: `cn${i}`, IPAM: { Config: [{ Subnet: `10.96.${i & 255}.0/24` }] } });
    this.#nets.add(i);
  }

  async deleteNetwork(i: number): Promise<void> {
    await this.client.removeNetwork(`cn${i}`);
    this.#nets.delete(i);
  }

  rssKiB(): number { return rssOf(this.#proc.pid); }

  async close(): Promise<string[]> {
    const problems: string[] = [];
    try {
      for (const s of this.#attached) await this.client.disconnect("benchapi", { Container: `api${s}` });
      for (const i of this.#nets) await this.client.removeNetwork(`cn${i}`);
      for (let s = 0; s < this.#slots; s++) await this.client.removeSandbox(`api${s}`, true).catch(() => {});
      await this.client.removeNetwork("benchapi").catch(() => {});
    } catch (err) { problems.push(`dnet daemon cleanup: ${(err as Error).message}`); }
    this.client.close();
    if (this.#proc.exitCode === null) {
      const exited = new Promise((r) => this.#proc.once("exit", r));
      this.#proc.kill("SIGTERM");
      const t = setTimeout(() => this.#proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    unmountUnder(this.#tmp);
    delNetns(this.ns, problems);
    rmSync(this.#tmp, { recursive: true, force: true });
    return problems;
  }
}
