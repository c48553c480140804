// Endpoints on other hosts, from the cluster store: handed to their network's driver as remote peers
// (overlay: FDB + neighbour entries) and to the embedded DNS, so names resolve across hosts.

import { hasDiscovery, hasRemotePeers, type RemotePeer } from "../driver-api/index.js";
import { parseIp, parsePrefix } from "../types/index.js";
import type { ClusterEndpoint } from "./cluster-keys.js";
import type { ControllerContext } from "./context.js";

function peerOf(e: ClusterEndpoint): RemotePeer | undefined {
  if (e.address === undefined || e.macAddress === undefined) return undefined;
  return { endpointId: e.id, address: parsePrefix(e.address), mac: e.macAddress, node: parseIp(e.node) };
}

/** Tells every driver that follows membership which address is this host's (before any network is made here). */
export async function discoverSelf(ctx: ControllerContext, advertiseAddress: string): Promise<void> {
  for (const name of ctx.drivers.names()) {
    const driver = ctx.drivers.peek(name);
    if (driver !== undefined && hasDiscovery(driver)) await driver.discoverNew("node", { address: parseIp(advertiseAddress), self: true });
  }
}

export class RemoteEndpoints {
  /** key → the endpoint as last seen: a delete event carries no value. */
  readonly #known = new Map<string, ClusterEndpoint>();
  readonly #self: string;

  constructor(self: string) {
    this.#self = self;
  }

  async put(ctx: ControllerContext, key: string, value: string): Promise<void> {
    const e = JSON.parse(value) as ClusterEndpoint;
    if (e.node === this.#self) return;
    this.#known.set(key, e);
    const network = ctx.state.network(e.networkId);
    if (network === undefined) return;
    const driver = ctx.drivers.peek(network.driver);
    const peer = peerOf(e);
    if (driver !== undefined && peer !== undefined && hasRemotePeers(driver)) await driver.peerAdd(e.networkId, peer);
    ctx.dns?.records.setEndpoint(e.networkId, {
      endpointId: e.id, name: e.name, aliases: e.aliases.filter((a) => a !== e.name), anonymous: false,
      ...(e.address === undefined ? {} : { ipv4: e.address }), ...(e.addressIPv6 === undefined ? {} : { ipv6: e.addressIPv6 }),
    });
  }

  async delete(ctx: ControllerContext, key: string): Promise<void> {
    const e = this.#known.get(key);
    if (e === undefined) return;
    this.#known.delete(key);
    ctx.dns?.records.removeEndpoint(e.networkId, e.id);
    const network = ctx.state.network(e.networkId);
    const driver = network === undefined ? undefined : ctx.drivers.peek(network.driver);
    const peer = peerOf(e);
    if (driver !== undefined && peer !== undefined && hasRemotePeers(driver)) await driver.peerDelete(e.networkId, peer);
  }
}
