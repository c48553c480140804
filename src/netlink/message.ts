// Netlink message framing: nlmsghdr encode/decode, a batch splitter, and NLMSG_ERROR (with extended ACK) parsing.

import {
  NLA_HDRLEN, NLA_TYPE_MASK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_HDRLEN, NLMSGERR_ATTR_MSG, nlAlign,
} from "./constants.js";

export interface NlMessageHeader {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

/** One message as received: header fields and the bytes after the 16-byte nlmsghdr. */
export interface RawMessage extends NlMessageHeader {
  readonly payload: Buffer;
}

/** Encodes one message (nlmsghdr + payload), padded to 4 bytes so several can be concatenated. */
export function encodeMessage(header: NlMessageHeader, payload: Uint8Array): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc(nlAlign(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(header.type, 4);
  out.writeUInt16LE(header.flags, 6);
  out.writeUInt32LE(header.seq >>> 0, 8);
  out.writeUInt32LE(header.pid >>> 0, 12);
  out.set(payload, NLMSG_HDRLEN);
  return out;
}

/** Splits a buffer holding one or more datagrams' worth of messages. Stops at a truncated tail. */
export function decodeMessages(buf: Buffer): RawMessage[] {
  const out: RawMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += nlAlign(len);
  }
  return out;
}

export interface NlErrorInfo {
  /** Positive errno; 0 means this NLMSG_ERROR is a plain ACK. */
  readonly errno: number;
  /** Extended ACK message text, or "". */
  readonly extack: string;
  /** Sequence number and type of the request this answers. */
  readonly requestSeq: number;
  readonly requestType: number;
}

/** Parses an NLMSG_ERROR payload: int error, the echoed request header (or whole request), then TLVs. */
export function decodeError(msg: RawMessage): NlErrorInfo {
  const p = msg.payload;
  const error = p.length >= 4 ? p.readInt32LE(0) : 0;
  const requestLen = p.length >= 8 ? p.readUInt32LE(4) : 0;
  const requestType = p.length >= 10 ? p.readUInt16LE(8) : 0;
  const requestSeq = p.length >= 16 ? p.readUInt32LE(12) : 0;
  let extack = "";
  if ((msg.flags & NLM_F_ACK_TLVS) !== 0) {
    // With NETLINK_CAP_ACK only the request's header is echoed; otherwise the whole request.
    const echoed = (msg.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : Math.max(requestLen, NLMSG_HDRLEN);
    let off = 4 + nlAlign(echoed);
    while (off + NLA_HDRLEN <= p.length) {
      const alen = p.readUInt16LE(off);
      const atype = p.readUInt16LE(off + 2) & NLA_TYPE_MASK;
      if (alen < NLA_HDRLEN || off + alen > p.length) break;
      if (atype === NLMSGERR_ATTR_MSG) {
        extack = p.subarray(off + NLA_HDRLEN, off + alen).toString("utf8").replace(/\0+$/, "");
      }
      off += nlAlign(alen);
    }
  }
  return { errno: -error, extack, requestSeq, requestType };
}
