// Links of networks that put sandboxes straight on a host's LAN: macvlan and ipvlan children of a parent
// link (born inside their sandbox), and the parents dnet may create: 802.1Q VLAN sub-interfaces and dummies.

import { invalidArgument } from "../errors/index.js";
import {
  ARPHRD_LOOPBACK, ETH_P_8021AD, ETH_P_8021Q, IPVLAN_F_PRIVATE, IPVLAN_F_VEPA, IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S,
  MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PASSTHRU, MACVLAN_MODE_PRIVATE, MACVLAN_MODE_VEPA, VLAN_ID_MAX, VLAN_ID_MIN,
  type NetlinkRequest,
} from "../netlink/index.js";
import type { NetnsHandle } from "./handle.js";
import { checkCommon, createRequest, type CommonLinkSpec, type LinkInfo } from "./link-create.js";
import { linkIndex, type Link, type LinkRef } from "./link.js";

export { VLAN_ID_MAX, VLAN_ID_MIN } from "../netlink/index.js";

/** The loopback device (no parent for anything: frames sent to it come straight back). */
export function isLoopbackLink(link: Link): boolean {
  return link.raw.ifi.type === ARPHRD_LOOPBACK;
}

export type MacvlanMode = "private" | "vepa" | "bridge" | "passthru";
export type IpvlanMode = "l2" | "l3" | "l3s";
/** How ipvlan children of one parent reach each other: through the parent (bridge), not at all (private), via the switch (vepa). */
export type IpvlanFlag = "bridge" | "private" | "vepa";

/**
 * A child link of `parent`, which lives in the handle's netns. With `netns`, the child is born there (a
 * sandbox) under its final name: the kernel finds IFLA_LINK in the sender's netns and puts the new link in
 * IFLA_NET_NS_FD's, so nothing is moved afterwards.
 */
export interface MacvlanSpec extends CommonLinkSpec { readonly parent: LinkRef; readonly mode?: MacvlanMode }
export interface IpvlanSpec extends CommonLinkSpec { readonly parent: LinkRef; readonly mode?: IpvlanMode; readonly flag?: IpvlanFlag }

export type VlanProtocol = "802.1q" | "802.1ad";
export interface VlanSpec extends CommonLinkSpec {
  readonly parent: LinkRef;
  /** 1–4094. */
  readonly vlanId: number;
  /** Default 802.1q. */
  readonly protocol?: VlanProtocol;
}

export const MACVLAN_MODES: Readonly<Record<MacvlanMode, number>> = Object.freeze({
  private: MACVLAN_MODE_PRIVATE, vepa: MACVLAN_MODE_VEPA, bridge: MACVLAN_MODE_BRIDGE, passthru: MACVLAN_MODE_PASSTHRU,
});
export const IPVLAN_MODES: Readonly<Record<IpvlanMode, number>> = Object.freeze({ l2: IPVLAN_MODE_L2, l3: IPVLAN_MODE_L3, l3s: IPVLAN_MODE_L3S });
export const IPVLAN_FLAGS: Readonly<Record<IpvlanFlag, number>> = Object.freeze({ bridge: 0, private: IPVLAN_F_PRIVATE, vepa: IPVLAN_F_VEPA });
const VLAN_PROTOCOLS: Readonly<Record<VlanProtocol, number>> = Object.freeze({ "802.1q": ETH_P_8021Q, "802.1ad": ETH_P_8021AD });

function lookup<K extends string>(table: Readonly<Record<K, number>>, key: K, code: string, what: string): number {
  const value = Object.hasOwn(table, key) ? table[key] : undefined;
  if (value === undefined) throw invalidArgument(code, `invalid ${what} ${JSON.stringify(key)}`);
  return value;
}

function sync(request: NetlinkRequest | Promise<NetlinkRequest>): NetlinkRequest {
  if (request instanceof Promise) throw new TypeError("a LAN link spec takes no master");
  return request;
}

function checkNoMaster(spec: CommonLinkSpec): void {
  if (spec.master !== undefined) throw invalidArgument("ERR_INVALID_LINK_SPEC", `${spec.name}: this kind of link takes no master`);
}

/** The RTM_NEWLINK of a macvlan child of the link `parentIndex` (an index in the handle's netns). */
export function macvlanRequest(h: NetnsHandle, spec: MacvlanSpec, parentIndex: number): NetlinkRequest {
  const mode = lookup(MACVLAN_MODES, spec.mode ?? "bridge", "ERR_INVALID_MACVLAN_MODE", "macvlan mode");
  checkNoMaster(spec);
  return sync(createRequest(h, spec, { kind: "macvlan", data: { mode } }, { link: parentIndex }));
}

export function ipvlanRequest(h: NetnsHandle, spec: IpvlanSpec, parentIndex: number): NetlinkRequest {
  const mode = lookup(IPVLAN_MODES, spec.mode ?? "l2", "ERR_INVALID_IPVLAN_MODE", "ipvlan mode");
  const flags = lookup(IPVLAN_FLAGS, spec.flag ?? "bridge", "ERR_INVALID_IPVLAN_FLAG", "ipvlan flag");
  checkNoMaster(spec);
  // iproute2 always sends both; the kernel's default flags are bridge (0).
  return sync(createRequest(h, spec, { kind: "ipvlan", data: { mode, flags } }, { link: parentIndex }));
}

export function vlanRequest(h: NetnsHandle, spec: VlanSpec, parentIndex: number): NetlinkRequest {
  if (!Number.isInteger(spec.vlanId) || spec.vlanId < VLAN_ID_MIN || spec.vlanId > VLAN_ID_MAX) {
    throw invalidArgument("ERR_INVALID_VLAN_ID", `invalid VLAN id ${spec.vlanId}: must be ${VLAN_ID_MIN}-${VLAN_ID_MAX}`);
  }
  checkNoMaster(spec);
  // IFLA_VLAN_PROTOCOL only when asked, as iproute2 does (the kernel's default is 802.1Q).
  const protocol = spec.protocol === undefined ? {} : { protocol: lookup(VLAN_PROTOCOLS, spec.protocol, "ERR_INVALID_VLAN_PROTOCOL", "VLAN protocol") };
  return sync(createRequest(h, spec, { kind: "vlan", data: { id: spec.vlanId, ...protocol } } as LinkInfo, { link: parentIndex }));
}

export function dummyRequest(h: NetnsHandle, spec: CommonLinkSpec): NetlinkRequest {
  checkNoMaster(spec);
  return sync(createRequest(h, spec, { kind: "dummy" }));
}

/** Checks the spec before the parent lookup: nothing reaches the kernel with a bad name. */
async function parentOf(h: NetnsHandle, spec: CommonLinkSpec & { readonly parent: LinkRef }): Promise<number> {
  checkCommon(spec);
  return linkIndex(h, spec.parent);
}

/** The kernel answers EOPNOTSUPP ("Unknown device type") when it lacks MACVLAN. */
export async function createMacvlan(h: NetnsHandle, spec: MacvlanSpec): Promise<void> {
  lookup(MACVLAN_MODES, spec.mode ?? "bridge", "ERR_INVALID_MACVLAN_MODE", "macvlan mode");
  await h.route.request(macvlanRequest(h, spec, await parentOf(h, spec)));
}

/** ipvlan (this kernel has no IPVLAN: it answers EOPNOTSUPP, surfaced as not-implemented). */
export async function createIpvlan(h: NetnsHandle, spec: IpvlanSpec): Promise<void> {
  lookup(IPVLAN_MODES, spec.mode ?? "l2", "ERR_INVALID_IPVLAN_MODE", "ipvlan mode");
  lookup(IPVLAN_FLAGS, spec.flag ?? "bridge", "ERR_INVALID_IPVLAN_FLAG", "ipvlan flag");
  await h.route.request(ipvlanRequest(h, spec, await parentOf(h, spec)));
}

/** An 802.1Q sub-interface of `parent` (needs CONFIG_VLAN_8021Q: EOPNOTSUPP without it). */
export async function createVlan(h: NetnsHandle, spec: VlanSpec): Promise<void> {
  await h.route.request(vlanRequest(h, spec, await parentOf(h, spec)));
}

/** A dummy link (needs CONFIG_DUMMY: EOPNOTSUPP without it). */
export async function createDummy(h: NetnsHandle, spec: CommonLinkSpec): Promise<void> {
  checkCommon(spec);
  await h.route.request(dummyRequest(h, spec));
}
