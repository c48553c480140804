// The bridge driver: one Linux bridge per network, a veth per endpoint whose peer is born inside the
// sandbox under its final name, isolation/NAT/published ports through the firewall backend.

import type {
  Capability, CreateEndpointRequest, CreateEndpointResult, CreateNetworkRequest, ExternalConnectivity, ExternalConnectivityRequest,
  JoinInfo, JoinRequest, NetworkDriver, OperationalInfo, PortBinding, PortChanges, PublishedPort, Restorable, RestoreState,
} from "../../driver-api/index.js";
import { internal, notFound } from "../../errors/index.js";
import type { FirewallBackend } from "../../firewall/contract.js";
import {
  checkPortsFree, createVeth, deleteLinksByGroup, findLink, listLinks, reservePort, retiredLinkName, setHairpin, setLink, type HandleCache, type NetnsHandle,
} from "../../osl/index.js";
import { ipOf, macFromIPv4, randomHex } from "../../types/index.js";
import { gatewayIp, parseBridgeConfig } from "./config.js";
import { MAC_KEY, PORTMAP_KEY, TRASH_GROUP } from "./labels.js";
import { checkConflicts, setUpBridge, tearDownBridge, type BridgeNetworkState } from "./network.js";
import { PortAllocator } from "./ports.js";
import {
  bindingKey, portmapEntry, publishMore, publishedPortsOf, unpublishPorts, unpublishSome, type BridgeEndpointState, type Publisher,
} from "./publish.js";

/**
 * One TX and one RX queue per veth end instead of the kernel's one per possible CPU: only XDP or GRO on
 * the veth would use more, and each queue costs sysfs entries at creation (kernel microbench, 400 pairs,
 * alternating, 2 CPUs: 0.924 / 0.888 / 0.838 of the default's median; more CPUs, more gain).
 */
const VETH_QUEUES = 1;

export interface BridgeDriverDeps {
  readonly handles: HandleCache;
  readonly firewall: FirewallBackend;
  readonly ports?: PortAllocator;
  /** How long destroyed veths wait to be deleted in one batch (ms). */
  readonly reapDelayMs?: number;
  /** The longest a detached veth waits while leaves keep coming (ms). */
  readonly reapMaxDelayMs?: number;
}

export class BridgeDriver implements NetworkDriver, ExternalConnectivity, PortChanges, OperationalInfo, Restorable {
  readonly name = "bridge";
  readonly #deps: BridgeDriverDeps;
  readonly #networks = new Map<string, BridgeNetworkState>();
  readonly #endpoints = new Map<string, BridgeEndpointState>();
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
    this.#endpoint(req.endpointId);
    const host = this.#deps.handles.host();
    const hostIfname = hostIfnameOf(req.endpointId);
    const pair = {
      name: hostIfname, up: true, master: net.bridgeIndex, queues: VETH_QUEUES, ...(net.config.mtu === undefined ? {} : { mtu: net.config.mtu }),
      peer: { name: req.ifname, netns: this.#deps.handles.get(req.sandboxKey) },
    };
    const created = await createVeth(host, pair).catch(async (err: unknown) => {
      // The name may still be held by this endpoint's previous host end, waiting for the reaper.
      if ((err as { code?: string }).code !== "EEXIST" || !(await evictTrashed(host, hostIfname))) throw err;
      return createVeth(host, pair);
    });
    // Read again: the endpoint may have changed while the kernel worked. The index spares leave a lookup.
    this.#endpoints.set(req.endpointId, {
      ...this.#endpoint(req.endpointId), hostIfname, hostIndex: created?.index, sandboxKey: req.sandboxKey, ifname: req.ifname,
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
    if (ep?.hostIfname === undefined) return;
    await setLink(this.#deps.handles.host(), ep.hostIndex ?? ep.hostIfname, { group: TRASH_GROUP, master: null }).catch((err: unknown) => {
      if ((err as { code?: string }).code !== "ENODEV") throw err; // already gone with its sandbox
    });
    this.#endpoints.set(endpointId, { ...ep, hostIfname: undefined, hostIndex: undefined, sandboxKey: undefined, ifname: undefined });
    this.#scheduleReap();
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

  /** After a restart: bridges and firewall rules back as recorded, leftover veths of left endpoints gone. */
  async restore(state: RestoreState): Promise<void> {
    const host = this.#deps.handles.host();
    await deleteLinksByGroup(host, TRASH_GROUP);
    for (const req of state.networks) {
      const config = parseBridgeConfig(req);
      this.#networks.set(req.networkId, await setUpBridge(host, this.#deps.firewall, config));
    }
    const links = new Set((await listLinks(host)).map((l) => l.name));
    const failures: unknown[] = [];
    for (const ep of state.endpoints) {
      const mac = ep.iface.macAddress ?? (ep.iface.address === undefined ? randomMac() : macFromIPv4(ipOf(ep.iface.address)));
      const bridge = this.#networks.get(ep.networkId);
      const name = hostIfnameOf(ep.endpointId);
      const hostIfname = ep.sandboxKey !== undefined && links.has(name) ? name : undefined;
      this.#endpoints.set(ep.endpointId, {
        ...ep, mac, hostIfname, hostIndex: undefined, published: new Map(),
        sandboxKey: hostIfname === undefined ? undefined : ep.sandboxKey, ifname: hostIfname === undefined ? undefined : ep.ifname,
      });
      if (!ep.externalConnectivity || bridge === undefined) continue;
      // Its host ports are bound again: one a host program took meanwhile fails this endpoint only.
      await this.programExternalConnectivity(ep.networkId, ep.endpointId, { portBindings: ep.externalPortBindings ?? ep.portBindings })
        .catch((err: unknown) => { failures.push(err); });
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} endpoints could not publish their ports again`);
  }

  /** Destroys detached veths now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#flushTrash();
  }

  /** The reserving sockets close (the ports' rules stay, as every other rule, for the next start). */
  async close(): Promise<void> {
    for (const ep of this.#endpoints.values()) for (const pb of ep.published.values()) for (const r of pb.reservations) r.release();
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
      this.#reaping = this.#reaping.then(() => deleteLinksByGroup(host, TRASH_GROUP, { offThread: true })).catch(() => {});
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

/**
 * Renames a left endpoint's host end still waiting for the reaper; false when `name` is taken by a link
 * that is not such a one. True as well when the link is gone meanwhile: the reaper deletes off-thread.
 */
async function evictTrashed(host: NetnsHandle, name: string): Promise<boolean> {
  const link = await findLink(host, name);
  if (link === undefined) return true;
  if (link.group !== TRASH_GROUP) return false;
  // Down first: kernels before 6.x refuse to rename a link that is up (EBUSY). A rare path.
  await setLink(host, link.index, { up: false, name: retiredLinkName() }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "ENODEV") throw err;
  });
  return true;
}

/** Derived from the endpoint ID, so a restarted driver finds the host end of a joined endpoint. */
function hostIfnameOf(endpointId: string): string {
  return `veth${endpointId.slice(0, 11)}`;
}

function randomMac(): string {
  return `02:42:${randomHex(4).replace(/(..)(?!$)/g, "$1:")}`;
}
