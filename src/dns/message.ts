// The DNS message codec (RFC 1035 §4, RFC 6891 OPT): header, questions and records, decoded with bounds checks.

import { formatIp, ipFromBytes, ipToBytes, parseIp } from "../types/index.js";
import { invalidArgument } from "../errors/index.js";
import { NameWriter, labelsToName, malformedDns, nameToLabels, readName } from "./name.js";

export const DnsType = Object.freeze({
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255,
});
export const DnsClass = Object.freeze({ IN: 1, ANY: 255 });
export const Rcode = Object.freeze({ NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 });
export const Opcode = Object.freeze({ QUERY: 0 });

export const HEADER_LENGTH = 12;
/** Largest UDP answer without EDNS (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;

export interface DnsHeader {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  readonly rcode: number;
}

export interface DnsQuestion {
  /** Presentation form without the trailing dot, case as sent. */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** Record data: decoded for the types the resolver builds, raw octets (no names inside) otherwise. */
export type RecordData =
  | { readonly kind: "address"; readonly address: string }
  | { readonly kind: "name"; readonly target: string }
  | { readonly kind: "mx"; readonly preference: number; readonly exchange: string }
  | { readonly kind: "soa"; readonly mname: string; readonly rname: string; readonly numbers: readonly number[] }
  | { readonly kind: "raw"; readonly bytes: Uint8Array };

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  /** For OPT: the requester's UDP payload size. */
  readonly class: number;
  /** For OPT: extended rcode, version and flags. */
  readonly ttl: number;
  readonly data: RecordData;
}

export interface DnsMessage {
  readonly header: DnsHeader;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** Types whose rdata is one (compressible) domain name (RFC 3597 §4). */
const NAME_TYPES: ReadonlySet<number> = new Set([DnsType.NS, DnsType.CNAME, DnsType.PTR]);

export function decodeHeader(buf: Uint8Array): DnsHeader {
  if (buf.length < HEADER_LENGTH) throw malformedDns(`${buf.length} octets, shorter than a header`);
  const flags = ((buf[2] as number) << 8) | (buf[3] as number);
  return {
    id: ((buf[0] as number) << 8) | (buf[1] as number),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
  };
}

export function headerFlags(h: DnsHeader): number {
  return (h.qr ? 0x8000 : 0) | ((h.opcode & 0xf) << 11) | (h.aa ? 0x0400 : 0) | (h.tc ? 0x0200 : 0) |
    (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.ad ? 0x0020 : 0) | (h.cd ? 0x0010 : 0) | (h.rcode & 0xf);
}

class Reader {
  pos: number;
  constructor(readonly buf: Buffer, pos: number) {
    this.pos = pos;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw malformedDns(`${what} runs past the end`);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  name(): string {
    const n = readName(this.buf, this.pos);
    this.pos = n.end;
    return labelsToName(n.labels);
  }
}

function decodeData(r: Reader, type: number, end: number): RecordData {
  const start = r.pos;
  let data: RecordData;
  if ((type === DnsType.A && end - start === 4) || (type === DnsType.AAAA && end - start === 16)) {
    data = { kind: "address", address: formatIp(ipFromBytes(r.buf.subarray(start, end))) };
    r.pos = end;
  } else if (NAME_TYPES.has(type)) {
    data = { kind: "name", target: r.name() };
  } else if (type === DnsType.MX) {
    data = { kind: "mx", preference: r.u16("MX preference"), exchange: r.name() };
  } else if (type === DnsType.SOA) {
    const mname = r.name();
    const rname = r.name();
    const numbers = [0, 1, 2, 3, 4].map(() => r.u32("SOA numbers"));
    data = { kind: "soa", mname, rname, numbers };
  } else {
    data = { kind: "raw", bytes: Uint8Array.from(r.buf.subarray(start, end)) };
    r.pos = end;
  }
  if (r.pos !== end) throw malformedDns(`rdata of type ${type} does not match its length`);
  return data;
}

function decodeRecord(r: Reader): DnsRecord {
  const name = r.name();
  const type = r.u16("record type");
  const klass = r.u16("record class");
  const ttl = r.u32("record TTL");
  const length = r.u16("rdata length");
  r.need(length, "rdata");
  const data = decodeData(r, type, r.pos + length);
  return { name, type, class: klass, ttl, data };
}

/** Decodes a whole message. Throws ERR_DNS_MALFORMED (kind invalid-argument) on any defect. */
export function decodeMessage(input: Uint8Array): DnsMessage {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const header = decodeHeader(buf);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  const r = new Reader(buf, HEADER_LENGTH);
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < (counts[0] as number); i++) {
    questions.push({ name: r.name(), type: r.u16("question type"), class: r.u16("question class") });
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < (counts[s + 1] as number); i++) (sections[s] as DnsRecord[]).push(decodeRecord(r));
  }
  if (r.pos !== buf.length) throw malformedDns(`${buf.length - r.pos} trailing octets`);
  const [answers, authorities, additionals] = sections as [DnsRecord[], DnsRecord[], DnsRecord[]];
  return { header, questions, answers, authorities, additionals };
}

class Writer {
  readonly chunks: Buffer[] = [];
  length = 0;
  constructor(readonly names: NameWriter) {}

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  u16(v: number): void {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v & 0xffff);
    this.push(b);
  }

  u32(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0);
    this.push(b);
  }

  name(name: string): void {
    this.push(this.names.encode(nameToLabels(name), this.length));
  }
}

function encodeData(w: Writer, rec: DnsRecord): void {
  const d = rec.data;
  if (d.kind === "address") {
    const bytes = ipToBytes(parseIp(d.address, "DNS record address"));
    if (bytes.length !== (rec.type === DnsType.AAAA ? 16 : 4)) {
      throw invalidArgument("ERR_DNS_RECORD", `address ${d.address} does not fit a type ${rec.type} record`);
    }
    w.push(bytes);
  } else if (d.kind === "name") {
    w.name(d.target);
  } else if (d.kind === "mx") {
    w.u16(d.preference);
    w.name(d.exchange);
  } else if (d.kind === "soa") {
    w.name(d.mname);
    w.name(d.rname);
    for (const n of d.numbers) w.u32(n);
  } else {
    w.push(Buffer.from(d.bytes));
  }
}

function encodeRecord(w: Writer, rec: DnsRecord): void {
  w.name(rec.name);
  w.u16(rec.type);
  w.u16(rec.class);
  w.u32(rec.ttl);
  const lengthAt = w.chunks.length;
  w.u16(0);
  const before = w.length;
  encodeData(w, rec);
  const rdLength = w.length - before;
  if (rdLength > 0xffff) throw invalidArgument("ERR_DNS_RECORD", "rdata longer than 65535 octets");
  (w.chunks[lengthAt] as Buffer).writeUInt16BE(rdLength);
}

/** Encodes a message; `compress` shares name suffixes through pointers (RFC 1035 §4.1.4). */
export function encodeMessage(msg: DnsMessage, options: { readonly compress?: boolean } = {}): Buffer {
  const w = new Writer(new NameWriter(options.compress ?? true));
  w.u16(msg.header.id);
  w.u16(headerFlags(msg.header));
  for (const n of [msg.questions.length, msg.answers.length, msg.authorities.length, msg.additionals.length]) w.u16(n);
  for (const q of msg.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rec of [...msg.answers, ...msg.authorities, ...msg.additionals]) encodeRecord(w, rec);
  return Buffer.concat(w.chunks, w.length);
}

/** The OPT pseudo-record of a message, if any (RFC 6891 §6.1.1: at most one, owner is the root). */
export function findOpt(msg: DnsMessage): DnsRecord | undefined {
  return msg.additionals.find((r) => r.type === DnsType.OPT);
}

/** An all-false header with the given id, for building messages in tests and tools. */
export function newHeader(fields: Partial<DnsHeader> & { readonly id: number }): DnsHeader {
  return {
    qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0, ...fields,
  };
}
