// The bridge driver: one Linux bridge per network, a veth per endpoint whose peer is born inside the
// sandbox under its final name, isolation/NAT/published ports through the firewall backend.

import type {
  Capability, CreateEndpointRequest, CreateEndpointResult, CreateNetworkRequest, ExternalConnectivity,
  JoinInfo, JoinRequest, LinkChange, NetworkDriver, OperationalInfo, Repair, RepairReport, Repairable, Restorable, RestoreState,
} from "../../driver-api/index.js";
import { internal, notFound } from "../../errors/index.js";
import type { FirewallBackend } from "../../firewall/contract.js";
import { deleteLinksByGroup, listLinks, setHairpin, setLink, type HandleCache } from "../../osl/index.js";
import { formatIp, ipOf, macFromIPv4 } from "../../types/index.js";
import { gatewayIp, parseBridgeConfig } from "./config.js";
import { MAC_KEY, PORTMAP_KEY, TRASH_GROUP } from "./labels.js";
import { checkConflicts, setUpBridge, tearDownBridge, wantedAddresses, type BridgeNetworkState } from "./network.js";
import { PortAllocator } from "./ports.js";
import { publishPorts, unpublishPorts, type BridgeEndpointState } from "./publish.js";
import { checkPinnable, pinEndpointPort, pinsPorts, unpinEndpointPort } from "./pin.js";
import { reclaimUnrecorded } from "./reclaim.js";
import { failure, repairBridge, repairVeth } from "./repair.js";
import { createEndpointVeth, hostIfnameOf, randomMac } from "./veth.js";

export interface BridgeDriverDeps {
  readonly handles: HandleCache;
  readonly firewall: FirewallBackend;
  readonly ports?: PortAllocator;
  /** How long destroyed veths wait to be deleted in one batch (ms). */
  readonly reapDelayMs?: number;
  /** The longest a detached veth waits while leaves keep coming (ms). */
  readonly reapMaxDelayMs?: number;
  /**
   * At restore, remove bridges of ours and veths of our naming that no record names (reported by the next
   * `repair`). Only for a driver that owns the host namespace alone (the daemon, which locks it).
   */
  readonly reclaimUnrecorded?: boolean;
}

export class BridgeDriver implements NetworkDriver, ExternalConnectivity, OperationalInfo, Restorable, Repairable {
  readonly name = "bridge";
  readonly #deps: BridgeDriverDeps;
  readonly #networks = new Map<string, BridgeNetworkState>();
  readonly #endpoints = new Map<string, BridgeEndpointState>();
  /** Endpoint ID by the name of its host end, while it is on its bridge: link events are matched by it. */
  readonly #attached = new Map<string, string>();
  /** Left endpoints whose port pins wait for the reaper. */
  readonly #unpins = new Map<string, BridgeEndpointState>();
  /** What `restore` re-created and removed, for the next `repair` report. */
  #unreported: Repair[] = [];
  #reclaimed: string[] = [];
  readonly #ports: PortAllocator;
  #reaper: NodeJS.Timeout | undefined;
  #reaping: Promise<void> = Promise.resolve();
  /** When the oldest veth now waiting in the trash group was put there. */
  #trashSince: number | undefined;

  constructor(deps: BridgeDriverDeps) {
    this.#deps = deps;
    this.#ports = deps.ports ?? new PortAllocator();
  }

  capability(): Capability {
    return { dataScope: "local", connectivityScope: "local" };
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    const config = parseBridgeConfig(req);
    checkConflicts(config, this.#networks.values());
    checkPinnable(config, this.#deps.firewall);
    const state = await setUpBridge(this.#deps.handles.host(), this.#deps.firewall, config);
    this.#networks.set(req.networkId, state);
  }

  async deleteNetwork(networkId: string): Promise<void> {
    const state = this.#networks.get(networkId);
    if (state === undefined) return; // unknown: nothing of ours to remove (a restart's roll back may ask)
    await this.#flushTrash();
    await tearDownBridge(this.#deps.handles.host(), this.#deps.firewall, state);
    this.#networks.delete(networkId);
  }

  async createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResult> {
    this.#network(req.networkId);
    const given = req.iface.macAddress;
    const mac = given ?? (req.iface.address === undefined ? randomMac() : macFromIPv4(ipOf(req.iface.address)));
    this.#endpoints.set(req.endpointId, { ...req, mac, hostIfname: undefined, published: [] });
    return given === undefined ? { iface: { macAddress: mac } } : {};
  }

  async deleteEndpoint(_networkId: string, endpointId: string): Promise<void> {
    this.#endpoints.delete(endpointId);
  }

  /**
   * A veth pair: the host end on the bridge and up, the peer born inside the sandbox under its final name,
   * left down for the controller to configure. inhibit_ipv4 only keeps the address off the bridge (the
   * user's bridge or router holds it): like Docker, sandboxes still get the IPAM gateway as their gateway.
   */
  async join(req: JoinRequest): Promise<JoinInfo> {
    const net = this.#network(req.networkId);
    const ep = this.#endpoint(req.endpointId);
    const hostIfname = hostIfnameOf(req.endpointId);
    this.#unpins.delete(req.endpointId); // pinned again below: a pending unpin of a previous join must not undo it
    const created = await createEndpointVeth(this.#deps.handles.host(), net, hostIfname, this.#deps.handles.get(req.sandboxKey), req.ifname);
    // Read again: the endpoint may have changed while the kernel worked. The index spares leave a lookup.
    this.#endpoints.set(req.endpointId, {
      ...this.#endpoint(req.endpointId), hostIfname, hostIndex: created?.index, sandboxKey: req.sandboxKey, ifname: req.ifname,
    });
    this.#attached.set(hostIfname, req.endpointId);
    // Pinned before the controller brings the sandbox end up, so the port never sends unpinned. Tried and
    // dropped: the pair created off-thread while this thread pins (or the pin sent off-thread) — both made
    // the paired attach ~3 ms slower here (thread-pool sends wait behind the reaper's group delete).
    await pinEndpointPort(this.#deps.firewall, net, ep, hostIfname).catch(async (err: unknown) => {
      await this.leave(req.networkId, req.endpointId).catch(() => {});
      throw err;
    });
    const gw4 = gatewayIp(net.config.v4.gateway);
    const gw6 = gatewayIp(net.config.v6?.gateway);
    return {
      interface: { placement: "sandbox" }, staticRoutes: [], disableGatewayService: false,
      ...(gw4 === undefined ? {} : { gateway: gw4 }), ...(gw6 === undefined ? {} : { gatewayIPv6: gw6 }),
    };
  }

  /**
   * Moves the host end out of the bridge and into the trash group, destroyed later in one batch
   * (deleting a veth costs ~17 ms of kernel time that no request should wait for). Leaving the bridge
   * costs ~0.1 ms here (an expedited RCU grace period), but every port still on the bridge slows each
   * new one down (the bridge walks its ports): in the bridge bench, attach 2.45 → 2.10 ms median, detach
   * unchanged (three alternating runs each). Not taken down (another grace period): the controller takes
   * the sandbox end down, so the host end has no carrier. Its name stays taken until the reaper runs: a
   * rejoin in between renames it out of the way (evictTrashed).
   */
  async leave(_networkId: string, endpointId: string): Promise<void> {
    const ep = this.#endpoints.get(endpointId);
    if (ep === undefined) return;
    // The pin goes with the reaper, off the request path: a port in the trash sends nothing.
    if (pinsPorts(this.#networks.get(ep.networkId), this.#deps.firewall)) this.#unpins.set(endpointId, ep);
    if (ep.hostIfname !== undefined) {
      this.#attached.delete(ep.hostIfname);
      await setLink(this.#deps.handles.host(), ep.hostIndex ?? ep.hostIfname, { group: TRASH_GROUP, master: null }).catch((err: unknown) => {
        if ((err as { code?: string }).code !== "ENODEV") throw err; // already gone with its sandbox
      });
      this.#scheduleReap();
    }
    // Cleared even when its veth was missing (deleted behind our back): a left endpoint is never repaired.
    this.#endpoints.set(endpointId, { ...ep, hostIfname: undefined, hostIndex: undefined, sandboxKey: undefined, ifname: undefined });
  }

  async programExternalConnectivity(networkId: string, endpointId: string): Promise<void> {
    const net = this.#network(networkId);
    const ep = this.#endpoint(endpointId);
    // Without a userland proxy, a sandbox reaching its own published port through the host's address
    // needs its packets to go back out of the port they came in on. Only such a port needs it: set here
    // rather than on every join (one kernel call fewer on the attach path).
    // Both requests go out before either answer is awaited (different sockets; neither needs the other).
    const hairpin = ep.portBindings.length > 0 && !net.config.internal && ep.hostIfname !== undefined
      ? setHairpin(this.#deps.handles.host(), ep.hostIndex ?? ep.hostIfname, true)
      : Promise.resolve();
    const [hairpinDone, publishDone] = await Promise.allSettled([hairpin, publishPorts(this.#deps.firewall, this.#ports, net, ep)]);
    if (publishDone.status === "rejected") throw publishDone.reason;
    if (hairpinDone.status === "rejected") {
      await unpublishPorts(this.#deps.firewall, this.#ports, networkId, { ...ep, published: publishDone.value }).catch(() => {});
      throw hairpinDone.reason;
    }
    this.#endpoints.set(endpointId, { ...this.#endpoint(endpointId), published: publishDone.value });
  }

  async revokeExternalConnectivity(networkId: string, endpointId: string): Promise<void> {
    const ep = this.#endpoints.get(endpointId);
    if (ep === undefined) return;
    await unpublishPorts(this.#deps.firewall, this.#ports, networkId, ep);
    const now = this.#endpoints.get(endpointId);
    if (now !== undefined) this.#endpoints.set(endpointId, { ...now, published: [] });
  }

  endpointOperInfo(_networkId: string, endpointId: string): ReadonlyMap<string, unknown> {
    const ep = this.#endpoints.get(endpointId);
    if (ep === undefined) return new Map();
    // Like Docker's, a binding on every address shows the unspecified address of its family.
    const portmap = ep.published.map((p) => ({
      Proto: p.proto, IP: formatIp(p.containerIp), Port: p.containerPort,
      HostIP: formatIp(p.hostIp ?? { family: p.containerIp.family, value: 0n }), HostPort: p.hostPort, HostPortEnd: p.hostPortEnd,
    }));
    return new Map<string, unknown>([[PORTMAP_KEY, portmap], [MAC_KEY, ep.mac]]);
  }

  /**
   * After a restart: bridges and firewall rules back as recorded (re-created ones are reported by the
   * next `repair`), leftover veths of left endpoints gone. Joined endpoints are known as joined even when
   * their veth is missing: `repair` re-creates it.
   */
  async restore(state: RestoreState): Promise<void> {
    const host = this.#deps.handles.host();
    await deleteLinksByGroup(host, TRASH_GROUP);
    const present = new Set((await listLinks(host)).map((l) => l.name));
    for (const req of state.networks) {
      const config = parseBridgeConfig(req);
      this.#networks.set(req.networkId, await setUpBridge(host, this.#deps.firewall, config));
      if (!present.has(config.bridgeName)) {
        const wanted = wantedAddresses(config).map((a) => formatIp(ipOf(a)));
        this.#unreported.push({ networkId: req.networkId, message: `bridge ${config.bridgeName} was missing at start: re-created${wanted.length === 0 ? "" : ` with ${wanted.join(", ")}`}` });
      }
    }
    for (const ep of state.endpoints) {
      const mac = ep.iface.macAddress ?? (ep.iface.address === undefined ? randomMac() : macFromIPv4(ipOf(ep.iface.address)));
      const name = hostIfnameOf(ep.endpointId);
      const joined = ep.sandboxKey !== undefined && ep.ifname !== undefined;
      const hostIfname = joined && present.has(name) ? name : undefined;
      this.#endpoints.set(ep.endpointId, {
        ...ep, mac, hostIfname, hostIndex: undefined, published: [],
        sandboxKey: joined ? ep.sandboxKey : undefined, ifname: joined ? ep.ifname : undefined,
      });
      if (hostIfname !== undefined) this.#attached.set(hostIfname, ep.endpointId);
      const net = this.#networks.get(ep.networkId);
      if (joined && net !== undefined) await pinEndpointPort(this.#deps.firewall, net, this.#endpoint(ep.endpointId), name);
      if (ep.externalConnectivity && this.#networks.has(ep.networkId)) await this.programExternalConnectivity(ep.networkId, ep.endpointId);
    }
    if (this.#deps.reclaimUnrecorded === true) {
      const bridges = new Set([...this.#networks.values()].map((n) => n.config.bridgeName));
      this.#reclaimed = await reclaimUnrecorded(host, bridges, new Set(state.endpoints.map((e) => hostIfnameOf(e.endpointId))));
    }
  }

  /** A deleted, down or detached bridge of ours, or the same of a joined endpoint's host end. */
  concerns(change: LinkChange): boolean {
    if (change.group === TRASH_GROUP) return false;
    const endpointId = this.#attached.get(change.name);
    if (endpointId !== undefined) {
      const net = this.#networks.get(this.#endpoints.get(endpointId)?.networkId ?? "");
      return change.deleted || !change.up || change.master !== net?.bridgeIndex;
    }
    for (const net of this.#networks.values()) {
      if (change.addressRemoved === true) { if (change.index === net.bridgeIndex && net.createdBridge) return true; continue; }
      if (change.name === net.config.bridgeName || change.index === net.bridgeIndex) return change.deleted || !change.up;
    }
    return false;
  }

  /** Every bridge first (a re-created one has a new index), then every joined endpoint's veth. */
  async repair(): Promise<RepairReport> {
    const repairs = this.#unreported;
    const reclaimed = this.#reclaimed;
    this.#unreported = [];
    this.#reclaimed = [];
    const failures: Repair[] = [];
    const recreated: Array<{ networkId: string; endpointId: string }> = [];
    const host = this.#deps.handles.host();
    let links = new Map((await listLinks(host)).map((l) => [l.name, l]));
    for (const [id, net] of this.#networks) {
      try {
        const r = await repairBridge(this.#deps, net, links.get(net.config.bridgeName));
        this.#networks.set(id, r.state);
        for (const message of r.repairs) repairs.push({ networkId: id, message });
      } catch (err) {
        failures.push(failure(id, undefined, err));
      }
    }
    if (repairs.length > 0) links = new Map((await listLinks(host)).map((l) => [l.name, l]));
    for (const [id, ep] of this.#endpoints) {
      const net = this.#networks.get(ep.networkId);
      if (net === undefined || ep.sandboxKey === undefined || ep.ifname === undefined) continue;
      try {
        const r = await repairVeth(this.#deps, net, id, { ...ep, sandboxKey: ep.sandboxKey, ifname: ep.ifname }, links.get(hostIfnameOf(id)));
        this.#endpoints.set(id, r.ep);
        this.#attached.set(hostIfnameOf(id), id);
        if (r.message !== undefined) repairs.push({ networkId: ep.networkId, endpointId: id, message: r.message });
        if (r.recreated) recreated.push({ networkId: ep.networkId, endpointId: id });
      } catch (err) {
        failures.push(failure(ep.networkId, id, err));
      }
    }
    return { repairs, recreated, failures, reclaimed };
  }

  /** Destroys detached veths now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#flushTrash();
  }

  async close(): Promise<void> {
    await this.#flushTrash();
  }

  /**
   * The batch is deleted once leaves pause for reapDelayMs (each leave postpones it), and at the latest
   * reapMaxDelayMs after the first one: group deletion holds the kernel's rtnl lock (~0.35 ms per veth,
   * measured), and running it between the requests of a busy period made each of them wait for it
   * (tried: a batch every 32 veths kept the bridge smaller but raised the attach median by 0.2 ms and its
   * p99 by 6 ms). It is sent off-thread: the call blocks for 20 ms and more (RCU waits after the rtnl
   * part), which stalled the event loop; off-thread, the attach median fell from 2.0–2.15 to 1.8 ms
   * (alternating runs, same period).
   */
  #scheduleReap(): void {
    const now = Date.now();
    this.#trashSince ??= now;
    const overdue = now - this.#trashSince >= (this.#deps.reapMaxDelayMs ?? 1000);
    if (this.#reaper !== undefined) {
      if (overdue) return;
      clearTimeout(this.#reaper);
    }
    this.#reaper = setTimeout(() => {
      this.#reaper = undefined;
      this.#trashSince = undefined;
      const host = this.#deps.handles.host();
      this.#reaping = this.#reaping.then(() => deleteLinksByGroup(host, TRASH_GROUP, { offThread: true })).then(() => this.#unpinLeft()).catch(() => {});
    }, overdue ? 0 : this.#deps.reapDelayMs ?? 50);
    this.#reaper.unref();
  }

  async #flushTrash(): Promise<void> {
    if (this.#reaper !== undefined) clearTimeout(this.#reaper);
    this.#reaper = undefined;
    this.#trashSince = undefined;
    await this.#reaping;
    if (this.#deps.handles.host().closed) return;
    await deleteLinksByGroup(this.#deps.handles.host(), TRASH_GROUP);
    await this.#unpinLeft();
  }

  /** Removes the pins of left endpoints (a join of one meanwhile took it off this list). */
  async #unpinLeft(): Promise<void> {
    for (const [id, ep] of this.#unpins) {
      this.#unpins.delete(id);
      await unpinEndpointPort(this.#deps.firewall, this.#networks.get(ep.networkId), ep).catch(() => {});
    }
  }

  #network(id: string): BridgeNetworkState {
    const n = this.#networks.get(id);
    if (n === undefined) throw notFound("ERR_NETWORK_NOT_FOUND", `bridge network ${id} not found`);
    return n;
  }

  #endpoint(id: string): BridgeEndpointState {
    const e = this.#endpoints.get(id);
    if (e === undefined) throw internal("ERR_ENDPOINT_NOT_FOUND", `bridge endpoint ${id} not found`);
    return e;
  }
}
