// Neighbours (ARP/NDP: IP → MAC on a link) and bridge/VXLAN FDB entries (MAC → port or remote VTEP).

import { invalidArgument } from "../errors/index.js";
import {
  AF_BRIDGE, AF_INET, AF_INET6, AF_UNSPEC, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NTF_MASTER,
  NTF_ROUTER, NTF_SELF, NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_NONE, NUD_PERMANENT, NUD_PROBE,
  NUD_REACHABLE, NUD_STALE, RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, decodeNeighMessage, encodeNeighMessage,
  type NeighMessage, type NeighMessageInit, type NetlinkRequest,
} from "../netlink/index.js";
import { formatIp, parseMac, type IpAddress, type IpFamily } from "../types/index.js";
import type { NetnsHandle } from "./handle.js";
import { linkIndex, type LinkRef } from "./link.js";

export type NeighbourState = "permanent" | "noarp" | "reachable" | "stale";

const NEIGH_STATES: Readonly<Record<NeighbourState, number>> = Object.freeze({
  permanent: NUD_PERMANENT, noarp: NUD_NOARP, reachable: NUD_REACHABLE, stale: NUD_STALE,
});

const STATE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NUD_INCOMPLETE, "incomplete"], [NUD_REACHABLE, "reachable"], [NUD_STALE, "stale"], [NUD_DELAY, "delay"],
  [NUD_PROBE, "probe"], [NUD_FAILED, "failed"], [NUD_NOARP, "noarp"], [NUD_PERMANENT, "permanent"],
];

/** The names of the NUD_* bits of `state` ("none" for 0), as `ip neigh` prints them (lower case). */
export function neighbourStateNames(state: number): string[] {
  if (state === NUD_NONE) return ["none"];
  return STATE_NAMES.filter(([bit]) => (state & bit) !== 0).map(([, name]) => name);
}

export interface NeighbourSpec {
  readonly link: LinkRef;
  readonly ip: IpAddress;
  readonly mac: string;
  /** Default "permanent" (never expires, never probed). */
  readonly state?: NeighbourState;
  /** Overwrite an existing entry for `ip` instead of failing with EEXIST. */
  readonly replace?: boolean;
}

export interface Neighbour {
  readonly index: number;
  readonly ip: IpAddress;
  /** Undefined while unresolved (incomplete, failed). */
  readonly mac: string | undefined;
  /** NUD_* bits; see neighbourStateNames. */
  readonly state: number;
  readonly flags: number;
  readonly router: boolean;
  readonly raw: NeighMessage;
}

export interface FdbSpec {
  /** A bridge port, or a VXLAN device. */
  readonly link: LinkRef;
  readonly mac: string;
  /** VXLAN: the remote VTEP to send frames for `mac` to. */
  readonly dst?: IpAddress;
  /** VXLAN: the VNI to use towards `dst` (default: the device's). */
  readonly vni?: number;
  /** VXLAN: the remote UDP port (default: the device's). */
  readonly port?: number;
  /** Bridge: the VLAN of the entry. */
  readonly vlan?: number;
  /** NTF_SELF: the device's own table (a VXLAN device's FDB). Default when `master` is not set. */
  readonly self?: boolean;
  /** NTF_MASTER: the table of the bridge `link` is a port of. */
  readonly master?: boolean;
  /** "permanent" (default, as `bridge fdb add`), or "static" (NUD_REACHABLE: a non-local bridge entry). */
  readonly state?: "permanent" | "static";
  /** NLM_F_APPEND: add another remote to an entry (several 00:00:00:00:00:00 entries flood to several VTEPs). */
  readonly append?: boolean;
  readonly replace?: boolean;
}

export interface FdbEntry {
  readonly index: number;
  readonly mac: string;
  readonly dst: IpAddress | undefined;
  readonly vni: number | undefined;
  readonly port: number | undefined;
  readonly vlan: number | undefined;
  /** ifindex of the bridge, for entries in a bridge's table. */
  readonly master: number | undefined;
  readonly self: boolean;
  readonly state: number;
  readonly flags: number;
  readonly raw: NeighMessage;
}

function familyCode(f: IpFamily): number {
  return f === 4 ? AF_INET : AF_INET6;
}

function bad(code: string, message: string): never {
  throw invalidArgument(code, message);
}

function createFlags(o: { append?: boolean; replace?: boolean }): number {
  if (o.append === true && o.replace === true) bad("ERR_INVALID_NEIGHBOUR", "append and replace exclude each other");
  return NLM_F_CREATE | (o.replace === true ? NLM_F_REPLACE : o.append === true ? NLM_F_APPEND : NLM_F_EXCL);
}

function checkNeighbour(spec: NeighbourSpec): number {
  parseMac(spec.mac);
  const state = NEIGH_STATES[spec.state ?? "permanent"];
  if (state === undefined) bad("ERR_INVALID_NEIGHBOUR", `invalid neighbour state ${JSON.stringify(spec.state)}`);
  return state;
}

/** The RTM_NEWNEIGH for `spec` given the link's ifindex, for batching. */
export function addNeighbourRequest(index: number, spec: NeighbourSpec): NetlinkRequest {
  const state = checkNeighbour(spec);
  return {
    type: RTM_NEWNEIGH,
    flags: createFlags(spec),
    payload: encodeNeighMessage({ ndm: { family: familyCode(spec.ip.family), ifindex: index, state }, attrs: { dst: spec.ip, lladdr: spec.mac } }),
    describe: `${spec.replace === true ? "replace" : "add"} neighbour ${formatIp(spec.ip)} lladdr ${spec.mac}`,
  };
}

export async function addNeighbour(h: NetnsHandle, spec: NeighbourSpec): Promise<void> {
  checkNeighbour(spec);
  await h.route.request(addNeighbourRequest(await linkIndex(h, spec.link), spec));
}

export async function deleteNeighbour(h: NetnsHandle, link: LinkRef, ip: IpAddress): Promise<void> {
  const ifindex = await linkIndex(h, link);
  await h.route.request({
    type: RTM_DELNEIGH,
    payload: encodeNeighMessage({ ndm: { family: familyCode(ip.family), ifindex }, attrs: { dst: ip } }),
    describe: `delete neighbour ${formatIp(ip)}`,
  });
}

/** A neighbour or FDB dump; the device filter goes in NDA_IFINDEX (strict checking refuses ndm_ifindex). */
async function dumpNeigh(h: NetnsHandle, family: number, index: number, master: number): Promise<NeighMessage[]> {
  const attrs = { ...(index === 0 ? {} : { ifindex: index }), ...(master === 0 ? {} : { master }) };
  const replies = await h.route.request({
    type: RTM_GETNEIGH, dump: true, payload: encodeNeighMessage({ ndm: { family }, attrs }), describe: "RTM_GETNEIGH dump",
  });
  return replies.filter((m) => m.type === RTM_NEWNEIGH).map((m) => decodeNeighMessage(m.payload));
}

/** ARP and NDP entries of the netns, optionally of one link and/or one family. */
export async function listNeighbours(h: NetnsHandle, filter: { link?: LinkRef; family?: IpFamily } = {}): Promise<Neighbour[]> {
  const index = filter.link === undefined ? 0 : await linkIndex(h, filter.link);
  const family = filter.family === undefined ? AF_UNSPEC : familyCode(filter.family);
  const out: Neighbour[] = [];
  for (const m of await dumpNeigh(h, family, index, 0)) {
    const ip = m.attrs.dst;
    if (ip === undefined || (m.ndm.family !== AF_INET && m.ndm.family !== AF_INET6)) continue;
    if ((family !== AF_UNSPEC && m.ndm.family !== family) || (index !== 0 && m.ndm.ifindex !== index)) continue;
    out.push({
      index: m.ndm.ifindex, ip, mac: m.attrs.lladdr, state: m.ndm.state, flags: m.ndm.flags,
      router: (m.ndm.flags & NTF_ROUTER) !== 0, raw: m,
    });
  }
  return out;
}

function checkFdb(spec: FdbSpec): void {
  parseMac(spec.mac);
  if (spec.vni !== undefined && (!Number.isInteger(spec.vni) || spec.vni < 0 || spec.vni > 0xffffff)) {
    bad("ERR_INVALID_VNI", `invalid VXLAN id ${spec.vni}: must be 0-16777215`);
  }
  if (spec.port !== undefined && (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535)) {
    bad("ERR_INVALID_PORT", `invalid VXLAN port ${spec.port}`);
  }
  if (spec.vlan !== undefined && (!Number.isInteger(spec.vlan) || spec.vlan < 1 || spec.vlan > 4094)) {
    bad("ERR_INVALID_VLAN", `invalid VLAN id ${spec.vlan}: must be 1-4094`);
  }
  if (spec.state !== undefined && spec.state !== "permanent" && spec.state !== "static") {
    bad("ERR_INVALID_FDB", `invalid FDB state ${JSON.stringify(spec.state)}`);
  }
}

function fdbMessage(index: number, spec: FdbSpec, withState: boolean): NeighMessageInit {
  const master = spec.master === true;
  const flags = (spec.self === true || !master ? NTF_SELF : 0) | (master ? NTF_MASTER : 0);
  // As `bridge fdb add`: NUD_NOARP plus NUD_PERMANENT (a local entry) or NUD_REACHABLE (static).
  const state = withState ? NUD_NOARP | (spec.state === "static" ? NUD_REACHABLE : NUD_PERMANENT) : 0;
  const attrs = {
    lladdr: spec.mac,
    ...(spec.dst === undefined ? {} : { dst: spec.dst }),
    ...(spec.vni === undefined ? {} : { vni: spec.vni }),
    ...(spec.port === undefined ? {} : { port: spec.port }),
    ...(spec.vlan === undefined ? {} : { vlan: spec.vlan }),
  };
  return { ndm: { family: AF_BRIDGE, ifindex: index, state, flags }, attrs };
}

function describeFdb(op: string, spec: FdbSpec): string {
  return `${op} fdb ${spec.mac}${spec.dst === undefined ? "" : ` dst ${formatIp(spec.dst)}`}${spec.vni === undefined ? "" : ` vni ${spec.vni}`}`;
}

/** The RTM_NEWNEIGH (AF_BRIDGE) for `spec` given the device's ifindex, for batching. */
export function addFdbRequest(index: number, spec: FdbSpec): NetlinkRequest {
  checkFdb(spec);
  const flags = createFlags(spec);
  const op = spec.append === true ? "append" : spec.replace === true ? "replace" : "add";
  return { type: RTM_NEWNEIGH, flags, payload: encodeNeighMessage(fdbMessage(index, spec, true)), describe: describeFdb(op, spec) };
}

export async function addFdb(h: NetnsHandle, spec: FdbSpec): Promise<void> {
  checkFdb(spec);
  createFlags(spec);
  await h.route.request(addFdbRequest(await linkIndex(h, spec.link), spec));
}

/** Deletes an FDB entry; with `dst`, only that remote of a VXLAN entry (the others stay). */
export async function deleteFdb(h: NetnsHandle, spec: Omit<FdbSpec, "append" | "replace" | "state">): Promise<void> {
  checkFdb(spec);
  const index = await linkIndex(h, spec.link);
  await h.route.request({ type: RTM_DELNEIGH, payload: encodeNeighMessage(fdbMessage(index, spec, false)), describe: describeFdb("delete", spec) });
}

/** FDB entries of one device (bridge port or VXLAN device), of one bridge (`master`), or of the whole netns. */
export async function listFdb(h: NetnsHandle, filter: { link?: LinkRef; master?: LinkRef } = {}): Promise<FdbEntry[]> {
  const index = filter.link === undefined ? 0 : await linkIndex(h, filter.link);
  const master = filter.master === undefined ? 0 : await linkIndex(h, filter.master);
  const out: FdbEntry[] = [];
  for (const m of await dumpNeigh(h, AF_BRIDGE, index, master)) {
    const mac = m.attrs.lladdr;
    if (m.ndm.family !== AF_BRIDGE || mac === undefined || (index !== 0 && m.ndm.ifindex !== index)) continue;
    out.push({
      index: m.ndm.ifindex, mac, dst: m.attrs.dst, vni: m.attrs.vni, port: m.attrs.port, vlan: m.attrs.vlan,
      master: m.attrs.master, self: (m.ndm.flags & NTF_SELF) !== 0, state: m.ndm.state, flags: m.ndm.flags, raw: m,
    });
  }
  return out;
}
