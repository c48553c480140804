// Optional driver ability: publishing and unpublishing some of a gateway endpoint's ports while it runs
// (ports added to or removed from a running sandbox), the others untouched.

import type { IpAddress } from "../types/index.js";
import type { NetworkDriver, PortBinding } from "./contract.js";

/** Where one binding is published on one address family: its host ports resolved (a chosen or dynamic one). */
export interface PublishedPort {
  readonly binding: PortBinding;
  /** The family's unspecified address for every address of the host. */
  readonly hostIp: IpAddress;
  readonly hostPort: number;
  readonly hostPortEnd: number;
  readonly containerIp: IpAddress;
}

/**
 * Drivers that change a gateway endpoint's published ports one change at a time, the others untouched
 * (ports added to or removed from a running sandbox). Without it the controller revokes the endpoint's
 * external connectivity and programs it again with the whole new list.
 */
export interface PortChanges {
  /**
   * Publishes more bindings on an endpoint whose external connectivity is programmed: all of them, or
   * none. Answers where each binding is published (ones published already included), per address family.
   */
  publishPorts(networkId: string, endpointId: string, bindings: readonly PortBinding[]): Promise<readonly PublishedPort[]>;
  /** Unpublishes bindings as they were given (to publishPorts or programExternalConnectivity); others are ignored. */
  unpublishPorts(networkId: string, endpointId: string, bindings: readonly PortBinding[]): Promise<void>;
}

export function hasPortChanges(d: NetworkDriver): d is NetworkDriver & PortChanges {
  const c = d as Partial<PortChanges>;
  return typeof c.publishPorts === "function" && typeof c.unpublishPorts === "function";
}
