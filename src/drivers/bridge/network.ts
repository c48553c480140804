// Kernel objects of one bridge network: the bridge with its gateway addresses, forwarding sysctls,
// and the firewall's view of it. Creation rolls back what it did when a step fails.

import { forbidden, invalidArgument } from "../../errors/index.js";
import type { FirewallBackend, FirewallNetwork } from "../../firewall/contract.js";
import {
  addAddress, createBridge, deleteAddress, deleteLink, findLink, listAddresses, retiredLinkName, setLink, type NetnsHandle,
} from "../../osl/index.js";
import { formatPrefix, prefixesOverlap, randomMac, type IpPrefix } from "../../types/index.js";
import type { BridgeNetworkConfig } from "./config.js";
import { OWNED_BRIDGE_GROUP, TRASH_GROUP } from "./labels.js";
import { PortBridges } from "./port-bridges.js";

export interface BridgeNetworkState {
  readonly config: BridgeNetworkConfig;
  /**
   * We made the bridge (and delete it with the network); a pre-existing bridge is left in place. Known
   * across restarts by the bridge's IFLA_GROUP.
   */
  readonly createdBridge: boolean;
  readonly bridgeIndex: number;
  /**
   * Gateway addresses this process put on a pre-existing bridge (removed again on delete, so no route
   * of the network stays behind); addresses the bridge already had are the user's and stay.
   */
  readonly addedAddresses: readonly IpPrefix[];
  /** The network's port bridges and which bridge each joined endpoint's port is on (port-bridges.ts). */
  readonly portBridges: PortBridges;
}

export function firewallNetwork(c: BridgeNetworkConfig): FirewallNetwork {
  return {
    id: c.id, bridge: c.bridgeName, subnets4: [c.v4.pool], subnets6: c.v6 === undefined ? [] : [c.v6.pool],
    internal: c.internal, icc: c.icc, masquerade: c.masquerade,
    ...(c.snatSource === undefined ? {} : { snatSource: c.snatSource }),
    ...(c.hostBindingIp === undefined ? {} : { hostBindingIp: c.hostBindingIp }),
  };
}

/** Docker refuses a second network on the same bridge or with an overlapping subnet. */
export function checkConflicts(c: BridgeNetworkConfig, others: Iterable<BridgeNetworkState>): void {
  for (const o of others) {
    if (o.config.id === c.id) continue;
    const prefix = `cannot create network ${c.id} (${c.bridgeName}): conflicts with network ${o.config.id} (${o.config.bridgeName})`;
    if (o.config.bridgeName === c.bridgeName) throw forbidden("ERR_BRIDGE_CONFLICT", `${prefix}: networks have same bridge name`);
    if (o.config.defaultBridge && c.defaultBridge) throw forbidden("ERR_DEFAULT_BRIDGE", `${prefix}: there is only one default bridge network`);
    if (prefixesOverlap(o.config.v4.pool, c.v4.pool)) throw forbidden("ERR_BRIDGE_CONFLICT", `${prefix}: networks have overlapping IPv4`);
    if (o.config.v6 !== undefined && c.v6 !== undefined && prefixesOverlap(o.config.v6.pool, c.v6.pool)) {
      throw forbidden("ERR_BRIDGE_CONFLICT", `${prefix}: networks have overlapping IPv6`);
    }
  }
}

/** Creates (or adopts) the bridge and programs it; idempotent, so a restart can call it again. */
export async function setUpBridge(host: NetnsHandle, fw: FirewallBackend, c: BridgeNetworkConfig): Promise<BridgeNetworkState> {
  const existing = await findLink(host, c.bridgeName);
  if (existing !== undefined && existing.kind !== "bridge") {
    throw invalidArgument("ERR_NOT_A_BRIDGE", `${c.bridgeName} exists and is not a bridge (${existing.kind ?? "no kind"})`);
  }
  const created = existing === undefined || existing.group === OWNED_BRIDGE_GROUP;
  // Multicast snooping off on bridges of ours: with it, every port added or removed re-arms the multicast
  // timers of every port (br_port_state_selection), so each attach cost grew with the network's size
  // (kernel microbench, 1,000 pairs on one bridge: median 1.48 → 1.21 ms, last 100 2.0 → 1.5 ms).
  // Multicast is then flooded to the network's ports, like broadcast (what users of Docker's bridge
  // often set by hand, as snooping without a querier drops groups). A user's bridge keeps its setting.
  if (existing === undefined) {
    await createBridge(host, { name: c.bridgeName, mac: randomMac(), group: OWNED_BRIDGE_GROUP, multicastSnooping: false });
  }
  const wanted = wantedAddresses(c);
  const had = created ? [] : (await listAddresses(host, { link: c.bridgeName })).map((a) => a.address);
  const added = created ? [] : wanted.filter((w) => !had.some((h) => samePrefix(h, w)));
  try {
    if (c.ipv6) {
      host.writeSysctl(`net/ipv6/conf/${c.bridgeName}/disable_ipv6`, "0");
      host.writeSysctl(`net/ipv6/conf/${c.bridgeName}/accept_ra`, "0");
    } else if (existing === undefined) {
      // As Docker (26+) does for IPv4-only networks. Besides, when the first endpoint gives the bridge a
      // carrier, IPv6 autoconfiguration (link-local address, DAD, MLD) would run inside that join: ~1 ms.
      host.writeSysctl(`net/ipv6/conf/${c.bridgeName}/disable_ipv6`, "1");
    }
    for (const address of wanted) await addAddress(host, { link: c.bridgeName, address, replace: true, ...(address.family === 6 ? { nodad: true } : {}) });
    host.writeSysctl("net.ipv4.ip_forward", "1");
    if (c.ipv6) host.writeSysctl("net.ipv6.conf.all.forwarding", "1");
    await setLink(host, c.bridgeName, { up: true });
    await fw.addNetwork(firewallNetwork(c));
  } catch (err) {
    if (existing === undefined) await deleteLink(host, c.bridgeName).catch(() => {});
    else await removeAddresses(host, c.bridgeName, added).catch(() => {});
    throw err;
  }
  const index = (await findLink(host, c.bridgeName))?.index ?? 0;
  return { config: c, createdBridge: created, bridgeIndex: index, addedAddresses: added, portBridges: new PortBridges(c) };
}

/** The gateway addresses the bridge carries (none for IPv4 with inhibit_ipv4). */
export function wantedAddresses(c: BridgeNetworkConfig): IpPrefix[] {
  return [...(!c.inhibitIpv4 && c.v4.gateway !== undefined ? [c.v4.gateway] : []), ...(c.v6?.gateway === undefined ? [] : [c.v6.gateway])];
}

export function samePrefix(a: IpPrefix, b: IpPrefix): boolean {
  return a.family === b.family && a.address === b.address && a.length === b.length;
}

async function removeAddresses(host: NetnsHandle, bridge: string | number, addresses: readonly IpPrefix[]): Promise<void> {
  for (const a of addresses) {
    await deleteAddress(host, bridge, a).catch((err: unknown) => {
      if (!["EADDRNOTAVAIL", "ENODEV"].includes((err as { code?: string }).code ?? "")) throw err;
    });
  }
}

/** Returns true when a bridge of ours (or a port bridge) was put in the trash group: the caller's reaper destroys it. */
export async function tearDownBridge(host: NetnsHandle, fw: FirewallBackend, s: BridgeNetworkState): Promise<boolean> {
  await fw.removeNetwork(s.config.id);
  const portBridges = await s.portBridges.retireAll(host);
  const bridge = await findLink(host, s.config.bridgeName);
  if (bridge === undefined) return portBridges;
  if (!s.createdBridge) {
    await removeAddresses(host, s.config.bridgeName, s.addedAddresses);
    return portBridges;
  }
  await retireBridge(host, bridge.index, s.config);
  return true;
}

/**
 * Takes a bridge of ours out of use at once and leaves its destruction to the reaper: deleting a bridge
 * blocks for 30–45 ms (the kernel's RCU waits after it is unlisted; `ip link del` of an idle bridge,
 * measured here), ~80% of a network delete. Down, renamed out of the way (a network created again under
 * its name must not find it) and in the trash group; its IPv4 gateway address goes too, so automatic
 * pools do not avoid the subnet meanwhile (IPv6 addresses go with the link's down).
 */
async function retireBridge(host: NetnsHandle, index: number, c: BridgeNetworkConfig): Promise<void> {
  await setLink(host, index, { up: false, name: retiredLinkName(), group: TRASH_GROUP });
  await removeAddresses(host, index, wantedAddresses(c).filter((a) => a.family === 4));
}

export function describeNetwork(s: BridgeNetworkState): string {
  return `${s.config.bridgeName} ${formatPrefix(s.config.v4.pool)}`;
}
