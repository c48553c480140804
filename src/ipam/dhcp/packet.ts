// DHCP messages (RFC 2131 §2): the BOOTP header, the magic cookie and the options, encoded and decoded;
// long options are split and joined again (RFC 3396), and options overloaded into file/sname are read.

import { formatMac, ipFromBytes, ipToBytes, parseMac, type IpAddress } from "../../types/index.js";
import { DhcpDecodeError, DhcpOption, optionEntries, readOption, type DhcpOptions } from "./options.js";

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const HTYPE_ETHERNET = 1;
/** Flags: the client cannot receive unicast before it has its address (so servers broadcast their replies). */
export const FLAG_BROADCAST = 0x8000;
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

const MAGIC = 0x63825363;
const HEADER = 236;
const OPTIONS_AT = HEADER + 4;
/** BOOTP's minimum message (RFC 1542 §2.1): some relays and servers drop shorter ones. */
const MIN_LENGTH = 300;
const SNAME = { at: 44, size: 64 };
const FILE = { at: 108, size: 128 };

export const ZERO_IP: IpAddress = Object.freeze({ family: 4, value: 0n });

export interface DhcpMessage {
  readonly op: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: IpAddress;
  readonly yiaddr: IpAddress;
  readonly siaddr: IpAddress;
  readonly giaddr: IpAddress;
  /** The client's hardware address (Ethernet: 6 bytes). */
  readonly chaddr: string;
  readonly options: DhcpOptions;
}

export type DhcpMessageInit = Partial<Omit<DhcpMessage, "chaddr" | "options">> & Pick<DhcpMessage, "chaddr" | "options">;

function putOptions(entries: ReadonlyArray<[number, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [code, value] of entries) {
    // RFC 3396: a value longer than 255 bytes goes out as consecutive instances of the option.
    for (let at = 0; at === 0 || at < value.length; at += 255) {
      const chunk = value.subarray(at, at + 255);
      parts.push(Buffer.from([code, chunk.length]), chunk);
    }
  }
  parts.push(Buffer.from([DhcpOption.end]));
  return Buffer.concat(parts);
}

export function encodeDhcpMessage(m: DhcpMessageInit): Buffer {
  const mac = parseMac(m.chaddr);
  const options = putOptions(optionEntries(m.options));
  const out = Buffer.alloc(Math.max(MIN_LENGTH, OPTIONS_AT + options.length));
  out[0] = m.op ?? BOOTREQUEST;
  out[1] = HTYPE_ETHERNET;
  out[2] = mac.length;
  out.writeUInt32BE(m.xid ?? 0, 4);
  out.writeUInt16BE(m.secs ?? 0, 8);
  out.writeUInt16BE(m.flags ?? 0, 10);
  const addrs = [m.ciaddr, m.yiaddr, m.siaddr, m.giaddr];
  addrs.forEach((ip, i) => ipToBytes(ip ?? ZERO_IP).copy(out, 12 + 4 * i));
  mac.copy(out, 28);
  out.writeUInt32BE(MAGIC, HEADER);
  options.copy(out, OPTIONS_AT);
  return out;
}

/** Option bytes by code, repeated instances concatenated (RFC 3396); stops at END. */
function scanOptions(area: Uint8Array, into: Map<number, Buffer[]>): void {
  for (let at = 0; at < area.length;) {
    const code = area[at] as number;
    if (code === DhcpOption.end) return;
    if (code === DhcpOption.pad) {
      at++;
      continue;
    }
    if (at + 1 >= area.length) throw new DhcpDecodeError(`option ${code} truncated`);
    const len = area[at + 1] as number;
    if (at + 2 + len > area.length) throw new DhcpDecodeError(`option ${code} runs past the message`);
    const list = into.get(code) ?? [];
    list.push(Buffer.from(area.subarray(at + 2, at + 2 + len)));
    into.set(code, list);
    at += 2 + len;
  }
}

function decodeOptions(b: Buffer): DhcpOptions {
  const raw = new Map<number, Buffer[]>();
  scanOptions(b.subarray(OPTIONS_AT), raw);
  // Option 52: the file and sname fields carry options too (RFC 2132 §9.3), read in that order.
  const overload = raw.get(DhcpOption.overload)?.[0]?.[0] ?? 0;
  if ((overload & 1) !== 0) scanOptions(b.subarray(FILE.at, FILE.at + FILE.size), raw);
  if ((overload & 2) !== 0) scanOptions(b.subarray(SNAME.at, SNAME.at + SNAME.size), raw);
  raw.delete(DhcpOption.overload);
  const out: Record<string, unknown> = {};
  const unknown = new Map<number, Uint8Array>();
  for (const [code, parts] of raw) readOption(out, code, Buffer.concat(parts), unknown);
  if (unknown.size > 0) out["unknown"] = unknown;
  return out as DhcpOptions;
}

export function decodeDhcpMessage(b: Buffer): DhcpMessage {
  if (b.length < OPTIONS_AT) throw new DhcpDecodeError(`${b.length} bytes, shorter than the fixed part (${OPTIONS_AT})`);
  if (b.readUInt32BE(HEADER) !== MAGIC) throw new DhcpDecodeError("no magic cookie");
  const hlen = b[2] as number;
  if (b[1] !== HTYPE_ETHERNET || hlen !== 6) throw new DhcpDecodeError(`hardware type ${String(b[1])} length ${hlen}, want Ethernet`);
  const ip = (at: number): IpAddress => ipFromBytes(b.subarray(at, at + 4));
  return {
    op: b[0] as number,
    xid: b.readUInt32BE(4),
    secs: b.readUInt16BE(8),
    flags: b.readUInt16BE(10),
    ciaddr: ip(12), yiaddr: ip(16), siaddr: ip(20), giaddr: ip(24),
    chaddr: formatMac(b.subarray(28, 34)),
    options: decodeOptions(b),
  };
}
