// The overlay driver (libnetwork's pre-Swarm design on etcd): per network a netns holding a bridge and a
// VXLAN device (learning off, ARP answered from the neighbour table); endpoints join the bridge through
// veths whose peers are born in the sandboxes; remote endpoints are programmed as FDB + neighbour entries.

import type {
  Capability, CreateEndpointRequest, CreateEndpointResult, CreateNetworkRequest, DiscoveryType, JoinInfo, JoinRequest,
  NetworkDriver, NodeDiscovery, RemotePeer, RestoreState,
} from "../../driver-api/index.js";
import { notFound } from "../../errors/index.js";
import {
  addFdb, addNeighbour, createBridge, createVeth, createVxlan, deleteFdb, deleteLink, deleteNeighbour, findLink, getLink,
  listAddresses, setLink, type HandleCache, type NetnsDirectory, type NetnsHandle,
} from "../../osl/index.js";
import { formatIp, ipOf, macFromIPv4, type IpAddress } from "../../types/index.js";
import { VXLAN_OVERHEAD, VXLAN_PORT, overlayNames, parseOverlayConfig, type OverlayConfig } from "./config.js";

export interface OverlayDriverDeps {
  readonly handles: HandleCache;
  /** Where the per-network namespaces live (not the sandboxes' directory: nothing there may claim them). */
  readonly netns: NetnsDirectory;
}

interface OverlayNetwork extends OverlayConfig {
  readonly mtu: number;
  readonly peers: Map<string, RemotePeer>;
}

const DEFAULT_UNDERLAY_MTU = 1500;

export class OverlayDriver implements NetworkDriver {
  readonly name = "overlay";
  readonly #deps: OverlayDriverDeps;
  readonly #networks = new Map<string, OverlayNetwork>();
  readonly #macs = new Map<string, string>();
  #advertise: IpAddress | undefined;

  constructor(deps: OverlayDriverDeps) {
    this.#deps = deps;
  }

  capability(): Capability {
    return { dataScope: "global", connectivityScope: "global" };
  }

  async discoverNew(_type: DiscoveryType, node: NodeDiscovery): Promise<void> {
    if (node.self) this.#advertise = node.address;
  }

  async discoverDelete(_type: DiscoveryType, node: NodeDiscovery): Promise<void> {
    if (node.self && this.#advertise !== undefined && formatIp(node.address) === formatIp(this.#advertise)) this.#advertise = undefined;
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    const config = parseOverlayConfig(req);
    const mtu = (config.underlayMtu ?? await this.#underlayMtu()) - VXLAN_OVERHEAD;
    const network: OverlayNetwork = { ...config, mtu, peers: new Map() };
    await this.#ensureKernel(network);
    this.#networks.set(req.networkId, network);
  }

  async deleteNetwork(networkId: string): Promise<void> {
    this.#networks.delete(networkId);
    const name = overlayNames.netns(networkId);
    if (!this.#deps.netns.exists(name)) return;
    // The VXLAN device first, and synchronously: a namespace is torn down by the kernel later, and until
    // then its device still holds the VNI on the underlay (a network made meanwhile with that VNI: EEXIST).
    const ns = this.#deps.handles.get(this.#deps.netns.pathOf(name));
    await deleteLink(ns, overlayNames.vxlan).catch((err: unknown) => {
      if ((err as { code?: string }).code !== "ENODEV") throw err;
    });
    this.#deps.handles.release(this.#deps.netns.pathOf(name));
    this.#deps.netns.delete(name); // its bridge and veth ends go with it
  }

  async createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResult> {
    this.#network(req.networkId);
    const given = req.iface.macAddress;
    const mac = given ?? (req.iface.address === undefined ? undefined : macFromIPv4(ipOf(req.iface.address)));
    if (mac !== undefined) this.#macs.set(req.endpointId, mac);
    return given === undefined && mac !== undefined ? { iface: { macAddress: mac } } : {};
  }

  async deleteEndpoint(_networkId: string, endpointId: string): Promise<void> {
    this.#macs.delete(endpointId);
  }

  async join(req: JoinRequest): Promise<JoinInfo> {
    const network = this.#network(req.networkId);
    const ns = this.#handle(req.networkId);
    const sandbox = this.#deps.handles.get(req.sandboxKey);
    await createVeth(ns, {
      name: overlayNames.veth(req.endpointId), master: overlayNames.bridge, mtu: network.mtu, up: true,
      peer: { name: req.ifname, netns: sandbox, mtu: network.mtu },
    });
    // No gateway: an overlay network reaches only its own subnet (Docker adds docker_gwbridge for egress).
    return { interface: { placement: "sandbox" }, staticRoutes: [], disableGatewayService: false };
  }

  async leave(networkId: string, endpointId: string): Promise<void> {
    if (!this.#networks.has(networkId)) return;
    const ns = this.#handle(networkId);
    if (await findLink(ns, overlayNames.veth(endpointId)) !== undefined) await deleteLink(ns, overlayNames.veth(endpointId));
  }

  /** After a restart: namespaces that survived are kept (joined sandboxes still use them), missing ones made. */
  async restore(state: RestoreState): Promise<void> {
    for (const req of state.networks) await this.createNetwork(req);
    for (const ep of state.endpoints) if (ep.iface.macAddress !== undefined) this.#macs.set(ep.endpointId, ep.iface.macAddress);
  }

  async peerAdd(networkId: string, peer: RemotePeer): Promise<void> {
    const network = this.#networks.get(networkId);
    if (network === undefined) return;
    const ns = this.#handle(networkId);
    const ip = ipOf(peer.address);
    await addNeighbour(ns, { link: overlayNames.vxlan, ip, mac: peer.mac, state: "permanent", replace: true });
    await addFdb(ns, { link: overlayNames.vxlan, mac: peer.mac, dst: peer.node, self: true, replace: true });
    network.peers.set(peer.endpointId, peer);
  }

  async peerDelete(networkId: string, peer: RemotePeer): Promise<void> {
    const network = this.#networks.get(networkId);
    if (network === undefined || !network.peers.delete(peer.endpointId)) return;
    const ns = this.#handle(networkId);
    await deleteNeighbour(ns, overlayNames.vxlan, ipOf(peer.address)).catch(() => undefined);
    await deleteFdb(ns, { link: overlayNames.vxlan, mac: peer.mac, dst: peer.node, self: true }).catch(() => undefined);
  }

  /** The network's netns with its bridge and VXLAN device; what already exists is kept. */
  async #ensureKernel(network: OverlayNetwork): Promise<void> {
    const name = overlayNames.netns(network.networkId);
    const fresh = !this.#deps.netns.exists(name);
    if (fresh) this.#deps.netns.create(name);
    const ns = this.#deps.handles.get(this.#deps.netns.pathOf(name));
    try {
      if (await findLink(ns, overlayNames.bridge) === undefined) {
        await createBridge(ns, { name: overlayNames.bridge, mtu: network.mtu, up: true });
      }
      if (await findLink(ns, overlayNames.vxlan) === undefined) {
        // Created from the host's netns into the overlay's: the UDP socket stays on the underlay.
        await createVxlan(this.#deps.handles.host(), {
          name: overlayNames.vxlan, netns: ns, vni: network.vni, port: VXLAN_PORT, learning: false, proxy: true,
          mtu: network.mtu, ...(this.#advertise === undefined ? {} : { local: this.#advertise }),
        });
        await setLink(ns, overlayNames.vxlan, { up: true, master: overlayNames.bridge });
      }
    } catch (err) {
      if (fresh) await this.deleteNetwork(network.networkId).catch(() => undefined);
      throw err;
    }
  }

  async #underlayMtu(): Promise<number> {
    const advertise = this.#advertise;
    if (advertise === undefined) return DEFAULT_UNDERLAY_MTU;
    const host = this.#deps.handles.host();
    const address = (await listAddresses(host, { family: advertise.family })).find((a) => formatIp(ipOf(a.address)) === formatIp(advertise));
    return address === undefined ? DEFAULT_UNDERLAY_MTU : (await getLink(host, address.index)).mtu ?? DEFAULT_UNDERLAY_MTU;
  }

  #network(id: string): OverlayNetwork {
    const n = this.#networks.get(id);
    if (n === undefined) throw notFound("ERR_NETWORK_NOT_FOUND", `overlay network ${id} not found`);
    return n;
  }

  #handle(networkId: string): NetnsHandle {
    return this.#deps.handles.get(this.#deps.netns.pathOf(overlayNames.netns(networkId)));
  }
}
