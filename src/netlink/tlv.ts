// Netlink attribute (struct nlattr) bytes: a growable writer with 4-byte alignment and nests, and a bounds-checked parser.

import { internal, invalidArgument, type LibnetworkError } from "../errors/index.js";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK, nlAlign } from "./constants.js";

// Netlink integers are in host byte order. Like message.ts we write little-endian: every platform
// Node supports for this library (x86-64, arm64) is little-endian.

const NLA_MAX_LEN = 0xffff;
const NLA_FLAG_BITS = NLA_F_NESTED | NLA_F_NET_BYTEORDER;

/** Thrown for bytes that cannot be a well-formed netlink message (truncated, lengths out of bounds). */
export function malformed(message: string): LibnetworkError {
  return internal("ERR_NETLINK_MALFORMED", `malformed netlink data: ${message}`);
}

/** One attribute as found on the wire. `data` is a view into the parsed buffer, not a copy. */
export interface RawAttr {
  /** Attribute type with the NLA_F_* flag bits masked off. */
  readonly type: number;
  /** NLA_F_NESTED / NLA_F_NET_BYTEORDER bits as sent. */
  readonly flags: number;
  readonly data: Buffer;
}

/** Position of an open nest, returned by `beginNest` and handed back to `endNest`. */
export type NestToken = number & { readonly __nest: unique symbol };

/** Appends bytes to a buffer that doubles as needed; `finish()` returns exactly what was written. */
export class NlWriter {
  #buf: Buffer;
  #len = 0;

  constructor(capacity = 256) {
    this.#buf = Buffer.alloc(Math.max(16, capacity));
  }

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): number {
    const at = this.#len;
    if (at + n > this.#buf.length) {
      const grown = Buffer.alloc(Math.max(this.#buf.length * 2, at + n));
      this.#buf.copy(grown, 0, 0, at);
      this.#buf = grown;
    }
    this.#len = at + n;
    return at;
  }

  // Each writer reserves before touching #buf: reserving may replace the buffer.
  bytes(data: Uint8Array): this {
    const at = this.#reserve(data.length);
    this.#buf.set(data, at);
    return this;
  }

  /** Zero bytes (Buffer.alloc memory is zeroed, and growth copies into zeroed memory). */
  zeros(n: number): this {
    const at = this.#reserve(n);
    this.#buf.fill(0, at, at + n);
    return this;
  }

  /** Pads with zeros to the next 4-byte boundary (NLA_ALIGN / NLMSG_ALIGN). */
  align(): this {
    return this.zeros(nlAlign(this.#len) - this.#len);
  }

  /**
   * Reserves `n` zeroed bytes and hands the buffer and offset to `fill`, which writes them in place (a
   * struct or an integer payload, without a buffer of its own to copy from).
   */
  fill(n: number, fill: (buf: Buffer, at: number) => void): this {
    const at = this.#reserve(n);
    this.#buf.fill(0, at, at + n);
    fill(this.#buf, at);
    return this;
  }

  u8(v: number): this { const at = this.#reserve(1); this.#buf.writeUInt8(v, at); return this; }
  u16(v: number): this { const at = this.#reserve(2); this.#buf.writeUInt16LE(v, at); return this; }
  u32(v: number): this { const at = this.#reserve(4); this.#buf.writeUInt32LE(v, at); return this; }
  s32(v: number): this { const at = this.#reserve(4); this.#buf.writeInt32LE(v, at); return this; }
  u64(v: bigint): this { const at = this.#reserve(8); this.#buf.writeBigUInt64LE(v, at); return this; }
  be16(v: number): this { const at = this.#reserve(2); this.#buf.writeUInt16BE(v, at); return this; }
  be32(v: number): this { const at = this.#reserve(4); this.#buf.writeUInt32BE(v, at); return this; }

  /** One complete attribute: header, payload, padding. `type` may carry NLA_F_* bits. */
  attr(type: number, payload: Uint8Array = new Uint8Array(0)): this {
    const token = this.beginNest(type, 0);
    this.bytes(payload);
    return this.endNest(token);
  }

  /** Opens an attribute whose payload follows; `flags` defaults to NLA_F_NESTED. */
  beginNest(type: number, flags: number = NLA_F_NESTED): NestToken {
    const at = this.#reserve(NLA_HDRLEN);
    this.#buf.writeUInt16LE(0, at);
    this.#buf.writeUInt16LE((type | flags) & 0xffff, at + 2);
    return at as NestToken;
  }

  /** Closes the attribute opened at `token`: patches nla_len (which excludes the padding) and pads. */
  endNest(token: NestToken): this {
    const len = this.#len - token;
    if (len > NLA_MAX_LEN) {
      throw invalidArgument("ERR_NETLINK_ATTR_TOO_LONG", `netlink attribute of ${len} bytes exceeds ${NLA_MAX_LEN}`);
    }
    this.#buf.writeUInt16LE(len, token);
    return this.align();
  }

  /** A copy of the bytes written so far. */
  finish(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }
}

/**
 * Splits `buf` into attributes. A header or length running past the end throws ERR_NETLINK_MALFORMED;
 * fewer than 4 trailing bytes (padding the kernel sometimes omits or adds) are ignored, as nla_parse does.
 */
export function* iterateAttrs(buf: Buffer): Generator<RawAttr> {
  let off = 0;
  while (buf.length - off >= NLA_HDRLEN) {
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    if (len < NLA_HDRLEN || len > buf.length - off) {
      throw malformed(`attribute ${rawType & NLA_TYPE_MASK} at offset ${off} has length ${len} (${buf.length - off} bytes left)`);
    }
    yield { type: rawType & NLA_TYPE_MASK, flags: rawType & NLA_FLAG_BITS, data: buf.subarray(off + NLA_HDRLEN, off + len) };
    off += nlAlign(len);
  }
}

export function parseAttrs(buf: Buffer): RawAttr[] {
  return [...iterateAttrs(buf)];
}
