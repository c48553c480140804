// Conntrack entries of unpublished UDP ports, deleted over ctnetlink. NAT is decided on a flow's first
// packet: a UDP client that keeps its address and port would stay NATed to the container the port was
// published to before (until the entry times out), even after the port moved to another container or
// the gateway endpoint changed. Docker clears them the same way (clearConntrackEntries). TCP flows are
// left alone, as Docker does: a new connection gets a new entry.

import { NetlinkError } from "../errors/index.js";
import type { RawMessage } from "../netlink/message.js";
import type { NetlinkRequest, NetlinkSocket } from "../netlink/socket.js";
import { ipToBytes } from "../types/index.js";
import type { PortMapping } from "./contract.js";

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
const IPPROTO_UDP = 17;
const AF_INET = 2;
const AF_INET6 = 10;
const NLA_TYPE_MASK = 0x3fff;
const ENOENT = 2;

/** Top-level attributes of `buf` from `start`: type → the whole attribute (header included). */
function attributes(buf: Buffer, start = 0): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let off = start; off + 4 <= buf.length;) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    out.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

const value = (attr: Buffer | undefined): Buffer | undefined => attr?.subarray(4);

interface Tuple { readonly proto: number | undefined; readonly src: Buffer | undefined; readonly srcPort: number | undefined; readonly dstPort: number | undefined }

function tuple(attr: Buffer | undefined, v6: boolean): Tuple {
  const parts = attributes(value(attr) ?? Buffer.alloc(0));
  const ip = attributes(value(parts.get(CTA_TUPLE_IP)) ?? Buffer.alloc(0));
  const proto = attributes(value(parts.get(CTA_TUPLE_PROTO)) ?? Buffer.alloc(0));
  return {
    proto: value(proto.get(CTA_PROTO_NUM))?.readUInt8(0),
    src: value(ip.get(v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC)),
    srcPort: value(proto.get(CTA_PROTO_SRC_PORT))?.readUInt16BE(0),
    dstPort: value(proto.get(CTA_PROTO_DST_PORT))?.readUInt16BE(0),
  };
}

/** A UDP flow NATed by `m`: to one of its host ports, answered by its container address and port. */
function natedBy(m: PortMapping, orig: Tuple, reply: Tuple): boolean {
  if (orig.proto !== IPPROTO_UDP || orig.dstPort === undefined || orig.dstPort < m.hostPort || orig.dstPort > m.hostPortEnd) return false;
  return reply.src !== undefined && reply.src.equals(ipToBytes(m.containerIp)) &&
    reply.srcPort === m.containerPort + (orig.dstPort - m.hostPort);
}

const nfgenmsg = (family: number): Buffer => Buffer.from([family, 0, 0, 0]);

/**
 * Deletes the conntrack entries of the UDP flows `mappings` NATed, in the netns of `socket` (a
 * NETLINK_NETFILTER socket). Resolves to how many were deleted; an entry gone meanwhile is not an error.
 */
export async function forgetUdpFlows(socket: NetlinkSocket, mappings: readonly PortMapping[]): Promise<number> {
  let deleted = 0;
  for (const family of [4, 6] as const) {
    const udp = mappings.filter((m) => m.proto === "udp" && m.containerIp.family === family);
    if (udp.length === 0) continue;
    const af = family === 4 ? AF_INET : AF_INET6;
    const entries: RawMessage[] = await socket.request({
      type: (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET, dump: true, payload: nfgenmsg(af), describe: "IPCTNL_MSG_CT_GET dump",
    });
    const deletes: NetlinkRequest[] = [];
    for (const e of entries) {
      if (e.type !== ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW)) continue;
      const top = attributes(e.payload, 4);
      const origAttr = top.get(CTA_TUPLE_ORIG);
      const orig = tuple(origAttr, family === 6);
      const reply = tuple(top.get(CTA_TUPLE_REPLY), family === 6);
      if (origAttr === undefined || !udp.some((m) => natedBy(m, orig, reply))) continue;
      deletes.push({
        type: (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE, payload: Buffer.concat([nfgenmsg(af), origAttr]),
        describe: `IPCTNL_MSG_CT_DELETE udp to port ${orig.dstPort ?? "?"}`,
      });
    }
    if (deletes.length === 0) continue;
    for (const r of await socket.batch(deletes)) {
      if (!(r instanceof NetlinkError)) deleted++;
      else if (r.errno !== ENOENT) throw r;
    }
  }
  return deleted;
}
