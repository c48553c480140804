// An overlay network's settings, parsed once from its create request: VNI, subnet, MTU.

import type { CreateNetworkRequest } from "../../driver-api/index.js";
import { invalidArgument } from "../../errors/index.js";

/** Docker's option: one VXLAN ID per IPv4 subnet, filled by the cluster store when not given. */
export const VXLANID_LIST_OPTION = "com.docker.network.driver.overlay.vxlanid_list";
export const MTU_OPTION = "com.docker.network.driver.mtu";
/** VXLAN over IPv4 adds 50 bytes (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8). */
export const VXLAN_OVERHEAD = 50;
export const VXLAN_PORT = 4789;

export interface OverlayConfig {
  readonly networkId: string;
  readonly vni: number;
  /** The MTU the user set for the underlay (`-o com.docker.network.driver.mtu`), else the underlay device's. */
  readonly underlayMtu?: number;
}

export function parseOverlayConfig(req: CreateNetworkRequest): OverlayConfig {
  if (req.ipv4.length === 0) throw invalidArgument("ERR_INVALID_OPTION", "an overlay network needs an IPv4 subnet");
  if (req.ipv4.length > 1) throw invalidArgument("ERR_MULTIPLE_SUBNETS", "this overlay driver supports one IPv4 subnet per network");
  const list = req.options.get(VXLANID_LIST_OPTION);
  if (list === undefined || list === "") {
    throw invalidArgument("ERR_INVALID_OPTION", `overlay network ${req.networkId} has no ${VXLANID_LIST_OPTION}: it needs a cluster store to allocate one`);
  }
  const vni = Number(list.split(",")[0]?.trim());
  if (!Number.isInteger(vni) || vni < 1 || vni > 0xffffff) throw invalidArgument("ERR_INVALID_VNI", `invalid ${VXLANID_LIST_OPTION} ${JSON.stringify(list)}`);
  const mtuText = req.options.get(MTU_OPTION);
  if (mtuText === undefined) return { networkId: req.networkId, vni };
  const mtu = Number(mtuText);
  if (!Number.isInteger(mtu) || mtu < 68 + VXLAN_OVERHEAD || mtu > 65535) {
    throw invalidArgument("ERR_INVALID_MTU", `invalid ${MTU_OPTION} ${JSON.stringify(mtuText)}: must be ${68 + VXLAN_OVERHEAD}-65535`);
  }
  return { networkId: req.networkId, vni, underlayMtu: mtu };
}

/** Names inside the network's own netns: they cannot collide with anything outside it. */
export const overlayNames = {
  netns: (networkId: string): string => `ov-${networkId.slice(0, 12)}`,
  bridge: "ov-br0",
  vxlan: "ov-vx0",
  /** The overlay-side end of an endpoint's veth. */
  veth: (endpointId: string): string => `ve${endpointId.slice(0, 12)}`,
} as const;
