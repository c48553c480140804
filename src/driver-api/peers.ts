// Optional driver abilities for multi-host networks: being told of endpoints on other hosts.

import type { IpAddress, IpPrefix } from "../types/index.js";

/** An endpoint of a global network that lives on another host (libnetwork's overlay peer). */
export interface RemotePeer {
  readonly endpointId: string;
  readonly address: IpPrefix;
  readonly mac: string;
  /** The advertise address of the host it lives on (the VXLAN tunnel's far end). */
  readonly node: IpAddress;
}

/**
 * Drivers that program other hosts' endpoints (overlay: FDB and neighbour entries). The controller calls
 * these from the cluster store's watch, for networks of the driver that exist on this host.
 */
export interface RemotePeers {
  peerAdd(networkId: string, peer: RemotePeer): Promise<void>;
  peerDelete(networkId: string, peer: RemotePeer): Promise<void>;
}

export function hasRemotePeers<T extends object>(d: T): d is T & RemotePeers {
  const c = d as Partial<RemotePeers>;
  return typeof c.peerAdd === "function" && typeof c.peerDelete === "function";
}
