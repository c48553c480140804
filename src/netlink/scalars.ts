// Codecs for fixed-width integers and single-value attribute payloads, one table entry per schema kind.

import { inspect } from "node:util";
import { invalidArgument } from "../errors/index.js";
import { formatMac, ipFromBytes, ipToBytes, type IpAddress } from "../types/index.js";
import type { IntKind, ScalarKind } from "./schema-types.js";
import { malformed } from "./tlv.js";

export interface IntCodec {
  readonly size: number;
  /** Validates `value` (a number in range, or a bigint for u64) and writes it at `offset`. */
  put(buf: Buffer, offset: number, value: unknown, path: string): void;
  get(buf: Buffer, offset: number): number | bigint;
}

export interface ScalarCodec {
  /** The payload, or undefined when the attribute is left out (a false flag). */
  encode(value: unknown, path: string): Uint8Array | undefined;
  /** The value, or undefined when the attribute means "absent" (a flag sent as u8 0). */
  decode(data: Buffer, path: string): unknown;
}

function badValue(path: string, expected: string, value: unknown): Error {
  const shown = inspect(value, { depth: 1, breakLength: Infinity, maxStringLength: 64 });
  return invalidArgument("ERR_NETLINK_ATTR_VALUE", `${path}: expected ${expected}, got ${shown}`);
}

function int(
  kind: string, size: number, min: number, max: number,
  write: (b: Buffer, v: number, o: number) => unknown, read: (b: Buffer, o: number) => number,
): IntCodec {
  return {
    size,
    put(buf, offset, value, path) {
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw badValue(path, `${kind} (${min}..${max})`, value);
      }
      write(buf, value, offset);
    },
    get: read,
  };
}

const U64_MAX = (1n << 64n) - 1n;

const u64: IntCodec = {
  size: 8,
  put(buf, offset, value, path) {
    if (typeof value !== "bigint" || value < 0n || value > U64_MAX) throw badValue(path, "u64 (a bigint)", value);
    buf.writeBigUInt64LE(value, offset);
  },
  get: (b, o) => b.readBigUInt64LE(o),
};

// Host-order integers are little-endian here, as in message.ts.
export const INT_CODECS: Readonly<Record<IntKind, IntCodec>> = Object.freeze({
  u8: int("u8", 1, 0, 0xff, (b, v, o) => b.writeUInt8(v, o), (b, o) => b.readUInt8(o)),
  u16: int("u16", 2, 0, 0xffff, (b, v, o) => b.writeUInt16LE(v, o), (b, o) => b.readUInt16LE(o)),
  u32: int("u32", 4, 0, 0xffffffff, (b, v, o) => b.writeUInt32LE(v, o), (b, o) => b.readUInt32LE(o)),
  s32: int("s32", 4, -0x80000000, 0x7fffffff, (b, v, o) => b.writeInt32LE(v, o), (b, o) => b.readInt32LE(o)),
  be16: int("be16", 2, 0, 0xffff, (b, v, o) => b.writeUInt16BE(v, o), (b, o) => b.readUInt16BE(o)),
  be32: int("be32", 4, 0, 0xffffffff, (b, v, o) => b.writeUInt32BE(v, o), (b, o) => b.readUInt32BE(o)),
  u64,
});

function intScalar(kind: IntKind): ScalarCodec {
  const c = INT_CODECS[kind];
  return {
    encode(value, path) {
      const out = Buffer.alloc(c.size);
      c.put(out, 0, value, path);
      return out;
    },
    decode(data, path) {
      if (data.length !== c.size) throw malformed(`${path}: ${kind} attribute has ${data.length} bytes`);
      return c.get(data, 0);
    },
  };
}

const string: ScalarCodec = {
  // NLA_NUL_STRING style: written with its terminating NUL, read up to the first NUL (or the end).
  encode(value, path) {
    if (typeof value !== "string" || value.includes("\0")) throw badValue(path, "a string without NUL", value);
    return Buffer.from(`${value}\0`, "utf8");
  },
  decode(data) {
    const nul = data.indexOf(0);
    return data.toString("utf8", 0, nul < 0 ? data.length : nul);
  },
};

/** For NLA_STRING attributes the kernel also accepts unterminated, where peers send them that way. */
export const UNTERMINATED_STRING: ScalarCodec = {
  encode(value, path) {
    if (typeof value !== "string" || value.includes("\0")) throw badValue(path, "a string without NUL", value);
    return Buffer.from(value, "utf8");
  },
  decode: string.decode,
};

const binary: ScalarCodec = {
  encode(value, path) {
    if (!(value instanceof Uint8Array)) throw badValue(path, "a Uint8Array", value);
    return value;
  },
  // A copy: decoded objects outlive receive buffers, which may be large dumps.
  decode: (data) => Buffer.from(data),
};

const flag: ScalarCodec = {
  encode(value, path) {
    if (typeof value !== "boolean") throw badValue(path, "a boolean", value);
    return value ? new Uint8Array(0) : undefined;
  },
  // Requests must send flags empty (NLA_FLAG rejects payloads), but some dumps send them as a u8 0/1
  // (vxlan_fill_info puts IFLA_VXLAN_TTL_INHERIT with nla_put_u8). A zero payload reads as absent.
  decode: (data) => (data.some((b) => b !== 0) || data.length === 0 ? true : undefined),
};

const ip: ScalarCodec = {
  encode(value, path) {
    const v = value as Partial<IpAddress> | null;
    if (typeof v !== "object" || v === null || (v.family !== 4 && v.family !== 6) || typeof v.value !== "bigint" ||
        v.value < 0n || v.value >= 1n << (v.family === 4 ? 32n : 128n)) {
      throw badValue(path, "an IpAddress", value);
    }
    return ipToBytes(v as IpAddress);
  },
  decode(data, path) {
    if (data.length !== 4 && data.length !== 16) throw malformed(`${path}: an IP address has 4 or 16 bytes, not ${data.length}`);
    return ipFromBytes(data);
  },
};

// Link-layer addresses are MACs on Ethernet but have other lengths elsewhere (4 on ipip, 20 on InfiniBand).
const mac: ScalarCodec = {
  encode(value, path) {
    if (typeof value !== "string" || !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})*$/.test(value)) {
      throw badValue(path, "a link-layer address like 02:42:ac:11:00:02", value);
    }
    return Buffer.from(value.split(":").map((h) => parseInt(h, 16)));
  },
  decode: (data) => formatMac(data),
};

export const SCALAR_CODECS: Readonly<Record<ScalarKind, ScalarCodec>> = Object.freeze({
  u8: intScalar("u8"), u16: intScalar("u16"), u32: intScalar("u32"), u64: intScalar("u64"),
  s32: intScalar("s32"), be16: intScalar("be16"), be32: intScalar("be32"),
  string, binary, flag, ip, mac,
});
