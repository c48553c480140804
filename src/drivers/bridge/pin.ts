// An endpoint's bridge port pinned to its MAC and addresses by the firewall (anti-spoofing: a sandbox
// cannot take a neighbour's IP), when its network wants it (the default) and the firewall can pin.

import { forbidden } from "../../errors/index.js";
import type { FirewallBackend } from "../../firewall/contract.js";
import { ipOf, type IpAddress } from "../../types/index.js";
import type { BridgeNetworkConfig } from "./config.js";
import { BridgeLabels } from "./labels.js";
import type { BridgeNetworkState } from "./network.js";
import type { BridgeEndpointState } from "./publish.js";

/** A network that asks for pinning on a firewall that cannot pin (`--firewall none`) is refused. */
export function checkPinnable(c: BridgeNetworkConfig, fw: FirewallBackend): void {
  if (c.pinAddressesAsked && fw.pinPort === undefined) {
    throw forbidden("ERR_PIN_UNSUPPORTED", `${BridgeLabels.pinAddresses}=true needs a firewall that can pin ports (nftables), not "${fw.name}"`);
  }
}

/** Whether the network's ports are pinned (it wants it and the firewall can). */
export function pinsPorts(net: BridgeNetworkState | undefined, fw: FirewallBackend): boolean {
  return net?.config.pinAddresses === true && fw.pinPort !== undefined;
}

export async function pinEndpointPort(fw: FirewallBackend, net: BridgeNetworkState, ep: BridgeEndpointState, port: string): Promise<void> {
  if (!net.config.pinAddresses || fw.pinPort === undefined) return;
  const addresses: IpAddress[] = [ep.iface.address, ep.iface.addressIPv6].filter((a) => a !== undefined).map((a) => ipOf(a));
  await fw.pinPort(ep.networkId, ep.endpointId, { port, mac: ep.mac.toLowerCase(), addresses });
}

export async function unpinEndpointPort(fw: FirewallBackend, net: BridgeNetworkState | undefined, ep: BridgeEndpointState): Promise<void> {
  if (net?.config.pinAddresses !== true || fw.unpinPort === undefined) return;
  await fw.unpinPort(ep.networkId, ep.endpointId);
}
