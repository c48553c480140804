// Conntrack entries of unpublished ports, deleted over ctnetlink. NAT is decided on a flow's first
// packet: a UDP client that keeps its address and port would stay NATed to the container the port was
// published to before (until the entry times out), even after the port moved to another container or
// the gateway endpoint changed. Docker clears them the same way (clearConntrackEntries). When a whole
// endpoint is unpublished TCP flows are left alone, as Docker does: a new connection gets a new entry.
// A port removed on purpose (`dnet port rm`) takes its TCP connections along too: it is gone, not moved.

import { NetlinkError } from "../errors/index.js";
import type { RawMessage } from "../netlink/message.js";
import type { NetlinkRequest, NetlinkSocket } from "../netlink/socket.js";
import { NlWriter, iterateAttrs, type RawAttr } from "../netlink/tlv.js";
import { ipToBytes } from "../types/index.js";
import type { PortMapping, PortProto } from "./contract.js";

const NFNL_SUBSYS_CTNETLINK = 1;
const IPCTNL_MSG_CT_NEW = 0;
const IPCTNL_MSG_CT_GET = 1;
const IPCTNL_MSG_CT_DELETE = 2;
const CTA_TUPLE_ORIG = 1;
const CTA_TUPLE_REPLY = 2;
const CTA_TUPLE_IP = 1;
const CTA_TUPLE_PROTO = 2;
const CTA_IP_V4_SRC = 1;
const CTA_IP_V6_SRC = 3;
const CTA_PROTO_NUM = 1;
const CTA_PROTO_SRC_PORT = 2;
const CTA_PROTO_DST_PORT = 3;
const IPPROTO: Readonly<Record<PortProto, number>> = Object.freeze({ tcp: 6, udp: 17, sctp: 132 });
const AF_INET = 2;
const AF_INET6 = 10;
const NFGENMSG_LEN = 4;
const ENOENT = 2;

const ctType = (msg: number): number => (NFNL_SUBSYS_CTNETLINK << 8) | msg;

/** Attributes by type (the last one of a type wins, as nla_parse does). */
function byType(buf: Buffer | undefined): Map<number, Buffer> {
  return new Map(buf === undefined ? [] : [...iterateAttrs(buf)].map((a): [number, Buffer] => [a.type, a.data]));
}

interface Tuple { readonly proto: number | undefined; readonly src: Buffer | undefined; readonly srcPort: number | undefined; readonly dstPort: number | undefined }

function tuple(data: Buffer | undefined, v6: boolean): Tuple {
  const parts = byType(data);
  const ip = byType(parts.get(CTA_TUPLE_IP));
  const proto = byType(parts.get(CTA_TUPLE_PROTO));
  return {
    proto: proto.get(CTA_PROTO_NUM)?.readUInt8(0),
    src: ip.get(v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC),
    srcPort: proto.get(CTA_PROTO_SRC_PORT)?.readUInt16BE(0),
    dstPort: proto.get(CTA_PROTO_DST_PORT)?.readUInt16BE(0),
  };
}

interface ChosenMapping { readonly m: PortMapping; readonly containerIp: Buffer }

/** A flow NATed by `m`: of its protocol, to one of its host ports, answered by its container address and port. */
function natedBy({ m, containerIp }: ChosenMapping, orig: Tuple, reply: Tuple): boolean {
  if (orig.proto !== IPPROTO[m.proto] || orig.dstPort === undefined || orig.dstPort < m.hostPort || orig.dstPort > m.hostPortEnd) return false;
  return reply.src !== undefined && reply.src.equals(containerIp) && reply.srcPort === m.containerPort + (orig.dstPort - m.hostPort);
}

const nfgenmsg = (family: number): Buffer => Buffer.from([family, 0, 0, 0]);

/** IPCTNL_MSG_CT_DELETE of the entry whose original tuple is `orig` (copied as the dump gave it). */
function deleteRequest(af: number, orig: RawAttr, dstPort: number | undefined): NetlinkRequest {
  const w = new NlWriter().bytes(nfgenmsg(af));
  const nest = w.beginNest(CTA_TUPLE_ORIG);
  w.bytes(orig.data).endNest(nest);
  return { type: ctType(IPCTNL_MSG_CT_DELETE), payload: w.finish(), describe: `IPCTNL_MSG_CT_DELETE of a flow to port ${dstPort ?? "?"}` };
}

/**
 * Deletes the conntrack entries of the flows of `protos` that `mappings` NATed, in the netns of `socket`
 * (a NETLINK_NETFILTER socket). Resolves to how many were deleted; an entry gone meanwhile is not an error.
 */
export async function forgetFlows(socket: NetlinkSocket, mappings: readonly PortMapping[], protos: readonly PortProto[]): Promise<number> {
  let deleted = 0;
  for (const family of [4, 6] as const) {
    const chosen: ChosenMapping[] = mappings.filter((m) => protos.includes(m.proto) && m.containerIp.family === family)
      .map((m) => ({ m, containerIp: ipToBytes(m.containerIp) }));
    if (chosen.length === 0) continue;
    const af = family === 4 ? AF_INET : AF_INET6;
    const entries: RawMessage[] = await socket.request({ type: ctType(IPCTNL_MSG_CT_GET), dump: true, payload: nfgenmsg(af), describe: "IPCTNL_MSG_CT_GET dump" });
    const deletes: NetlinkRequest[] = [];
    for (const e of entries) {
      if (e.type !== ctType(IPCTNL_MSG_CT_NEW)) continue;
      const top = [...iterateAttrs(e.payload.subarray(NFGENMSG_LEN))];
      const origAttr = top.find((a) => a.type === CTA_TUPLE_ORIG);
      const orig = tuple(origAttr?.data, family === 6);
      const reply = tuple(top.find((a) => a.type === CTA_TUPLE_REPLY)?.data, family === 6);
      if (origAttr !== undefined && chosen.some((u) => natedBy(u, orig, reply))) deletes.push(deleteRequest(af, origAttr, orig.dstPort));
    }
    if (deletes.length === 0) continue;
    for (const r of await socket.batch(deletes)) {
      if (!(r instanceof NetlinkError)) deleted++;
      else if (r.errno !== ENOENT) throw r;
    }
  }
  return deleted;
}

/** The UDP flows only: what unpublishing a whole endpoint clears (see the file comment). */
export function forgetUdpFlows(socket: NetlinkSocket, mappings: readonly PortMapping[]): Promise<number> {
  return forgetFlows(socket, mappings, ["udp"]);
}
