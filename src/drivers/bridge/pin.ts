// An endpoint's bridge port pinned to its MAC and addresses by the firewall (anti-spoofing: a sandbox
// cannot take a neighbour's IP), when its network asks for it (dnet.bridge.pin_ports=true; off by default).

import { forbidden } from "../../errors/index.js";
import type { FirewallBackend } from "../../firewall/contract.js";
import { ipOf, type IpAddress } from "../../types/index.js";
import type { BridgeNetworkConfig } from "./config.js";
import { BridgeLabels } from "./labels.js";
import type { BridgeNetworkState } from "./network.js";
import type { BridgeEndpointState } from "./publish.js";

/** A network that asks for pinning on a firewall that cannot pin (`--firewall none`) is refused. */
export function checkPinnable(c: BridgeNetworkConfig, fw: FirewallBackend): void {
  if (c.pinPorts && fw.pinPort === undefined) {
    throw forbidden("ERR_PIN_UNSUPPORTED", `${BridgeLabels.pinPorts}=true needs a firewall that can pin ports (nftables), not "${fw.name}"`);
  }
}

/** Whether the network's ports are pinned (it wants it and the firewall can). */
export function pinsPorts(net: BridgeNetworkState | undefined, fw: FirewallBackend): boolean {
  return net?.config.pinPorts === true && fw.pinPort !== undefined;
}

export async function pinEndpointPort(fw: FirewallBackend, net: BridgeNetworkState, ep: BridgeEndpointState, port: string): Promise<void> {
  if (!net.config.pinPorts || fw.pinPort === undefined) return;
  const addresses: IpAddress[] = [ep.iface.address, ep.iface.addressIPv6].filter((a) => a !== undefined).map((a) => ipOf(a));
  await fw.pinPort(ep.networkId, ep.endpointId, { port, mac: ep.mac.toLowerCase(), addresses });
}

/** Removes the pins of left endpoints (`unpins`; a join of one meanwhile took it off that list). */
export async function unpinLeft(
  fw: FirewallBackend, unpins: Map<string, BridgeEndpointState>, networks: ReadonlyMap<string, BridgeNetworkState>,
): Promise<void> {
  for (const [id, ep] of unpins) {
    unpins.delete(id);
    await unpinEndpointPort(fw, networks.get(ep.networkId), ep).catch(() => {});
  }
}

export async function unpinEndpointPort(fw: FirewallBackend, net: BridgeNetworkState | undefined, ep: BridgeEndpointState): Promise<void> {
  if (net?.config.pinPorts !== true || fw.unpinPort === undefined) return;
  await fw.unpinPort(ep.networkId, ep.endpointId);
}
