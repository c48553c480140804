// The NetworkDriver side of dnet's plugin server: Docker's remote driver calls served by dnet's own
// drivers (the network option `dnet.driver` picks one; bridge by default). dockerd moves a join's
// interface into the container itself, so joins are made with this process's namespace as the
// "sandbox": the driver leaves the interface there under a name derived from the endpoint (SrcName).

import {
  hasDiscovery, hasExternalConnectivity, hasNetworkAllocation, hasOperationalInfo, isRestorable,
  type CreateEndpointRequest, type CreateNetworkRequest, type NetworkDriver, type RestoreEndpoint,
} from "../driver-api/index.js";
import { invalidArgument, notFound, notImplemented } from "../errors/index.js";
import type { ServedEndpoint, ServedNetwork, ServedRecords, ServedState } from "./served-state.js";
import {
  decodeCreateEndpoint, decodeCreateNetwork, decodeDiscovery, decodeEndpointRef, decodeJoin, decodeNetworkRef, encodeCapability,
  encodeCreateEndpoint, encodeInterface, encodeJoinResponse,
} from "./network-wire.js";
import { PORTMAP_KEY, badRequest, decodePortmap, encodeOperInfo, type Json } from "./wire-values.js";

/** The network option that picks which of dnet's drivers serves a network. */
export const DRIVER_OPTION = "dnet.driver";
const IFACE_PREFIX_OPTION = "com.docker.network.container_iface_prefix";

export type Handler = (body: unknown) => Promise<Json>;

export interface NetworkServiceDeps {
  /** dnet's drivers that may be served, by name. */
  readonly drivers: ReadonlyMap<string, NetworkDriver>;
  readonly defaultDriver: string;
  readonly state: ServedState;
  /** This process's network namespace (e.g. /proc/self/ns/net): where joins leave their interfaces. */
  readonly hostNetns: string;
}

interface LiveNetwork { readonly record: ServedNetwork; readonly driver: NetworkDriver; readonly dstPrefix: string }

/** Name of a join's interface in the host's namespace until dockerd moves it (≤15 bytes, unique per endpoint). */
export function servedIfname(endpointId: string): string {
  return `dnp${endpointId.slice(0, 12)}`;
}

export class NetworkService {
  readonly #deps: NetworkServiceDeps;
  readonly #networks = new Map<string, LiveNetwork>();
  readonly #endpoints = new Map<string, ServedEndpoint>();

  constructor(deps: NetworkServiceDeps) {
    this.#deps = deps;
  }

  /** The driver a network's options name, without the choosing option (the driver must not see it). */
  #pick(req: CreateNetworkRequest): { driver: NetworkDriver; name: string; req: CreateNetworkRequest } {
    const name = req.options.get(DRIVER_OPTION) ?? this.#deps.defaultDriver;
    const driver = this.#deps.drivers.get(name);
    if (driver === undefined) {
      throw invalidArgument("ERR_PLUGIN_DRIVER", `${DRIVER_OPTION}=${name}: not a driver this plugin serves (it serves ${[...this.#deps.drivers.keys()].join(", ")})`);
    }
    const options = new Map(req.options);
    options.delete(DRIVER_OPTION);
    return { driver, name, req: { ...req, options } };
  }

  #network(id: string): LiveNetwork {
    const n = this.#networks.get(id);
    if (n === undefined) throw notFound("ERR_NETWORK_NOT_FOUND", `network ${id} not found`);
    return n;
  }

  #endpoint(id: string): ServedEndpoint {
    const e = this.#endpoints.get(id);
    if (e === undefined) throw notFound("ERR_ENDPOINT_NOT_FOUND", `endpoint ${id} not found`);
    return e;
  }

  /** Puts back what the records say: each driver restored with its networks and endpoints. Returns what failed. */
  async restore(records: ServedRecords): Promise<unknown[]> {
    const errors: unknown[] = [];
    const byDriver = new Map<NetworkDriver, { networks: CreateNetworkRequest[]; endpoints: RestoreEndpoint[] }>();
    for (const n of records.networks) {
      try {
        const { driver, req } = this.#pick(decodeCreateNetwork(n.request, badRequest));
        this.#networks.set(n.id, { record: n, driver, dstPrefix: req.options.get(IFACE_PREFIX_OPTION) ?? "eth" });
        const group = byDriver.get(driver) ?? { networks: [], endpoints: [] };
        group.networks.push(req);
        byDriver.set(driver, group);
      } catch (err) { errors.push(err); }
    }
    for (const e of records.endpoints) {
      const net = this.#networks.get(e.networkId);
      if (net === undefined) continue;
      this.#endpoints.set(e.endpointId, e);
      byDriver.get(net.driver)?.endpoints.push({
        ...decodeCreateEndpoint(e.request, badRequest), externalConnectivity: e.external,
        ...(e.joined === undefined ? {} : { sandboxKey: this.#deps.hostNetns, ifname: e.joined.ifname }),
      });
    }
    for (const [driver, state] of byDriver) {
      try {
        if (isRestorable(driver)) await driver.restore(state);
        else for (const n of state.networks) await driver.createNetwork(n);
      } catch (err) { errors.push(err); }
    }
    return errors;
  }

  handlers(): Readonly<Record<string, Handler>> {
    return {
      GetCapabilities: async () => encodeCapability(this.#deps.drivers.get(this.#deps.defaultDriver)?.capability() ?? { dataScope: "local", connectivityScope: "local" }),
      CreateNetwork: (b) => this.#createNetwork(b),
      DeleteNetwork: (b) => this.#deleteNetwork(b),
      AllocateNetwork: async (b) => {
        const { driver, req } = this.#pick(decodeCreateNetwork(b, badRequest));
        if (!hasNetworkAllocation(driver)) throw notImplemented("ERR_PLUGIN_NOT_SUPPORTED", `driver ${driver.name} has no cluster-wide allocation`);
        return { Options: Object.fromEntries(await driver.allocateNetwork(req)) };
      },
      FreeNetwork: async () => { throw notImplemented("ERR_PLUGIN_NOT_SUPPORTED", "dnet's served drivers have no cluster-wide allocation"); },
      CreateEndpoint: (b) => this.#createEndpoint(b),
      EndpointOperInfo: async (b) => {
        const { networkId, endpointId } = decodeEndpointRef(b, badRequest);
        const driver = this.#network(networkId).driver;
        return { Value: hasOperationalInfo(driver) ? encodeOperInfo(driver.endpointOperInfo(networkId, endpointId)) : {} };
      },
      DeleteEndpoint: (b) => this.#deleteEndpoint(b),
      Join: (b) => this.#join(b),
      Leave: (b) => this.#leave(b),
      ProgramExternalConnectivity: (b) => this.#external(b, true),
      RevokeExternalConnectivity: (b) => this.#external(b, false),
      DiscoverNew: (b) => this.#discover(b, true),
      DiscoverDelete: (b) => this.#discover(b, false),
    };
  }

  async #createNetwork(body: unknown): Promise<Json> {
    const { driver, name, req } = this.#pick(decodeCreateNetwork(body, badRequest));
    if (this.#networks.has(req.networkId)) throw invalidArgument("ERR_NETWORK_EXISTS", `network ${req.networkId} exists already`);
    await driver.createNetwork(req);
    const record: ServedNetwork = { id: req.networkId, driver: name, request: body as Json };
    try {
      await this.#deps.state.putNetwork(record);
    } catch (err) {
      await driver.deleteNetwork(req.networkId).catch(() => {});
      throw err;
    }
    this.#networks.set(req.networkId, { record, driver, dstPrefix: req.options.get(IFACE_PREFIX_OPTION) ?? "eth" });
    return {};
  }

  async #deleteNetwork(body: unknown): Promise<Json> {
    const id = decodeNetworkRef(body, badRequest);
    const n = this.#networks.get(id);
    if (n === undefined) return {};
    await n.driver.deleteNetwork(id);
    this.#networks.delete(id);
    await this.#deps.state.deleteNetwork(id);
    return {};
  }

  async #createEndpoint(body: unknown): Promise<Json> {
    const req: CreateEndpointRequest = decodeCreateEndpoint(body, badRequest);
    const { driver } = this.#network(req.networkId);
    const result = await driver.createEndpoint(req);
    const filled = { ...req, iface: { ...req.iface, ...(result.iface ?? {}) } };
    const record: ServedEndpoint = { networkId: req.networkId, endpointId: req.endpointId, request: encodeCreateEndpoint(filled), external: false };
    try {
      await this.#deps.state.putEndpoint(record);
    } catch (err) {
      await driver.deleteEndpoint(req.networkId, req.endpointId).catch(() => {});
      throw err;
    }
    this.#endpoints.set(req.endpointId, record);
    return { Interface: encodeInterface(result.iface ?? {}) };
  }

  async #deleteEndpoint(body: unknown): Promise<Json> {
    const { networkId, endpointId } = decodeEndpointRef(body, badRequest);
    if (!this.#endpoints.has(endpointId)) return {};
    await this.#network(networkId).driver.deleteEndpoint(networkId, endpointId);
    this.#endpoints.delete(endpointId);
    await this.#deps.state.deleteEndpoint(endpointId);
    return {};
  }

  async #join(body: unknown): Promise<Json> {
    const req = decodeJoin(body, badRequest);
    const net = this.#network(req.networkId);
    const ep = this.#endpoint(req.endpointId);
    const ifname = servedIfname(req.endpointId);
    const info = await net.driver.join({ networkId: req.networkId, endpointId: req.endpointId, sandboxKey: this.#deps.hostNetns, ifname, options: req.options });
    const joined: ServedEndpoint = { ...ep, joined: { ifname } };
    try {
      await this.#deps.state.putEndpoint(joined);
    } catch (err) {
      await net.driver.leave(req.networkId, req.endpointId).catch(() => {});
      throw err;
    }
    this.#endpoints.set(req.endpointId, joined);
    const srcName = info.interface === undefined ? undefined : info.interface.placement === "host" ? info.interface.srcName : ifname;
    return encodeJoinResponse(info, srcName, net.dstPrefix);
  }

  async #leave(body: unknown): Promise<Json> {
    const { networkId, endpointId } = decodeEndpointRef(body, badRequest);
    const ep = this.#endpoint(endpointId);
    await this.#network(networkId).driver.leave(networkId, endpointId);
    const { joined: _j, ...left } = ep;
    this.#endpoints.set(endpointId, { ...left, external: false });
    await this.#deps.state.putEndpoint({ ...left, external: false });
    return {};
  }

  async #external(body: unknown, program: boolean): Promise<Json> {
    const { networkId, endpointId } = decodeEndpointRef(body, badRequest);
    const { driver } = this.#network(networkId);
    const ep = this.#endpoint(endpointId);
    if (hasExternalConnectivity(driver)) {
      // dockerd sends the sandbox's port bindings in the options, as the contract's request carries them.
      const options = (body as { Options?: Record<string, unknown> } | null)?.Options ?? {};
      if (program) await driver.programExternalConnectivity(networkId, endpointId, { portBindings: decodePortmap(options[PORTMAP_KEY], badRequest) });
      else await driver.revokeExternalConnectivity(networkId, endpointId);
    }
    const now = { ...this.#endpoints.get(endpointId) ?? ep, external: program };
    this.#endpoints.set(endpointId, now);
    await this.#deps.state.putEndpoint(now);
    return {};
  }

  async #discover(body: unknown, add: boolean): Promise<Json> {
    const node = decodeDiscovery(body, badRequest);
    if (node === undefined) return {};
    for (const d of new Set(this.#deps.drivers.values())) {
      if (!hasDiscovery(d)) continue;
      if (add) await d.discoverNew("node", node);
      else await d.discoverDelete("node", node);
    }
    return {};
  }
}
