// Links: read, change (up/down, MTU, MAC, master, name, group, hairpin, isolation; one or several links
// at once), delete, delete by group.
// Creation of each kind (veth, bridge, vxlan, macvlan, ipvlan) lives in link-create.ts.

import { NetlinkError, invalidArgument, notFound } from "../errors/index.js";
import {
  AF_BRIDGE, IFF_UP, NLM_F_ACK, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK, decodeLinkMessage,
  encodeLinkMessage, type LinkMessage, type LinkMessageInit, type NetlinkRequest,
} from "../netlink/index.js";
import { randomHex, validateIfname } from "../types/index.js";
import type { NetnsHandle } from "./handle.js";

/** A link, by name or by ifindex. */
export type LinkRef = string | number;

export interface Link {
  readonly index: number;
  readonly name: string;
  /** IFLA_INFO_KIND ("veth", "bridge" …), undefined for links without one (lo, physical NICs). */
  readonly kind: string | undefined;
  readonly up: boolean;
  readonly mtu: number;
  readonly mac: string | undefined;
  readonly master: number | undefined;
  readonly group: number;
  /** ifindex of the other end/parent (IFLA_LINK), when the kernel reports one. */
  readonly parentIndex: number | undefined;
  /** The decoded message, for anything not summarised above. */
  readonly raw: LinkMessage;
}

export function toLink(msg: LinkMessage): Link {
  const a = msg.attrs;
  return {
    index: msg.ifi.index,
    name: a.ifname ?? "",
    kind: a.linkinfo?.kind,
    up: (msg.ifi.flags & IFF_UP) !== 0,
    mtu: a.mtu ?? 0,
    mac: a.address,
    master: a.master,
    group: a.group ?? 0,
    parentIndex: a.link,
    raw: msg,
  };
}

/** An ifindex as the kernel's ifinfomsg and ifaddrmsg carry it: a positive s32. */
export function validateIfindex(index: number): number {
  if (!Number.isInteger(index) || index <= 0 || index > 0x7fffffff) throw invalidArgument("ERR_INVALID_IFINDEX", `invalid ifindex ${index}`);
  return index;
}

/** The identifying part of a request: ifindex, or IFLA_IFNAME (the kernel looks links up by name). */
function target(ref: LinkRef): { index: number; ifname?: string } {
  if (typeof ref === "number") return { index: validateIfindex(ref) };
  return { index: 0, ifname: validateIfname(ref) };
}

/** The index a reference names without asking the kernel (validated), or undefined for a name. */
export function indexOfRef(ref: LinkRef): number | undefined {
  return typeof ref === "number" ? target(ref).index : undefined;
}

function describe(op: string, ref: LinkRef): string {
  return `${op} ${typeof ref === "number" ? `ifindex ${ref}` : ref}`;
}

export function linkRequest(type: number, op: string, ref: LinkRef, msg: LinkMessageInit, flags = 0): NetlinkRequest {
  return { type, flags, payload: encodeLinkMessage(msg), describe: describe(op, ref) };
}

// Statistics are most of a link message's bytes (and of its decoding time); nothing here reads them.
const RTEXT_FILTER_SKIP_STATS = 1 << 3;

export async function getLink(h: NetnsHandle, ref: LinkRef): Promise<Link> {
  const t = target(ref);
  const attrs = { ...(t.ifname === undefined ? {} : { ifname: t.ifname }), extMask: RTEXT_FILTER_SKIP_STATS };
  const [reply] = await h.route.request(linkRequest(RTM_GETLINK, "RTM_GETLINK", ref, { ifi: { index: t.index }, attrs }));
  if (reply === undefined) throw notFound("ERR_LINK_NOT_FOUND", `${describe("RTM_GETLINK", ref)}: no reply`);
  return toLink(decodeLinkMessage(reply.payload));
}

/** The link, or undefined when it does not exist (ENODEV). */
export async function findLink(h: NetnsHandle, ref: LinkRef): Promise<Link | undefined> {
  try {
    return await getLink(h, ref);
  } catch (err) {
    if ((err as { code?: string }).code === "ENODEV") return undefined;
    throw err;
  }
}

/** The ifindex of a link; by name it costs one GETLINK whose reply is read only up to ifi_index. */
export async function linkIndex(h: NetnsHandle, ref: LinkRef): Promise<number> {
  if (typeof ref === "number") return target(ref).index;
  const msg = { ifi: { index: 0 }, attrs: { ifname: validateIfname(ref), extMask: RTEXT_FILTER_SKIP_STATS } };
  const [reply] = await h.route.request(linkRequest(RTM_GETLINK, "RTM_GETLINK", ref, msg));
  if (reply === undefined || reply.payload.length < 8) throw notFound("ERR_LINK_NOT_FOUND", `RTM_GETLINK ${ref}: no reply`);
  return reply.payload.readInt32LE(4);
}

export async function listLinks(h: NetnsHandle): Promise<Link[]> {
  const replies = await h.route.request({
    type: RTM_GETLINK, dump: true, payload: encodeLinkMessage({ attrs: { extMask: RTEXT_FILTER_SKIP_STATS } }), describe: "RTM_GETLINK dump",
  });
  return replies.filter((m) => m.type === RTM_NEWLINK).map((m) => toLink(decodeLinkMessage(m.payload)));
}

export interface LinkChanges {
  readonly up?: boolean;
  readonly mtu?: number;
  readonly mac?: string;
  /** A bridge (name or index) to enslave to, or null to leave the current master. */
  readonly master?: LinkRef | null;
  /** New name (older kernels refuse to rename an up link with EBUSY; 6.18 allows it). */
  readonly name?: string;
  readonly group?: number;
  /** Moves the link into this netns (with `name`, under that name there). */
  readonly netns?: NetnsHandle;
  /**
   * IPv6 address generation off (IN6_ADDR_GEN_MODE_NONE): once up, the link gets no link-local address, so
   * no DAD, router solicitation or MLD report. Applied after `up` within one message, so set it before.
   */
  readonly ipv6AddrGenNone?: true;
}

/** IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE: IN6_ADDR_GEN_MODE_NONE } }, as iproute2's `addrgenmode none`. */
const AF_SPEC_ADDR_GEN_NONE = Buffer.from([12, 0, 10, 0, 5, 0, 8, 0, 1, 0, 0, 0]);

function checkMtu(mtu: number | undefined): void {
  if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)) {
    throw invalidArgument("ERR_INVALID_MTU", `invalid MTU ${mtu}: must be an integer from 68 to 65535`);
  }
}

export function checkGroup(group: number | undefined): void {
  if (group !== undefined && (!Number.isInteger(group) || group < 0 || group > 0xffffffff)) {
    throw invalidArgument("ERR_INVALID_GROUP", `invalid link group ${group}`);
  }
}

/** Builds the RTM_NEWLINK (without NLM_F_CREATE: change only) for `changes`; all in one message. */
export async function setLinkRequest(h: NetnsHandle, ref: LinkRef, changes: LinkChanges): Promise<NetlinkRequest> {
  checkMtu(changes.mtu);
  checkGroup(changes.group);
  if (changes.name !== undefined) validateIfname(changes.name);
  // Renaming identifies the link by index, since IFLA_IFNAME then carries the new name.
  const t = changes.name !== undefined ? { index: await linkIndex(h, ref) } : target(ref);
  const master = changes.master === undefined ? undefined : changes.master === null ? 0 : await linkIndex(h, changes.master);
  const up = changes.up === undefined ? {} : { flags: changes.up ? IFF_UP : 0, change: IFF_UP };
  const attrs = {
    ...(t.ifname === undefined ? {} : { ifname: t.ifname }),
    ...(changes.name === undefined ? {} : { ifname: changes.name }),
    ...(changes.mtu === undefined ? {} : { mtu: changes.mtu }),
    ...(changes.mac === undefined ? {} : { address: changes.mac }),
    ...(master === undefined ? {} : { master }),
    ...(changes.group === undefined ? {} : { group: changes.group }),
    ...(changes.netns === undefined ? {} : { netNsFd: changes.netns.attrNsFd() }),
    ...(changes.ipv6AddrGenNone === true ? { afSpec: AF_SPEC_ADDR_GEN_NONE } : {}),
  };
  return linkRequest(RTM_NEWLINK, "set link", ref, { ifi: { index: t.index, ...up }, attrs });
}

export async function setLink(h: NetnsHandle, ref: LinkRef, changes: LinkChanges): Promise<void> {
  await h.route.request(await setLinkRequest(h, ref, changes));
}

/** The same `changes` to several links in one sendmsg; a link already gone (ENODEV) is skipped. */
export async function setLinks(h: NetnsHandle, refs: readonly LinkRef[], changes: LinkChanges): Promise<void> {
  if (refs.length === 0) return;
  const results = await h.route.batch(await Promise.all(refs.map((ref) => setLinkRequest(h, ref, changes))));
  const failed = results.find((r): r is NetlinkError => r instanceof NetlinkError && r.code !== "ENODEV");
  if (failed !== undefined) throw failed;
}

/** Hairpin mode on a bridge port: frames may leave through the port they came in on. */
export async function setHairpin(h: NetnsHandle, ref: LinkRef, on: boolean): Promise<void> {
  const index = await linkIndex(h, ref);
  await h.route.request(linkRequest(RTM_SETLINK, "set hairpin", ref, {
    ifi: { family: AF_BRIDGE, index }, attrs: { protinfo: { mode: on ? 1 : 0 } },
  }));
}

/** Port isolation on a bridge port: it then exchanges frames only with ports that are not isolated. */
export async function setIsolated(h: NetnsHandle, ref: LinkRef, on: boolean): Promise<void> {
  const index = await linkIndex(h, ref);
  await h.route.request(linkRequest(RTM_SETLINK, "set isolated", ref, {
    ifi: { family: AF_BRIDGE, index }, attrs: { protinfo: { isolated: on ? 1 : 0 } },
  }));
}

export function deleteLinkRequest(ref: LinkRef): NetlinkRequest {
  const t = target(ref);
  return linkRequest(RTM_DELLINK, "RTM_DELLINK", ref, { ifi: { index: t.index }, attrs: t.ifname === undefined ? {} : { ifname: t.ifname } });
}

/** Deletes one link (for a veth, both ends). Costs ~17 ms of kernel time: prefer group or netns deletion. */
export async function deleteLink(h: NetnsHandle, ref: LinkRef): Promise<void> {
  await h.route.request(deleteLinkRequest(ref));
}

/**
 * deleteLink sent from a thread-pool thread on a socket of its own: the kernel's ~17 ms (RCU waits after
 * the link is closed and unlisted) pass while the event loop goes on. The request is on its way when this
 * returns its promise; the promise settles when the kernel is done.
 */
export async function deleteLinkOffThread(h: NetnsHandle, ref: LinkRef): Promise<void> {
  const request = deleteLinkRequest(ref);
  await h.withOwnRouteSocket((s) => s.request({ ...request, offThread: true }));
}

/**
 * Deletes every link of `group` in one kernel batch (one RCU grace period for all of them). That call
 * blocks for 20 ms and more (measured: 20 ms for one veth, 110 ms for 200 on a bridge): `offThread`
 * sends it from a thread-pool thread, on a socket of its own, so the event loop goes on meanwhile.
 */
export async function deleteLinksByGroup(h: NetnsHandle, group: number, opts: { offThread?: boolean } = {}): Promise<void> {
  checkGroup(group);
  if (group === 0) throw invalidArgument("ERR_INVALID_GROUP", "refusing to delete link group 0 (every link is in it by default)");
  const request: NetlinkRequest = {
    type: RTM_DELLINK, flags: NLM_F_ACK, payload: encodeLinkMessage({ attrs: { group } }), describe: `RTM_DELLINK group ${group}`,
  };
  try {
    if (opts.offThread === true) await h.withOwnRouteSocket((s) => s.request({ ...request, offThread: true }));
    else await h.route.request(request);
  } catch (err) {
    // The kernel answers ENODEV when the group is empty: nothing to delete is not a failure here.
    if ((err as { code?: string }).code !== "ENODEV") throw err;
  }
}

/**
 * A fresh name for a link being retired (renamed out of the way of its old name until it is destroyed):
 * "dx" and 11 hex digits, within IFNAMSIZ.
 */
export function retiredLinkName(): string {
  return `dx${randomHex(6).slice(0, 11)}`;
}
