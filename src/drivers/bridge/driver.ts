// The bridge driver: one Linux bridge per network, a veth per endpoint whose peer is born inside the
// sandbox under its final name, isolation/NAT/published ports through the firewall backend.

import type {
  Capability, CreateEndpointRequest, CreateEndpointResult, CreateNetworkRequest, ExternalConnectivity, ExternalConnectivityRequest,
  JoinInfo, JoinRequest, LinkChange, NetworkDriver, OperationalInfo, PortBinding, PortChanges, PublishedPort, Repair, RepairReport, Repairable,
  Restorable, RestoreState,
} from "../../driver-api/index.js";
import { internal, notFound } from "../../errors/index.js";
import type { FirewallBackend } from "../../firewall/contract.js";
import { checkPortsFree, deleteLinksByGroup, listLinks, reservePort, setHairpin, setLink, type HandleCache } from "../../osl/index.js";
import { ipOf, macFromIPv4, randomMac } from "../../types/index.js";
import { gatewayIp, parseBridgeConfig } from "./config.js";
import { MAC_KEY, PORTMAP_KEY, TRASH_GROUP } from "./labels.js";
import { checkConflicts, setUpBridge, tearDownBridge, type BridgeNetworkState } from "./network.js";
import { PortAllocator } from "./ports.js";
import {
  bindingKey, portmapEntry, publishMore, publishedPortsOf, unpublishPorts, unpublishSome, type BridgeEndpointState, type Publisher,
} from "./publish.js";
import { checkPinnable, pinEndpointPort, pinsPorts, unpinLeft } from "./pin.js";
import { reclaimUnrecorded, type LinkOwners, type OwnedLinks } from "./reclaim.js";
import { changeConcerns, missingAtStart, repairAll } from "./repair.js";
import { TrashReaper } from "./trash-reaper.js";
import { attachEndpoint, hostIfnameOf, restoredEndpoint } from "./veth.js";

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
  /** The process's bridge driver instances, this one included once constructed: none reclaims another's links. */
  readonly owners?: LinkOwners;
}

export class BridgeDriver implements NetworkDriver, ExternalConnectivity, PortChanges, OperationalInfo, Restorable, Repairable {
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
  readonly #reaper: TrashReaper;

  constructor(deps: BridgeDriverDeps) {
    this.#deps = deps;
    this.#ports = deps.ports ?? new PortAllocator();
    this.#reaper = new TrashReaper({
      handles: deps.handles, ...(deps.reapDelayMs === undefined ? {} : { delayMs: deps.reapDelayMs }),
      ...(deps.reapMaxDelayMs === undefined ? {} : { maxDelayMs: deps.reapMaxDelayMs }),
      afterReap: () => unpinLeft(deps.firewall, this.#unpins, this.#networks),
    });
    deps.owners?.add(() => this.#owned());
  }

  #owned(): OwnedLinks {
    const ports = [...this.#networks.values()].map((n) => n.portBridges.names());
    return {
      bridges: new Set([...this.#networks.values()].map((n) => n.config.bridgeName).concat(ports.flatMap((p) => p.bridges))),
      veths: new Set([...this.#endpoints.keys()].map(hostIfnameOf).concat(ports.flatMap((p) => p.trunks))),
    };
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
    await this.#reaper.flush();
    const retired = await tearDownBridge(this.#deps.handles.host(), this.#deps.firewall, state);
    this.#networks.delete(networkId);
    if (retired) this.#reaper.schedule();
  }

  async createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResult> {
    this.#network(req.networkId);
    const given = req.iface.macAddress;
    const mac = given ?? (req.iface.address === undefined ? randomMac() : macFromIPv4(ipOf(req.iface.address)));
    this.#endpoints.set(req.endpointId, { ...req, mac, hostIfname: undefined, published: new Map() });
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
    const created = await attachEndpoint(this.#deps.handles.host(), net, req.endpointId, this.#deps.handles.get(req.sandboxKey), req.ifname);
    // Read again: the endpoint may have changed while the kernel worked. The index spares leave a lookup.
    this.#endpoints.set(req.endpointId, {
      ...this.#endpoint(req.endpointId), hostIfname, hostIndex: created?.index, sandboxKey: req.sandboxKey, ifname: req.ifname,
    });
    this.#attached.set(hostIfname, req.endpointId);
    // Pinned (when the network asks for it) before the controller brings the sandbox end up, so the port
    // never sends unpinned. Tried and dropped: the pair created off-thread while this thread pins (or the
    // pin sent off-thread) — both made the paired attach ~3 ms slower (thread-pool sends wait behind the reaper).
    await pinEndpointPort(this.#deps.firewall, net, ep, hostIfname).catch(async (err: unknown) => {
      await this.leave(req.networkId, req.endpointId).catch(() => {});
      throw err;
    });
    // Docker 25+: an internal network gives no default route, so connections out fail at once
    // (ENETUNREACH) instead of timing out against the firewall.
    const gw4 = net.config.internal ? undefined : gatewayIp(net.config.v4.gateway);
    const gw6 = net.config.internal ? undefined : gatewayIp(net.config.v6?.gateway);
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
    this.#networks.get(ep.networkId)?.portBridges.release(endpointId);
    if (ep.hostIfname !== undefined) {
      this.#attached.delete(ep.hostIfname);
      await setLink(this.#deps.handles.host(), ep.hostIndex ?? ep.hostIfname, { group: TRASH_GROUP, master: null }).catch((err: unknown) => {
        if ((err as { code?: string }).code !== "ENODEV") throw err; // already gone with its sandbox
      });
      this.#reaper.schedule();
    }
    // Cleared even when its veth was missing (deleted behind our back): a left endpoint is never repaired.
    this.#endpoints.set(endpointId, { ...ep, hostIfname: undefined, hostIndex: undefined, sandboxKey: undefined, ifname: undefined });
  }

  /** Publishes `req.portBindings` on the endpoint: what it already publishes of them stays, the rest goes. */
  async programExternalConnectivity(networkId: string, endpointId: string, req: ExternalConnectivityRequest): Promise<void> {
    const ep = this.#endpoint(endpointId);
    const wanted = new Set(req.portBindings.map(bindingKey));
    await this.unpublishPorts(networkId, endpointId, [...ep.published.values()].map((pb) => pb.binding).filter((b) => !wanted.has(bindingKey(b))));
    await this.publishPorts(networkId, endpointId, req.portBindings);
  }

  /** Publishes the bindings the endpoint does not publish yet, in one firewall change (publish.ts' publishMore). */
  async publishPorts(networkId: string, endpointId: string, bindings: readonly PortBinding[]): Promise<readonly PublishedPort[]> {
    const ep = this.#endpoint(endpointId);
    await publishMore(this.#publisher(), this.#network(networkId), ep, bindings);
    return bindings.flatMap((b) => publishedPortsOf(ep.published.get(bindingKey(b))));
  }

  async unpublishPorts(networkId: string, endpointId: string, bindings: readonly PortBinding[]): Promise<void> {
    const ep = this.#endpoints.get(endpointId);
    if (ep !== undefined) await unpublishSome(this.#publisher(), networkId, ep, bindings);
  }

  async revokeExternalConnectivity(networkId: string, endpointId: string): Promise<void> {
    const ep = this.#endpoints.get(endpointId);
    if (ep === undefined) return;
    await unpublishPorts(this.#publisher(), networkId, ep);
    ep.published.clear();
  }

  endpointOperInfo(_networkId: string, endpointId: string): ReadonlyMap<string, unknown> {
    const ep = this.#endpoints.get(endpointId);
    if (ep === undefined) return new Map();
    const portmap = [...ep.published.values()].flatMap((pb) => pb.mappings.map(portmapEntry));
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
    const links = await listLinks(host);
    const present = new Set(links.map((l) => l.name));
    for (const req of state.networks) {
      const config = parseBridgeConfig(req);
      const net = await setUpBridge(host, this.#deps.firewall, config);
      this.#networks.set(req.networkId, net);
      if (!present.has(config.bridgeName)) this.#unreported.push(missingAtStart(req.networkId, config));
      const ports = state.endpoints.filter((ep) => ep.networkId === req.networkId && ep.sandboxKey !== undefined).map((ep) => ep.endpointId);
      net.portBridges.adopt(links, net.bridgeIndex, new Map(ports.map((id) => [id, hostIfnameOf(id)])));
    }
    const failures: unknown[] = [];
    for (const ep of state.endpoints) {
      const restored = restoredEndpoint(ep, present);
      this.#endpoints.set(ep.endpointId, restored);
      if (restored.hostIfname !== undefined) this.#attached.set(restored.hostIfname, ep.endpointId);
      const net = this.#networks.get(ep.networkId);
      if (net === undefined) continue;
      const pinned = restored.sandboxKey === undefined ? undefined : pinEndpointPort(this.#deps.firewall, net, restored, hostIfnameOf(ep.endpointId));
      await pinned?.catch((err: unknown) => { failures.push(err); });
      if (!ep.externalConnectivity) continue;
      // Its host ports are bound again: one a host program took meanwhile fails this endpoint only.
      await this.programExternalConnectivity(ep.networkId, ep.endpointId, { portBindings: ep.externalPortBindings ?? ep.portBindings })
        .catch((err: unknown) => { failures.push(err); });
    }
    if (this.#deps.reclaimUnrecorded === true) {
      const owned = this.#deps.owners?.all() ?? this.#owned();
      this.#reclaimed = await reclaimUnrecorded(host, owned.bridges, owned.veths);
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} endpoints could not be pinned or publish their ports again`);
  }

  /** A deleted, down or detached bridge of ours, or the same of a joined endpoint's host end. */
  concerns(change: LinkChange): boolean {
    return changeConcerns(change, this.#networks, this.#endpoints, this.#attached);
  }

  /** Every bridge first (a re-created one has a new index), then every joined endpoint's veth. */
  async repair(): Promise<RepairReport> {
    const unreported = this.#unreported;
    const reclaimed = this.#reclaimed;
    this.#unreported = [];
    this.#reclaimed = [];
    const r = await repairAll(this.#deps, this.#networks, this.#endpoints, this.#attached);
    return { ...r, repairs: [...unreported, ...r.repairs], reclaimed };
  }

  /** Destroys detached veths now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#reaper.flush();
  }

  /** The reserving sockets close (the ports' rules stay, as every other rule, for the next start). */
  async close(): Promise<void> {
    for (const ep of this.#endpoints.values()) for (const pb of ep.published.values()) for (const r of pb.reservations) r.release();
    await this.#reaper.flush();
  }

  #publisher(): Publisher {
    const host = this.#deps.handles.host();
    return {
      fw: this.#deps.firewall, ports: this.#ports, reserve: (proto, ip, port) => reservePort(host, proto, ip, port),
      checkFree: (proto, ip, lo, hi) => checkPortsFree(host, proto, ip, lo, hi),
      hairpin: (ep) => setHairpin(host, ep.hostIndex ?? ep.hostIfname ?? "", true),
    };
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
