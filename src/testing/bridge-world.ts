// The world a bridge e2e scenario works in (scenario child side): the controller in H, the outside
// netns, networks and sandboxes made through the public API and tracked for teardown, the report.
//
// The library is imported by its package name, as any user would (package self-reference), not through
// the layers of src/.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Controller, type Endpoint, type IpamConfigInput, type Network, type PortBindingInput, type Sandbox } from "libnetwork";
import { exec, Servers } from "./bridge-probes.js";
import type { ScenarioConfig } from "./bridge-topology.js";

export interface NetworkSpec {
  readonly subnet: string;
  readonly gateway?: string;
  readonly ipRange?: string;
  readonly subnet6?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly internal?: boolean;
}

export interface AttachSpec {
  readonly ports?: readonly PortBindingInput[];
  readonly mac?: string;
  /** Join this sandbox instead of a new one named after the endpoint. */
  readonly sandbox?: Sandbox;
}

export interface Attached {
  readonly ep: Endpoint;
  readonly sb: Sandbox;
  /** The sandbox's netns path (for nsenter). */
  readonly key: string;
  readonly ip: string;
  readonly ip6: string;
}

/** What a scenario works with: the controller, the outside, tracking for teardown, and its report. */
export class World {
  readonly obs: Record<string, unknown> = {};
  readonly servers = new Servers();
  readonly outside: string;
  readonly c: Controller;
  /** The driver (and IPAM) networks are made with: "bridge", or the plugin that serves it. */
  readonly driver: string;
  readonly #sandboxes: Sandbox[] = [];
  readonly #networks: Network[] = [];

  private constructor(c: Controller, outside: string, plugin: string | undefined) {
    this.c = c;
    this.outside = outside;
    this.driver = plugin ?? "bridge";
  }

  static async open(cfg: ScenarioConfig): Promise<World> {
    await exec(undefined, "mkdir", ["-p", cfg.dir]);
    const resolv = join(cfg.dir, "resolv.conf");
    writeFileSync(resolv, "nameserver 192.0.2.53\n");
    const c = await Controller.create({
      dns: ["127.0.0.1"], dataDir: join(cfg.dir, "data"), netnsDir: join(cfg.dir, "netns"), etcNetnsDir: join(cfg.dir, "netns-etc"),
      hostResolvConf: resolv, firewall: "nftables",
      ...(cfg.plugin === undefined ? {} : { plugins: { dir: join(cfg.dir, "plugins"), serve: cfg.plugin } }),
    });
    return new World(c, cfg.outsideNetns, cfg.plugin);
  }

  /** Records one observation (names are the tests' keys). */
  see(name: string, value: unknown): void {
    this.obs[name] = value;
  }

  async network(name: string, s: NetworkSpec): Promise<Network> {
    const v4: IpamConfigInput = { subnet: s.subnet, ...(s.gateway === undefined ? {} : { gateway: s.gateway }), ...(s.ipRange === undefined ? {} : { ipRange: s.ipRange }) };
    const n = await this.c.createNetwork({
      name, driver: this.driver, options: s.options ?? {}, internal: s.internal === true, ipv6: s.subnet6 !== undefined,
      ipam: { config: s.subnet6 === undefined ? [v4] : [v4, { subnet: s.subnet6 }], ...(this.driver === "bridge" ? {} : { driver: this.driver }) },
    });
    this.#networks.push(n);
    return n;
  }

  /** A sandbox; `ports` are its own (Docker's container ports), published on whichever endpoint is its gateway. */
  async sandbox(name: string, ports?: readonly PortBindingInput[]): Promise<Sandbox> {
    const sb = await this.c.createSandbox({ containerId: name, ...(ports === undefined ? {} : { portBindings: ports }) });
    this.#sandboxes.push(sb);
    return sb;
  }

  /** Creates an endpoint (with its ports and MAC) and joins it to a new or the given sandbox. */
  async attach(net: Network, name: string, a: AttachSpec = {}): Promise<Attached> {
    const ep = await net.createEndpoint({ name, ...(a.ports === undefined ? {} : { portBindings: a.ports }), ...(a.mac === undefined ? {} : { macAddress: a.mac }) });
    const sb = a.sandbox ?? await this.sandbox(name);
    await ep.join(sb);
    const info = ep.info();
    return { ep, sb, key: sb.key, ip: info.address?.split("/")[0] ?? "", ip6: info.addressIPv6?.split("/")[0] ?? "" };
  }

  /** Runs probes a few at a time (negative ones wait for their timeouts together) and records each result. */
  async probe(probes: Readonly<Record<string, () => Promise<unknown>>>, concurrency = 6): Promise<void> {
    const queue = Object.entries(probes);
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) this.see(next[0], await next[1]());
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** The error a promise rejects with, as { kind, message }, or "no error". */
  async errorOf(p: Promise<unknown>): Promise<{ kind: string; message: string } | string> {
    try {
      await p;
      return "no error";
    } catch (err) {
      return { kind: String((err as { kind?: string }).kind ?? "none"), message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Deletes what is left through the API (sandboxes, then endpoints, then networks), closes the controller. */
  async close(): Promise<void> {
    this.servers.stopAll();
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
      await fn().catch((err: unknown) => { problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`); });
    };
    const ready = new Set(this.c.sandboxes().map((s) => s.id));
    for (const sb of this.#sandboxes) if (ready.has(sb.id)) await attempt(`sandbox ${sb.name}`, () => sb.delete());
    for (const ep of this.c.endpoints()) await attempt(`endpoint ${ep.name}`, () => ep.delete(true));
    const nets = new Set(this.c.networks().map((n) => n.id));
    for (const n of this.#networks) if (nets.has(n.id)) await attempt(`network ${n.name}`, () => n.delete());
    await this.c.close();
    if (problems.length > 0) throw new Error(`teardown through the API failed: ${problems.join("; ")}`);
  }
}
