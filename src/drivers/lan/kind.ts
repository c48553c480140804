// What tells a macvlan network from an ipvlan one: each driver gives the shared engine (LanDriver) one of these.

import type { NetlinkRequest, NetnsHandle } from "../../osl/index.js";

/** The child link a join creates, born in the sandbox under its final name. */
export interface ChildSpec {
  readonly name: string;
  readonly netns: NetnsHandle;
  /** The endpoint's own MAC, for kinds whose children have one. */
  readonly mac?: string;
}

export interface LanKind<M> {
  /** The driver's name: macvlan, ipvlan. */
  readonly name: string;
  /** Prefix of the name of a network's dummy parent (Docker's `dm-` and `di-`). */
  readonly dummyPrefix: string;
  /** The kernel option a missing link kind points to, for errors (CONFIG_MACVLAN, CONFIG_IPVLAN). */
  readonly kernelConfig: string;
  /** Children have a MAC of their own (macvlan); otherwise they share the parent's and refuse one (ipvlan). */
  readonly ownMac: boolean;
  /** Parses the driver's own options (its mode) once; errors name the option. `dhcp`: addresses come by DHCP. */
  parseMode(options: ReadonlyMap<string, string>, dhcp: boolean): M;
  /** The RTM_NEWLINK of a child of the parent `parentIndex` (an index in `host`). */
  childRequest(host: NetnsHandle, spec: ChildSpec, parentIndex: number, mode: M): NetlinkRequest;
  /** Layer 3 (ipvlan l3, l3s): no gateway; a default route on the link instead, as Docker's l3 mode. */
  routedOnLink(mode: M): boolean;
  /** How a network in this mode may share its parent with others of the kind (see ParentSharing). */
  sharing(mode: M): ParentSharing;
}

/**
 * The kernel keeps some modes per parent, not per child: ipvlan's mode is the parent's (a new child in
 * another mode switches every child), and a macvlan in passthru takes the parent for itself.
 */
export interface ParentSharing {
  /** No other network on the parent. */
  readonly exclusive?: boolean;
  /** Networks on one parent must agree on this (e.g. "ipvlan_mode=l2"). */
  readonly mode?: string;
}
