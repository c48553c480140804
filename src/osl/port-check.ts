// Which ports of a range sockets hold in a netns: one NETLINK_SOCK_DIAG dump per address family, the
// range filtered in the kernel (inet_diag bytecode), so a check costs the same for 10 ports or 10,000
// and nothing is bound. For port ranges too long to hold with a socket per port (port-reservation.ts).

import { conflict } from "../errors/index.js";
import type { RawMessage } from "../netlink/message.js";
import { NlWriter, iterateAttrs } from "../netlink/tlv.js";
import { formatIp, type IpAddress } from "../types/index.js";
import type { NetnsHandle } from "./handle.js";
import { hostPortText, type ReservedProto } from "./port-reservation.js";

const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO = { tcp: 6, udp: 17 } as const;
const TCP_LISTEN = 10;
const INET_DIAG_REQ_BYTECODE = 1;
const INET_DIAG_SKV6ONLY = 11;
const INET_DIAG_BC_S_GE = 2;
const INET_DIAG_BC_S_LE = 3;
/** struct inet_diag_msg: family, state, timer, retrans, then inet_diag_sockid (sport at 4, src at 8), then 5 × u32. */
const DIAG_MSG_LEN = 72;

/** A socket holding a port: its local address and port. */
export interface BoundPort {
  readonly ip: IpAddress;
  readonly port: number;
}

/**
 * inet_diag_req_v2 for one family and protocol (listening TCP sockets, or every UDP socket) and a
 * bytecode that keeps local ports lo..hi: `sport >= lo` (else jump past the end: rejected), `sport <= hi`.
 */
function dumpRequest(af: number, proto: ReservedProto, lo: number, hi: number): Buffer {
  const req = Buffer.alloc(56);
  req.writeUInt8(af, 0);
  req.writeUInt8(IPPROTO[proto], 1);
  req.writeUInt32LE(proto === "tcp" ? 1 << TCP_LISTEN : 0xffffffff, 4);
  const bc = Buffer.alloc(16);
  // struct inet_diag_bc_op { u8 code; u8 yes; u16 no; }: each comparison is an op and one carrying the port in `no`.
  bc.writeUInt8(INET_DIAG_BC_S_GE, 0); bc.writeUInt8(8, 1); bc.writeUInt16LE(20, 2); bc.writeUInt16LE(lo, 6);
  bc.writeUInt8(INET_DIAG_BC_S_LE, 8); bc.writeUInt8(8, 9); bc.writeUInt16LE(12, 10); bc.writeUInt16LE(hi, 14);
  return new NlWriter().bytes(req).attr(INET_DIAG_REQ_BYTECODE, bc).finish();
}

function decode(m: RawMessage): { ip: IpAddress; port: number; v6only: boolean } | undefined {
  if (m.type !== SOCK_DIAG_BY_FAMILY || m.payload.length < DIAG_MSG_LEN) return undefined;
  const v6 = m.payload.readUInt8(0) === AF_INET6;
  const raw = m.payload.subarray(8, v6 ? 24 : 12);
  const ip: IpAddress = { family: v6 ? 6 : 4, value: BigInt(`0x${raw.toString("hex")}`) };
  const attr = [...iterateAttrs(m.payload.subarray(DIAG_MSG_LEN))].find((a) => a.type === INET_DIAG_SKV6ONLY);
  return { ip, port: m.payload.readUInt16BE(4), v6only: attr?.data.readUInt8(0) === 1 };
}

/** True when a socket bound to `s` (a port of the range) keeps `hostIp` from binding that port. */
function clashes(s: { ip: IpAddress; v6only: boolean }, hostIp: IpAddress): boolean {
  if (s.ip.family === hostIp.family) return s.ip.value === 0n || hostIp.value === 0n || s.ip.value === hostIp.value;
  if (hostIp.family === 6 || s.v6only) return false; // an IPv4 socket never holds an IPv6 port
  // A dual-stack IPv6 socket: on :: it holds the IPv4 port too, on ::ffff:a.b.c.d that address.
  return s.ip.value === 0n || (s.ip.value >> 32n === 0xffffn && (hostIp.value === 0n || (s.ip.value & 0xffffffffn) === hostIp.value));
}

/** The sockets in the netns of `h` that hold a port of lo..hi for `hostIp` (TCP: listening ones). */
export async function boundPorts(h: NetnsHandle, proto: ReservedProto, hostIp: IpAddress, lo: number, hi: number): Promise<BoundPort[]> {
  const socket = h.openSocket(NETLINK_SOCK_DIAG);
  try {
    const out: BoundPort[] = [];
    for (const af of hostIp.family === 4 ? [AF_INET, AF_INET6] : [AF_INET6]) {
      const replies = await socket.request({ type: SOCK_DIAG_BY_FAMILY, dump: true, payload: dumpRequest(af, proto, lo, hi), describe: "SOCK_DIAG_BY_FAMILY dump" });
      for (const m of replies) {
        const s = decode(m);
        if (s !== undefined && clashes(s, hostIp)) out.push({ ip: s.ip, port: s.port });
      }
    }
    return out.sort((a, b) => a.port - b.port);
  } finally {
    socket.close();
  }
}

/**
 * Refuses a range some socket holds a port of, with the message a bind would give
 * (`listen tcp4 0.0.0.0:10005: bind: address already in use`); nothing is bound either way.
 */
export async function checkPortsFree(h: NetnsHandle, proto: ReservedProto, hostIp: IpAddress, lo: number, hi: number): Promise<void> {
  const [taken] = await boundPorts(h, proto, hostIp, lo, hi);
  if (taken === undefined) return;
  throw conflict("ERR_PORT_IN_USE",
    `listen ${proto}${hostIp.family} ${hostPortText(hostIp, taken.port)}: bind: address already in use (held by a socket on ${formatIp(taken.ip)})`);
}
