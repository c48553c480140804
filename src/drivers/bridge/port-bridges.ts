// Port bridges: more bridges behind one bridge network. A bridge holds at most 1,024 ports, and each port
// added costs in proportion to the ports already there (the kernel's br_add_if walks them), so a network's
// endpoints fill its bridge up to `portsPerBridge`, then port bridges: bridges without addresses, each joined
// to the network's bridge by a veth trunk. Frames between sandboxes of one port bridge stay on it; all else
// crosses the trunk, so the gateway, NAT, published ports and isolation are the network bridge's (the
// firewall's side: firewall/rules.ts). Which bridge an endpoint's port is on is the kernel's (its veth's
// master), read back at restore.

import { forbidden } from "../../errors/index.js";
import { PORT_BRIDGE_PREFIX, randomMac } from "../../types/index.js";
import { createBridge, createVeth, findLink, linkIndex, setLink, setLinks, type Link, type NetnsHandle } from "../../osl/index.js";
import type { BridgeNetworkConfig } from "./config.js";
import { OWNED_BRIDGE_GROUP, TRASH_GROUP } from "./labels.js";

/** The trunk's end on the network's bridge is named with this (reclaim.ts finds leftovers by it). */
export const TRUNK_PREFIX = "dnpt";

/** The kernel's limit (BR_MAX_PORTS): the network's bridge holds its own endpoints and one trunk per port bridge. */
const BRIDGE_MAX_PORTS = 1024;
/** Two base-36 digits name a slot: 1,295 port bridges at most. */
const MAX_SLOT = 36 * 36 - 1;

export interface PortBridgeNames {
  readonly bridge: string;
  /** The trunk's end on the network's bridge. */
  readonly trunk: string;
  /** The trunk's end on the port bridge. */
  readonly trunkPeer: string;
}

/** Derived from the network ID and the slot (1..), so a restarted driver finds them. */
export function portBridgeNames(networkId: string, slot: number): PortBridgeNames {
  const id = networkId.slice(0, 9);
  const n = slot.toString(36).padStart(2, "0");
  return { bridge: `${PORT_BRIDGE_PREFIX}${id}${n}`, trunk: `${TRUNK_PREFIX}${id}${n}`, trunkPeer: `dnpp${id}${n}` };
}

/** A port bridge's sysctls: no address of its own, so it answers no ARP and takes no IPv6 address. */
function configurePortBridge(host: NetnsHandle, c: BridgeNetworkConfig, name: string): void {
  host.writeSysctl(`net/ipv4/conf/${name}/arp_ignore`, "8");
  // A published port reached from behind it is routed from it to the network's bridge (rules.ts).
  host.writeSysctl(`net/ipv4/conf/${name}/rp_filter`, "0");
  // …and the reply to the host's own 127.0.0.1 is un-NATed there (as on the network's bridge, network.ts).
  if (!c.internal) host.writeSysctl(`net/ipv4/conf/${name}/route_localnet`, "1");
  host.writeSysctl(`net/ipv6/conf/${name}/disable_ipv6`, c.ipv6 ? "0" : "1");
  if (c.ipv6) {
    host.writeSysctl(`net/ipv6/conf/${name}/addr_gen_mode`, "1");
    host.writeSysctl(`net/ipv6/conf/${name}/accept_ra`, "0");
  }
}

/** The port bridge of `slot` and its trunk to the bridge `mainIndex`, present, attached and up; idempotent. */
export async function ensurePortBridge(host: NetnsHandle, c: BridgeNetworkConfig, mainIndex: number, slot: number): Promise<number> {
  const n = portBridgeNames(c.id, slot);
  const mtu = c.mtu === undefined ? {} : { mtu: c.mtu };
  if (await findLink(host, n.bridge) === undefined) {
    // Its own MAC: a bridge without one takes its lowest port's, which changes as ports come and go.
    await createBridge(host, { name: n.bridge, mac: randomMac(), group: OWNED_BRIDGE_GROUP, multicastSnooping: false, ...mtu });
  }
  configurePortBridge(host, c, n.bridge);
  await setLink(host, n.bridge, { up: true });
  const index = await linkIndex(host, n.bridge);
  if (await findLink(host, n.trunk) === undefined) {
    await createVeth(host, { name: n.trunk, group: OWNED_BRIDGE_GROUP, queues: 1, ...mtu, peer: { name: n.trunkPeer } });
  }
  // No IPv6 addresses on the trunk's ends before they come up (as on endpoints' host ends, veth.ts).
  await setLinks(host, [n.trunk, n.trunkPeer], { ipv6AddrGenNone: true }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "EAFNOSUPPORT") throw err; // a kernel without IPv6
  });
  await setLink(host, n.trunkPeer, { master: index, up: true });
  await setLink(host, n.trunk, { master: mainIndex, up: true });
  return index;
}

/**
 * Which bridge each joined endpoint's port is on (slot 0: the network's bridge; 1..: port bridges) and the
 * port bridges' indexes. Held by the network's state; slots are taken before the kernel is asked, so
 * concurrent joins never overfill a bridge, and a port bridge is created once however many joins wait for it.
 */
export class PortBridges {
  readonly #config: BridgeNetworkConfig;
  readonly #slotOf = new Map<string, number>();
  readonly #counts: number[] = [0];
  readonly #indexes = new Map<number, number>();
  readonly #creating = new Map<number, Promise<number>>();

  constructor(config: BridgeNetworkConfig) {
    this.#config = config;
  }

  /** The lowest slot with room, counted for `endpointId` (a slot it held before is given back first). */
  take(endpointId: string): number {
    this.release(endpointId);
    const per = this.#config.portsPerBridge;
    let slot = this.#counts.findIndex((n) => n < per);
    if (slot < 0) slot = this.#counts.length;
    if (slot > Math.min(MAX_SLOT, BRIDGE_MAX_PORTS - per)) {
      throw forbidden("ERR_NETWORK_FULL", `network ${this.#config.id} is full: ${slot} bridges of ${per} ports each`);
    }
    this.#place(endpointId, slot);
    return slot;
  }

  release(endpointId: string): void {
    const slot = this.#slotOf.get(endpointId);
    if (slot === undefined) return;
    this.#slotOf.delete(endpointId);
    this.#counts[slot] = (this.#counts[slot] ?? 1) - 1;
  }

  slotOf(endpointId: string): number | undefined {
    return this.#slotOf.get(endpointId);
  }

  /** The ifindex of `slot`'s bridge, the port bridge created (with its trunk to `mainIndex`) when missing. */
  async masterIndex(host: NetnsHandle, mainIndex: number, slot: number): Promise<number> {
    if (slot === 0) return mainIndex;
    const known = this.#indexes.get(slot);
    if (known !== undefined) return known;
    let pending = this.#creating.get(slot);
    if (pending === undefined) {
      pending = ensurePortBridge(host, this.#config, mainIndex, slot).finally(() => this.#creating.delete(slot));
      this.#creating.set(slot, pending);
    }
    const index = await pending;
    this.#indexes.set(slot, index);
    return index;
  }

  /** The index the endpoint's port should have as master, when it is on a port bridge known to exist. */
  expectedMaster(endpointId: string, mainIndex: number): number | undefined {
    const slot = this.#slotOf.get(endpointId) ?? 0;
    return slot === 0 ? mainIndex : this.#indexes.get(slot);
  }

  /**
   * After a restart: the port bridges present among `links` and, for each endpoint whose host end is on
   * one of them (or on the network's bridge, `mainIndex`), its slot.
   */
  adopt(links: readonly Link[], mainIndex: number, endpointPorts: ReadonlyMap<string, string>): void {
    const prefix = portBridgeNames(this.#config.id, 0).bridge.slice(0, -2);
    const slotByIndex = new Map<number, number>([[mainIndex, 0]]);
    for (const l of links) {
      if (l.kind !== "bridge" || !l.name.startsWith(prefix) || l.name.length !== prefix.length + 2) continue;
      const slot = Number.parseInt(l.name.slice(-2), 36);
      if (slot >= 1) { this.#indexes.set(slot, l.index); slotByIndex.set(l.index, slot); }
    }
    const byName = new Map(links.map((l) => [l.name, l]));
    for (const [endpointId, port] of endpointPorts) {
      const master = byName.get(port)?.master;
      const slot = master === undefined ? undefined : slotByIndex.get(master);
      if (slot !== undefined) this.#place(endpointId, slot);
    }
  }

  /** Slots of the port bridges this network has (or had, for repair). */
  slots(): number[] {
    return [...this.#indexes.keys()].sort((a, b) => a - b);
  }

  /** Records a slot's new index (re-created by repair). */
  setIndex(slot: number, index: number): void {
    this.#indexes.set(slot, index);
  }

  /** Whether `name` is one of this network's port bridges or trunk ends: O(1), as link events ask it of every change. */
  roleOf(name: string): "bridge" | "trunk" | undefined {
    const slot = Number.parseInt(name.slice(-2), 36);
    if (!this.#indexes.has(slot)) return undefined;
    const n = portBridgeNames(this.#config.id, slot);
    return name === n.bridge ? "bridge" : name === n.trunk || name === n.trunkPeer ? "trunk" : undefined;
  }

  /** Names of the port bridges and trunk ends (what the driver holds, for reclaim). */
  names(): { bridges: string[]; trunks: string[] } {
    const all = this.slots().map((s) => portBridgeNames(this.#config.id, s));
    return { bridges: all.map((n) => n.bridge), trunks: all.flatMap((n) => [n.trunk, n.trunkPeer]) };
  }

  /**
   * Takes every port bridge and its trunk out of use (down, in the trash group) for the reaper to destroy:
   * deleting a bridge blocks for the kernel's RCU waits (network.ts' retireBridge). True when there was one.
   */
  async retireAll(host: NetnsHandle): Promise<boolean> {
    const slots = this.slots();
    if (slots.length === 0) return false;
    const names = slots.flatMap((slot) => { const n = portBridgeNames(this.#config.id, slot); return [n.trunk, n.bridge]; });
    await setLinks(host, names, { up: false, group: TRASH_GROUP });
    this.#indexes.clear();
    return true;
  }

  #place(endpointId: string, slot: number): void {
    this.#slotOf.set(endpointId, slot);
    while (this.#counts.length <= slot) this.#counts.push(0);
    this.#counts[slot] = (this.#counts[slot] ?? 0) + 1;
  }
}
