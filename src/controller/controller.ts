// The Controller: owns the records, the drivers and IPAMs, the netns handles, and every CNM object.

import { isConfigurable, type DriverRegistry } from "../driver-api/index.js";
import { IpamRegistry, type Ipam, type IpamLoader } from "../ipam-api/index.js";
import { DnsFilesCache, ResolvConfCache } from "../dns/index.js";
import { nftGeneration, type HandleCache, type NetnsDirectory, type UtsDirectory } from "../osl/index.js";
import type { KVStore } from "../store/index.js";
import type { DriftReport, FirewallBackend, FirewallChange, FirewallChangeWatch } from "../firewall/contract.js";
import { driverOf, type ControllerContext } from "./context.js";
import type { EmbeddedDns } from "./context.js";
import { errClosed, errInvalidContainerId } from "./errors.js";
import { newId, resolveRef } from "./ids.js";
import { GenerationGate } from "./firewall-gate.js";
import { LinkRepairs, type LinkRepairCounts, type RepairListener } from "./link-repair.js";
import { attachCluster, type AttachedCluster, type ClusterAttachOptions } from "./cluster-attach.js";
import type { ClusterStore } from "./cluster-agent.js";
import type { ClusterLog } from "./cluster-sync.js";
import { KeyedMutex } from "./locks.js";
import { reconcileDefaultBridge } from "./default-bridge.js";
import { createNetwork, type CreateNetworkOptions } from "./network-create.js";
import { Endpoint, Network, Sandbox } from "./objects.js";
import { restore, type RestoreReport } from "./restore.js";
import { createSandbox, type CreateSandboxOptions } from "./sandbox-create.js";
import { ControllerState } from "./state.js";
import { envFaultHook, type FaultHook } from "./steps.js";

/**
 * With `skipIfUnchanged`, the full check (an `nft -j list` and iptables reads, several processes) runs
 * only when the nftables generation of this process's netns moved since the last clean check, or every
 * 10 s (firewall-gate.ts; changes that bypass nftables, e.g. iptables-legacy). For firewalls that program
 * this process's netns, as the daemon's does.
 */
export interface FirewallCheckOptions {
  readonly skipIfUnchanged?: boolean;
}

export interface ControllerDeps {
  readonly store: KVStore;
  readonly handles: HandleCache;
  readonly netns: NetnsDirectory;
  /** Where sandboxes get their UTS namespaces (hostnames); absent: they keep the host's. */
  readonly uts?: UtsDirectory;
  readonly drivers: DriverRegistry;
  readonly ipams: ReadonlyMap<string, Ipam>;
  /** Finds IPAMs that are not built in (Docker plugins). */
  readonly ipamLoader?: IpamLoader;
  readonly etcNetnsDir: string;
  readonly hostResolvConf: string;
  readonly fault?: FaultHook;
  /** The firewall backend the drivers program, for drift checks and repair. */
  readonly firewall?: FirewallBackend;
  /** The embedded resolver, kept in step with the records. */
  readonly dns?: EmbeddedDns;
  /** The device of Docker's default `bridge` network; "none": no default network; absent: left as it is. */
  readonly defaultBridge?: string;
  /** Problems the composition root met while starting (a served plugin's restore), added to the restore report. */
  readonly startErrors?: readonly unknown[];
  /** Releases what the composition root opened (store, drivers, firewall). */
  readonly onClose?: () => Promise<void>;
  /** Told of each repair of kernel objects deleted behind the controller's back (at start and while it runs). */
  readonly onRepair?: RepairListener;
  /** Watch the host's links and repair what is deleted behind the controller's back (default true). */
  readonly watchLinks?: boolean;
  /** The controller owns its namespace and netns directory alone: at start it removes what no record names. */
  readonly reclaimUnrecorded?: boolean;
}

/** Docker's predefined networks: never deleted, re-created at start when missing. */
const PREDEFINED: readonly CreateNetworkOptions[] = [
  { name: "none", driver: "null", predefined: true },
  { name: "host", driver: "host", predefined: true },
];

export class NetworkController {
  readonly id = newId();
  readonly #ctx: ControllerContext;
  readonly #deps: ControllerDeps;
  #restoreReport: RestoreReport | undefined;
  #repairs: LinkRepairs | undefined;
  #closed = false;
  #cluster: AttachedCluster | undefined;
  readonly #gate = new GenerationGate();
  readonly #firewallWatches = new Set<FirewallChangeWatch>();

  private constructor(deps: ControllerDeps) {
    this.#deps = deps;
    this.#ctx = {
      state: new ControllerState(deps.store), locks: new KeyedMutex(), drivers: deps.drivers,
      ipams: new IpamRegistry(deps.ipams, deps.ipamLoader),
      handles: deps.handles, netns: deps.netns, etcNetnsDir: deps.etcNetnsDir,
      resolvConf: new ResolvConfCache({ path: deps.hostResolvConf }), fault: deps.fault ?? envFaultHook(), ifindexes: new Map(),
      dnsFiles: new DnsFilesCache(), cluster: { hooks: undefined }, released: new Set(), reclaimUnrecorded: deps.reclaimUnrecorded === true,
      ...(deps.dns === undefined ? {} : { dns: deps.dns }),
      ...(deps.uts === undefined ? {} : { uts: deps.uts }),
    };
  }

  /**
   * Loads the records, repairs what a crash left half done, and makes sure the predefined networks exist.
   * @internal The composition root's: users call `Controller.create(options)`.
   */
  static async open(deps: ControllerDeps): Promise<NetworkController> {
    const c = new NetworkController(deps);
    try {
      await c.#ctx.state.load();
      const report = await restore(c.#ctx);
      report.errors.push(...deps.startErrors ?? []);
      c.#restoreReport = report;
      if (deps.reclaimUnrecorded === true) await c.#reclaimFirewall(report);
      for (const p of PREDEFINED) {
        if (![...c.#ctx.state.networks.values()].some((n) => n.record.name === p.name)) await createNetwork(c.#ctx, p);
      }
      const bridge = await reconcileDefaultBridge(c.#ctx, deps.defaultBridge);
      if (bridge !== undefined) report.repaired.push(bridge);
      c.#startRepairs(report);
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  /** What the last start-up had to roll back, finish or repair. */
  get restoreReport(): RestoreReport | undefined {
    return this.#restoreReport;
  }

  async createNetwork(options: CreateNetworkOptions): Promise<Network> {
    this.#open();
    const r = await createNetwork(this.#ctx, { ...options, predefined: false });
    return this.#network(r.id);
  }

  /** Ready networks, and those whose delete failed half way (recorded as such: deleting them again finishes it). */
  networks(): Network[] {
    return [...this.#ctx.state.networks.values()].filter((n) => n.record.state !== "creating").map((n) => this.#network(n.record.id));
  }

  /** By name, ID or unique ID prefix. */
  network(ref: string): Network {
    return this.#network(resolveRef("network", ref, this.networks().map((n) => n.info())).id);
  }

  async createSandbox(options: CreateSandboxOptions): Promise<Sandbox> {
    this.#open();
    const r = await createSandbox(this.#ctx, options);
    return new Sandbox(this.#ctx, r.id);
  }

  /** Ready sandboxes, and those whose delete failed half way (deleting them again finishes it). */
  sandboxes(): Sandbox[] {
    return [...this.#ctx.state.sandboxes.values()].filter((s) => s.record.state !== "creating").map((s) => new Sandbox(this.#ctx, s.record.id));
  }

  /** By name, ID, container ID or unique ID prefix. */
  sandbox(ref: string): Sandbox {
    // Over the records, not a Sandbox object each: every request that names a sandbox comes here.
    const ready = [...this.#ctx.state.sandboxes.values()].map((s) => s.record).filter((r) => r.state !== "creating");
    const byContainer = ready.find((s) => s.containerId === ref);
    return new Sandbox(this.#ctx, byContainer?.id ?? resolveRef("sandbox", ref, ready).id);
  }

  endpoints(): Endpoint[] {
    return this.networks().flatMap((n) => n.endpoints());
  }

  /**
   * Compares the kernel's firewall with what the networks need (someone flushed or deleted our table)
   * and, when it drifted and `repair` is set, re-applies every rule. The daemon calls this periodically.
   */
  async checkFirewall(repair = true, options: FirewallCheckOptions = {}): Promise<DriftReport> {
    this.#open();
    const fw = this.#deps.firewall;
    if (fw === undefined) return { drifted: false, problems: [] };
    // Read before the check: if the check finds nothing wrong, the ruleset was right at this generation.
    const generation = options.skipIfUnchanged === true ? await nftGeneration(this.#ctx.handles.host()).catch(() => undefined) : undefined;
    if (options.skipIfUnchanged === true && !this.#gate.needsCheck(generation, Date.now())) return { drifted: false, problems: [] };
    const report = await fw.check();
    if (report.drifted && repair) await fw.restore();
    this.#gate.checked(generation, report.drifted, Date.now());
    return report;
  }

  /**
   * Calls `onChange` soon after each change of the kernel's firewall that the controller did not make
   * (FirewallBackend.watchChanges), so the caller can run checkFirewall at once; undefined when the
   * firewall cannot be watched. Throws when its socket cannot be opened. Closed with the controller.
   */
  watchFirewall(onChange: (change: FirewallChange) => void): FirewallChangeWatch | undefined {
    this.#open();
    const watch = this.#deps.firewall?.watchChanges?.(onChange);
    if (watch !== undefined) this.#firewallWatches.add(watch);
    return watch;
  }

  /** How often link events led to a full repair of the drivers' links, and how often a recheck dismissed them. */
  get linkRepairCounts(): LinkRepairCounts {
    return this.#repairs?.counts ?? { runs: 0, dismissed: 0 };
  }

  /** Repairs done at start are told first; then the host's links are watched for what goes missing. */
  #startRepairs(report: RestoreReport): void {
    const notify = this.#deps.onRepair ?? ((): void => {});
    for (const n of report.repairs) notify(n);
    if (this.#deps.watchLinks === false) return;
    this.#repairs = new LinkRepairs(this.#ctx, notify);
    this.#repairs.start();
  }

  /** Elements no network needs any more (a lost database's networks) leave our table at once, reported. */
  async #reclaimFirewall(report: RestoreReport): Promise<void> {
    try {
      const r = await this.checkFirewall(true);
      for (const p of r.problems) report.reclaimed.push(`firewall: ${p} (rewritten)`);
    } catch (err) {
      report.errors.push(new Error(`firewall check at start: ${String(err)}`, { cause: err }));
    }
  }

  /**
   * Joins the cluster whose store is given (the daemon's --cluster-store): global-scope networks are
   * shared with every host from then on. The caller keeps the store and closes it after the controller.
   */
  async attachCluster(store: ClusterStore, advertiseAddress: string, log: ClusterLog = () => {}, options: ClusterAttachOptions = {}): Promise<void> {
    this.#open();
    this.#cluster = await attachCluster(this.#ctx, store, advertiseAddress, log, options);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#repairs?.close();
    for (const w of this.#firewallWatches) w.close();
    await this.#cluster?.close().catch(() => undefined);
    // Drivers may still use netns handles while closing (the bridge driver flushes its trash veths on
    // the host handle), so the handles close last: closing them first let such a use reopen one and leak it.
    try {
      await this.#deps.onClose?.();
    } finally {
      this.#ctx.handles.closeAll();
    }
  }

  #network(id: string): Network {
    return new Network(this.#ctx, id, (sb, options) => this.#resolveSandbox(sb, options));
  }

  /** A Sandbox as given, or the sandbox of a container ID (created on first use, as the README's Join does). */
  async #resolveSandbox(sb: Sandbox | string, options: Partial<CreateSandboxOptions>): Promise<Sandbox> {
    if (typeof sb !== "string") return sb;
    const existing = this.sandboxes().find((s) => s.containerId === sb);
    if (existing !== undefined) return existing;
    if (sb.trim() === "") throw errInvalidContainerId();
    return this.createSandbox({ ...options, containerId: sb });
  }

  #open(): void {
    if (this.#closed) throw errClosed();
  }

  // The original README's names.
  NewNetwork(networkType: string, name: string, options: Omit<CreateNetworkOptions, "name" | "driver"> = {}): Promise<Network> {
    return this.createNetwork({ ...options, name, driver: networkType });
  }
  NewSandbox(containerId: string, options: Omit<CreateSandboxOptions, "containerId"> = {}): Promise<Sandbox> {
    return this.createSandbox({ ...options, containerId });
  }
  /** Driver-wide configuration before first use (`options.Generic` in Go becomes a plain object). */
  async ConfigureNetworkDriver(networkType: string, options: Readonly<Record<string, unknown>> = {}): Promise<void> {
    const driver = await driverOf(this.#ctx, networkType);
    if (isConfigurable(driver)) driver.configure(new Map(Object.entries(options)));
  }
  Networks(): Network[] { return this.networks(); }
  NetworkByName(name: string): Network { return this.network(name); }
  NetworkByID(id: string): Network { return this.network(id); }
  SandboxByID(id: string): Sandbox { return this.sandbox(id); }
  Stop(): Promise<void> { return this.close(); }
}
