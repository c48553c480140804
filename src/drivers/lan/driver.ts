// The engine of the macvlan and ipvlan drivers: sandboxes sit directly on a host link's LAN through a
// child link of that parent, born in the sandbox under its final name. Parents (NIC, VLAN sub-interface,
// dummy) are shared with the other kind through ParentLinks; addresses come from IPAM, or from the LAN's
// DHCP server at join (with the DHCP client the composition root hands over).

import type {
  Capability, CreateEndpointRequest, CreateEndpointResult, CreateNetworkRequest, DhcpLeaser, JoinInfo, JoinRequest,
  NetworkDriver, OperationalInfo, Restorable, RestoreEndpoint, RestoreState,
} from "../../driver-api/index.js";
import { internal, invalidArgument, notFound } from "../../errors/index.js";
import { getLink, type HandleCache, type NetnsHandle } from "../../osl/index.js";
import { formatIp, formatPrefix, ipOf, macFromIPv4, randomMac, type IpPrefix } from "../../types/index.js";
import { parseLanConfig, type LanNetworkConfig } from "./config.js";
import { clientIdOf, createChild, leaseJoinInfo, staticJoinInfo, type LanEndpoint } from "./join.js";
import type { LanKind } from "./kind.js";
import { DHCP_LEASE_KEY, LanLabels, MAC_KEY } from "./labels.js";
import type { ParentLinks } from "./parents.js";
import { ChildRetirer } from "./retire.js";

export interface LanDriverDeps {
  readonly handles: HandleCache;
  /** Shared by the macvlan and ipvlan drivers of one controller. */
  readonly parents: ParentLinks;
  /** The DHCP client; without one the driver does not declare the `dhcp` capability. */
  readonly dhcp?: DhcpLeaser;
}

const code = (err: unknown): string | undefined => (err as { code?: string }).code;


export class LanDriver<M> implements NetworkDriver, OperationalInfo, Restorable {
  readonly name: string;
  readonly #kind: LanKind<M>;
  readonly #deps: LanDriverDeps;
  readonly #networks = new Map<string, LanNetworkConfig<M>>();
  readonly #endpoints = new Map<string, LanEndpoint>();
  readonly #retirer: ChildRetirer;

  constructor(kind: LanKind<M>, deps: LanDriverDeps) {
    this.name = kind.name;
    this.#kind = kind;
    this.#deps = deps;
    this.#retirer = new ChildRetirer();
  }

  capability(): Capability {
    return { dataScope: "local", connectivityScope: "global", retiresInterface: true, ...(this.#deps.dhcp === undefined ? {} : { dhcp: true }) };
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    const config = parseLanConfig(this.#kind, req);
    await this.#claim(config);
    this.#networks.set(req.networkId, config);
  }

  async deleteNetwork(networkId: string): Promise<void> {
    if (!this.#networks.has(networkId)) return;
    await this.#deps.parents.release(this.#deps.handles.host(), networkId);
    this.#networks.delete(networkId);
  }

  /** Docker's rules: a MAC from the IPv4 address unless given (macvlan), none of one's own (ipvlan); ports are ignored. */
  async createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResult> {
    this.#network(req.networkId);
    const given = req.iface.macAddress;
    if (!this.#kind.ownMac && given !== undefined) {
      throw invalidArgument("ERR_MAC_NOT_SUPPORTED", `${this.name} interfaces do not support custom mac address assignment`);
    }
    const mac = !this.#kind.ownMac ? undefined : given ?? (req.iface.address === undefined ? randomMac() : macFromIPv4(ipOf(req.iface.address)));
    this.#endpoints.set(req.endpointId, {
      networkId: req.networkId, endpointId: req.endpointId, mac, address: req.iface.address, addressIPv6: req.iface.addressIPv6,
    });
    return given === undefined && mac !== undefined ? { iface: { macAddress: mac } } : {};
  }

  async deleteEndpoint(_networkId: string, endpointId: string): Promise<void> {
    this.#deps.dhcp?.forget(endpointId);
    this.#endpoints.delete(endpointId);
  }

  async join(req: JoinRequest): Promise<JoinInfo> {
    const net = this.#network(req.networkId);
    const ep = this.#endpoint(req.endpointId);
    const host = this.#deps.handles.host();
    const sandbox = this.#deps.handles.get(req.sandboxKey);
    const leaser = this.#deps.dhcp;
    // A dhcp network reaches a driver only through the controller's check of the `dhcp` capability.
    if (net.dhcp !== undefined && leaser === undefined) throw internal("ERR_NO_DHCP_CLIENT", `the ${this.name} driver has no DHCP client`);
    // A child just left on the parent may still hold this one's MAC (macvlan) or address (ipvlan).
    await this.#retirer.settled(net.parent.name, net.dhcp === undefined || this.#kind.ownMac ? this.#holds(ep) : undefined);
    await createChild(host, this.#kind, net, { name: req.ifname, netns: sandbox, ...(ep.mac === undefined ? {} : { mac: ep.mac }) });
    const info = net.dhcp === undefined || leaser === undefined ? staticJoinInfo(this.#kind, net, ep) : await leaseJoinInfo(ep, {
      leaser, sandbox, ifname: req.ifname, sandboxKey: req.sandboxKey, hostname: req.hostname, options: net.dhcp.options,
    });
    this.#endpoints.set(req.endpointId, {
      ...this.#endpoint(req.endpointId), joined: { sandboxKey: req.sandboxKey, sandbox, ifname: req.ifname },
      ...(info.address === undefined ? {} : { joinedAddress: info.address }),
    });
    return info;
  }

  /**
   * The lease goes back first (the interface still has the address to send DHCPRELEASE from); then the child
   * is deleted, off the event loop (ChildRetirer; the `retiresInterface` capability: the controller leaves it alone).
   */
  async leave(networkId: string, endpointId: string): Promise<void> {
    const ep = this.#endpoints.get(endpointId);
    const j = ep?.joined;
    if (ep === undefined || j === undefined) return;
    const net = this.#networks.get(networkId);
    if (net?.dhcp !== undefined) await this.#deps.dhcp?.release(endpointId);
    if (!j.sandbox.closed && net !== undefined) {
      await this.#retirer.retire(j.sandbox, j.ifname, net.parent.name, this.#holds(ep)).catch((err: unknown) => {
        if (code(err) !== "ENODEV") throw err; // already gone with its sandbox
      });
    }
    const { joined: _j, joinedAddress: _a, ...left } = ep;
    this.#endpoints.set(endpointId, left);
  }

  endpointOperInfo(_networkId: string, endpointId: string): ReadonlyMap<string, unknown> {
    const ep = this.#endpoints.get(endpointId);
    const out = new Map<string, unknown>();
    if (ep?.mac !== undefined) out.set(MAC_KEY, ep.mac);
    const status = this.#deps.dhcp?.status(endpointId);
    if (status !== undefined) {
      const l = status.lease;
      out.set(DHCP_LEASE_KEY, {
        State: status.state, ...(l === undefined ? {} : {
          Address: formatPrefix(l.address), Server: formatIp(l.server), LeaseSeconds: l.leaseSeconds,
          RenewedAt: new Date(l.renewedAt).toISOString(), ...(l.gateway === undefined ? {} : { Gateway: formatIp(l.gateway) }),
        }),
      });
    }
    return out;
  }

  /**
   * After a restart: parents claimed again (a missing VLAN or dummy of dnet's is made again), endpoints known
   * again, leases of joined endpoints taken back (INIT-REBOOT, in the background). Each network is restored on
   * its own: one that fails is reported, the others still work.
   */
  async restore(state: RestoreState): Promise<void> {
    const failures: unknown[] = [];
    for (const req of state.networks) {
      try {
        const config = parseLanConfig(this.#kind, req);
        // Known even when its parent is gone: joins then say so, and the network can still be deleted.
        this.#networks.set(req.networkId, config);
        await this.#claim(config);
      } catch (err) {
        failures.push(err);
      }
    }
    for (const ep of state.endpoints) {
      if (!this.#networks.has(ep.networkId)) continue;
      await this.createEndpoint({ ...ep, iface: { ...ep.iface } }).catch((err: unknown) => failures.push(err));
      await this.#rejoined(ep).catch((err: unknown) => failures.push(err));
    }
    if (failures.length > 0) throw new AggregateError(failures, `${this.name}: ${failures.length} network(s) or endpoint(s) could not be restored`);
  }

  /** Waits for the deletions of left children under way (tests, shutdown). */
  async close(): Promise<void> {
    await this.#retirer.close();
  }

  async #rejoined(r: RestoreEndpoint): Promise<void> {
    const ep = this.#endpoints.get(r.endpointId);
    if (ep === undefined || r.sandboxKey === undefined || r.ifname === undefined) return;
    let sandbox: NetnsHandle;
    try {
      sandbox = this.#deps.handles.get(r.sandboxKey);
    } catch {
      return; // the sandbox's netns is gone: the controller rebuilds it and joins again
    }
    this.#endpoints.set(r.endpointId, {
      ...ep, joined: { sandboxKey: r.sandboxKey, sandbox, ifname: r.ifname }, ...(r.iface.address === undefined ? {} : { joinedAddress: r.iface.address }),
    });
    const net = this.#network(r.networkId);
    if (net.dhcp === undefined || this.#deps.dhcp === undefined || r.iface.address === undefined) return;
    const mac = ep.mac ?? (await getLink(sandbox, r.ifname)).mac ?? "";
    this.#deps.dhcp.resume({
      endpointId: r.endpointId, sandboxKey: r.sandboxKey, ifname: r.ifname, mac, clientId: clientIdOf(ep), options: net.dhcp.options,
      ...(r.hostname === undefined || r.hostname === "" ? {} : { hostname: r.hostname }),
    }, r.iface.address);
  }

  #claim(config: LanNetworkConfig<M>): Promise<void> {
    return this.#deps.parents.claim(this.#deps.handles.host(), {
      networkId: config.id, driver: this.name, parent: config.parent, dhcp: config.dhcp !== undefined,
      subnets: [...config.v4, ...config.v6].map((s) => s.pool), sharing: this.#kind.sharing(config.mode),
    }, LanLabels.parent, this.name);
  }

  /** What a child of the endpoint holds on the parent: its MAC (a macvlan), else its addresses (an ipvlan). */
  #holds(ep: LanEndpoint): string[] {
    if (ep.mac !== undefined) return [ep.mac];
    return [ep.joinedAddress ?? ep.address, ep.addressIPv6].filter((a): a is IpPrefix => a !== undefined).map((a) => formatIp(ipOf(a)));
  }

  #network(id: string): LanNetworkConfig<M> {
    const n = this.#networks.get(id);
    if (n === undefined) throw notFound("ERR_NETWORK_NOT_FOUND", `${this.name} network ${id} not found`);
    return n;
  }

  #endpoint(id: string): LanEndpoint {
    const e = this.#endpoints.get(id);
    if (e === undefined) throw internal("ERR_ENDPOINT_NOT_FOUND", `${this.name} endpoint ${id} not found`);
    return e;
  }
}
