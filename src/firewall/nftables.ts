// The nftables backend: desired state in memory, one atomic transaction per change (`nft -f`, or an
// nfnetlink batch on a persistent socket for element changes: networks, ports, pins).

import { conflict, forbidden, notFound, unavailable } from "../errors/index.js";
import type { DriftReport, FirewallBackend, FirewallChange, FirewallChangeWatch, FirewallNetwork, PortMapping, PortPin } from "./contract.js";
import { CommandError, commandRunner, sysctlWriter, type CommandRunner, type SysctlWriter } from "./exec.js";
import { IptablesCompat } from "./iptables-compat.js";
import { renderDeleteTable, renderElementChanges, renderReplaceTable, type ElementsBySet, type NftTableSpec } from "./nft-ast.js";
import { NfnlElementWriter, type NetfilterOpener } from "./nfnl-writer.js";
import { NftCommitWatch, type NftMonitorOpener } from "./nft-watch.js";
import { OwnGeneration } from "./own-generation.js";
import { PortIndex, mappingKey } from "./port-index.js";
import { pinElements, pinTable } from "./pin-rules.js";
import { ElementBuilder, desiredElements, dnetTable, mappingElements, networkElements, type NetworkState } from "./rules.js";
import { withUndoErrors, type MutableNetworkState } from "./nftables-state.js";
import { driftProblems } from "./table-check.js";
import { checkConflicts, samePin, sameNetwork, validateId, validateMapping, validateNetwork, validatePin } from "./validate.js";

export interface NftablesBackendOptions {
  /** Run `nft`/`iptables`/`sysctl` inside this netns: a name under /run/netns or a path. Default: ours. */
  readonly netns?: string;
  /** Replaces process execution (tests, or a composition root with its own runner). */
  readonly runner?: CommandRunner;
  /** Opens the persistent NETLINK_NETFILTER socket for element changes, in `netns` (e.g. an osl handle's openSocket). */
  readonly openNetfilter?: NetfilterOpener;
  /** Opens a monitor socket in `netns` for watchChanges (nft-watch.ts); absent: no watching. */
  readonly openMonitor?: NftMonitorOpener;
  /**
   * Element changes through that socket instead of `nft -f`. Default: on when `openNetfilter`
   * is given, unless a `runner` is given too (then every change goes through the runner).
   */
  readonly nfnetlink?: boolean;
  /** Replaces the `sysctl` exec, e.g. with the osl writer that uses the netns handle. */
  readonly writeSysctls?: SysctlWriter;
  /** Name of our `inet` table (default "dnet"); one table per controller sharing a netns. */
  readonly table?: string;
  /** Manage ACCEPT rules in iptables-nft's DOCKER-USER/FORWARD when its FORWARD policy is DROP (default true). */
  readonly iptablesCompat?: boolean;
}

const EMPTY: ElementsBySet = new Map();

export class NftablesBackend implements FirewallBackend {
  readonly name = "nftables";
  readonly #run: CommandRunner;
  readonly #sysctl: SysctlWriter;
  readonly #compat: IptablesCompat | undefined;
  /** `inet dnet` (isolation, NAT, published ports) and `bridge dnet` (pinned ports), always changed together. */
  readonly #tables: readonly NftTableSpec[];
  readonly #nets = new Map<string, MutableNetworkState>();
  readonly #ports = new PortIndex();
  /** False until a transaction succeeded, and after any doubt: the next change then rewrites the table. */
  #synced = false;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Bumped by every change: a drift check that saw another one happen meanwhile says nothing. */
  #version = 0;
  readonly #options: NftablesBackendOptions;
  /** The nfnetlink writer: undefined until first use, null when that path is off or could not be opened. */
  #writer: NfnlElementWriter | null | undefined;
  readonly #own = new OwnGeneration();

  constructor(options: NftablesBackendOptions = {}) {
    this.#tables = [dnetTable(options.table), pinTable(options.table ?? "dnet")];
    this.#options = options;
    if (options.openNetfilter === undefined || !(options.nfnetlink ?? options.runner === undefined)) this.#writer = null;
    this.#run = options.runner ?? commandRunner(options.netns);
    this.#sysctl = options.writeSysctls ?? sysctlWriter(this.#run);
    this.#compat = options.iptablesCompat === false ? undefined : new IptablesCompat(this.#run, async () => this.#nfnl()?.forwardStates());
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(unavailable("ERR_FIREWALL_CLOSED", "the firewall backend is closed"));
    const p = this.#queue.then(fn);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  async #nft(script: string): Promise<void> {
    await this.#run("nft", ["-f", "-"], script);
  }

  /** Applies `add`/`del` (the step to the state `#nets` already holds), or rewrites the table when in doubt. */
  async #apply(add: ElementsBySet, del: ElementsBySet, prevEmpty: boolean): Promise<void> {
    this.#version++;
    // Both tables in one `nft -f`: one transaction, so no reader ever sees either missing or half made.
    const full = (): string => this.#tables.map((t) => (this.#nets.size === 0 ? renderDeleteTable(t) : renderReplaceTable(t, this.#desired()))).join("");
    const before = await this.#generation();
    if (!this.#synced || prevEmpty || this.#nets.size === 0) {
      try { await this.#nft(full()); } catch (err) { this.#synced = false; this.#own.forget(); throw err; }
      this.#synced = true;
      this.#own.committed(before, await this.#generation(), true);
      return;
    }
    try {
      if (!await this.#applyByNetlink(add, del)) await this.#nft(this.#tables.map((t) => renderElementChanges(t, add, del)).join(""));
      this.#own.committed(before, await this.#generation(), false);
    } catch (err) {
      // Most likely drift (an element or the table vanished): rewrite the whole table instead.
      this.#own.forget();
      try { await this.#nft(full()); } catch { this.#synced = false; throw err; }
    }
  }

  /** The ruleset generation, when the nfnetlink socket is there to read it. */
  async #generation(): Promise<number | undefined> {
    return this.#nfnl()?.generation().catch(() => undefined);
  }

  /** The nfnetlink path, when on and it can write the change (see covers); false: use `nft -f`. */
  async #applyByNetlink(add: ElementsBySet, del: ElementsBySet): Promise<boolean> {
    if (!NfnlElementWriter.covers(add, del)) return false;
    const writer = this.#nfnl();
    return writer !== undefined && await writer.apply(this.#tables, add, del);
  }

  /** The nfnetlink writer, opened on first use; undefined when off or it cannot be opened. */
  #nfnl(): NfnlElementWriter | undefined {
    if (this.#writer === undefined) {
      // No socket (no opener, netns gone, nfnetlink missing): `nft -f` still works, or reports why not.
      const open = this.#options.openNetfilter;
      try { this.#writer = open === undefined ? null : NfnlElementWriter.open(open); } catch { this.#writer = null; }
    }
    return this.#writer ?? undefined;
  }

  async #bridgeSysctls(net: FirewallNetwork): Promise<void> {
    const entries: Array<[string, string]> = [];
    // Lets DNATed connections from the host's 127.0.0.1 leave through the bridge (Docker without its proxy).
    if (!net.internal) entries.push([`net/ipv4/conf/${net.bridge}/route_localnet`, "1"]);
    if (!net.icc) {
      entries.push(["net/bridge/bridge-nf-call-iptables", "1"]);
      if (net.subnets6.length > 0) entries.push(["net/bridge/bridge-nf-call-ip6tables", "1"]);
    }
    try {
      await this.#sysctl(entries);
    } catch (err) {
      const text = err instanceof CommandError ? err.stderr : String((err as Error).message);
      if (/net\/bridge/.test(text)) {
        throw unavailable("ERR_FIREWALL_BR_NETFILTER",
          `network ${net.id}: ICC off needs br_netfilter (modprobe br_netfilter) in the firewall's netns`, err);
      }
      throw err;
    }
  }

  async addNetwork(input: FirewallNetwork): Promise<void> {
    const net = validateNetwork(input);
    return this.#serial(async () => {
      const existing = this.#nets.get(net.id);
      if (existing !== undefined) {
        // Replayed (a restart, a repair): the bridge may be a new one, without the sysctls of the old.
        if (sameNetwork(existing.net, net)) { await this.#bridgeSysctls(net); return; }
        throw conflict("ERR_FIREWALL_NETWORK_EXISTS", `network ${net.id} is already programmed with other settings`);
      }
      checkConflicts(net, this.#netList());
      await this.#bridgeSysctls(net);
      const prevEmpty = this.#nets.size === 0;
      this.#nets.set(net.id, { net, endpoints: new Map(), pins: new Map() });
      const elements = networkElements(net).build();
      try {
        await this.#apply(elements, EMPTY, prevEmpty);
      } catch (err) {
        this.#nets.delete(net.id);
        throw err;
      }
      try {
        await this.#compat?.add(net);
      } catch (err) {
        const undo: unknown[] = [];
        this.#nets.delete(net.id);
        await this.#apply(EMPTY, elements, false).catch((e: unknown) => undo.push(e));
        await this.#compat?.remove(net.id).catch((e: unknown) => undo.push(e));
        throw withUndoErrors(err, undo);
      }
    });
  }

  async removeNetwork(networkId: string): Promise<void> {
    validateId(networkId, "network");
    return this.#serial(async () => {
      const state = this.#nets.get(networkId);
      if (state === undefined) return;
      const elements = networkElements(state.net);
      for (const list of state.endpoints.values()) {
        mappingElements(list.values(), elements);
        this.#ports.release(list.values());
      }
      for (const pin of state.pins.values()) pinElements(pin, elements);
      this.#nets.delete(networkId);
      const errors: unknown[] = [];
      await this.#apply(EMPTY, elements.build(), false).catch((e: unknown) => { errors.push(e); });
      await this.#compat?.remove(networkId).catch((e: unknown) => { errors.push(e); });
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, `removing network ${networkId} from the firewall failed`);
    });
  }

  async addPortMappings(networkId: string, endpointId: string, mappings: readonly PortMapping[]): Promise<void> {
    validateId(networkId, "network");
    validateId(endpointId, "endpoint");
    return this.#serial(async () => {
      const state = this.#nets.get(networkId);
      if (state === undefined) throw notFound("ERR_FIREWALL_NETWORK_NOT_FOUND", `network ${networkId} is not programmed in the firewall`);
      const checked = mappings.map((m) => validateMapping(state.net, m));
      if (checked.length > 0 && state.net.internal) {
        throw forbidden("ERR_FIREWALL_INTERNAL_PORTS", `network ${networkId} is internal: ports cannot be published`);
      }
      const mine = state.endpoints.get(endpointId) ?? new Map<string, PortMapping>();
      const fresh = new Map<string, PortMapping>();
      for (const m of checked) if (!mine.has(mappingKey(m))) fresh.set(mappingKey(m), m);
      if (fresh.size === 0) return;
      const list = [...fresh.values()];
      this.#ports.claim(`${state.net.id}/${endpointId}`, list);
      this.#remember(state, endpointId, mine, fresh);
      try {
        await this.#apply(mappingElements(list).build(), EMPTY, false);
      } catch (err) {
        this.#forget(state, endpointId, mine, fresh);
        throw err;
      }
    });
  }

  /** The endpoint's mappings now include `fresh` (their host ports claimed in #ports by the caller). */
  #remember(state: MutableNetworkState, endpointId: string, mine: Map<string, PortMapping>, fresh: ReadonlyMap<string, PortMapping>): void {
    for (const [k, m] of fresh) mine.set(k, m);
    state.endpoints.set(endpointId, mine);
  }

  #forget(state: MutableNetworkState, endpointId: string, mine: Map<string, PortMapping>, gone: ReadonlyMap<string, PortMapping>): void {
    for (const k of gone.keys()) mine.delete(k);
    if (mine.size === 0) state.endpoints.delete(endpointId);
    this.#ports.release(gone.values());
  }

  /**
   * Unpublishes `mappings` of the endpoint (as given to addPortMappings; unknown ones are ignored), or
   * all of them. Conntrack entries of the flows they NATed go too: UDP ones always, TCP and SCTP ones
   * when only some mappings go (a port removed on purpose, see conntrack.ts).
   */
  async removePortMappings(networkId: string, endpointId: string, mappings?: readonly PortMapping[]): Promise<void> {
    validateId(networkId, "network");
    validateId(endpointId, "endpoint");
    return this.#serial(async () => {
      const state = this.#nets.get(networkId);
      const mine = state?.endpoints.get(endpointId);
      if (state === undefined || mine === undefined) return;
      const gone = new Map<string, PortMapping>();
      for (const m of mappings?.map((x) => validateMapping(state.net, x)) ?? mine.values()) {
        const k = mappingKey(m);
        const known = mine.get(k);
        if (known !== undefined) gone.set(k, known);
      }
      if (gone.size === 0) return;
      const list = [...gone.values()];
      this.#forget(state, endpointId, mine, gone);
      try {
        await this.#apply(EMPTY, mappingElements(list).build(), false);
      } catch (err) {
        this.#ports.claim(`${state.net.id}/${endpointId}`, list);
        this.#remember(state, endpointId, mine, gone);
        throw err;
      }
      // Best effort: entries time out anyway.
      await this.#nfnl()?.forgetFlows(list, mappings === undefined ? ["udp"] : ["udp", "tcp", "sctp"]).catch(() => 0);
    });
  }

  /**
   * Lists the tables outside the queue of changes: a check spawns `nft` and `iptables` (100 ms and more
   * under load), and every join now changes the firewall (its port's pin), so holding the queue made
   * joins wait behind the daemon's periodic check. A change made while the check ran voids its result
   * (the next check decides): the listing may show the kernel before or after it.
   */
  async check(): Promise<DriftReport> {
    const start = await this.#serial(async () => ({
      version: this.#version, generation: await this.#generation(), elements: this.#desired(), nets: this.#netList(),
    }));
    // Nothing but our own commits since the tables were verified: they cannot differ (own-generation.ts).
    const trusted = this.#synced && start.generation !== undefined && start.generation === this.#own.verified;
    const problems = await driftProblems(this.#run, trusted ? [] : this.#tables, start.elements, start.nets, this.#compat);
    return this.#serial(async () => {
      if (this.#version !== start.version) return { drifted: false, problems: [] };
      if (problems.length > 0) this.#synced = false;
      if (!trusted) this.#own.checkedClean(problems.length === 0 ? start.generation : undefined);
      return { drifted: problems.length > 0, problems };
    });
  }

  /** Commits not ours, as they happen (nft-watch.ts; ours leave the generation at the one own-generation.ts verified); ones touching our tables are restored at once. */
  watchChanges(onChange: (change: FirewallChange) => void): FirewallChangeWatch | undefined {
    const open = this.#options.openMonitor;
    const repair = { tables: this.#tables.map((t) => `${t.family} ${t.name}`), rewrite: () => this.restore() };
    return open === undefined ? undefined : NftCommitWatch.open(open, { onChange, repair, isOwn: (gen) => this.#serial(async () => this.#synced && this.#own.isOwn(gen)) });
  }

  async restore(): Promise<void> {
    return this.#serial(async () => {
      this.#synced = false;
      await this.#apply(EMPTY, EMPTY, true);
      if (this.#nets.size > 0) await this.#compat?.ensure(this.#netList());
    });
  }

  async pinPort(networkId: string, endpointId: string, input: PortPin): Promise<void> {
    validateId(networkId, "network");
    validateId(endpointId, "endpoint");
    const pin = validatePin(input);
    return this.#serial(async () => {
      const state = this.#nets.get(networkId);
      if (state === undefined) throw notFound("ERR_FIREWALL_NETWORK_NOT_FOUND", `network ${networkId} is not programmed in the firewall`);
      const old = state.pins.get(endpointId);
      if (old !== undefined && samePin(old, pin)) return;
      state.pins.set(endpointId, pin);
      try {
        await this.#apply(pinElements(pin).build(), old === undefined ? EMPTY : pinElements(old).build(), false);
      } catch (err) {
        if (old === undefined) state.pins.delete(endpointId); else state.pins.set(endpointId, old);
        throw err;
      }
    });
  }

  async unpinPort(networkId: string, endpointId: string): Promise<void> {
    validateId(networkId, "network");
    validateId(endpointId, "endpoint");
    return this.#serial(async () => {
      const state = this.#nets.get(networkId);
      const pin = state?.pins.get(endpointId);
      if (state === undefined || pin === undefined) return;
      state.pins.delete(endpointId);
      try {
        await this.#apply(EMPTY, pinElements(pin).build(), false);
      } catch (err) {
        state.pins.set(endpointId, pin);
        throw err;
      }
    });
  }

  /** Every element both tables should hold now. */
  #desired(): ElementsBySet {
    const b = new ElementBuilder();
    for (const s of this.#nets.values()) for (const pin of s.pins.values()) pinElements(pin, b);
    return desiredElements(this.snapshot(), b);
  }

  #netList(): FirewallNetwork[] {
    return [...this.#nets.values()].map((s) => s.net);
  }

  /** The desired state, for diagnostics (`dnet` inspect) and tests. */
  snapshot(): NetworkState[] {
    return [...this.#nets.values()].map((s) => ({
      net: s.net, endpoints: new Map([...s.endpoints].map(([ep, list]) => [ep, [...list.values()]])),
    }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    this.#writer?.close();
    this.#writer = null;
  }
}
