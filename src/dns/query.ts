// The resolver's fast path over an incoming query: header, the one question and the EDNS UDP size.

import { CLASSIC_UDP_SIZE, DnsType, HEADER_LENGTH } from "./message.js";
import { readName } from "./name.js";

/** Largest UDP answer we produce whatever the client advertises (the DNS flag day 2020 value). */
export const MAX_UDP_ANSWER = 1232;

export interface ParsedQuery {
  readonly id: number;
  readonly opcode: number;
  readonly rd: boolean;
  readonly cd: boolean;
  /** Raw labels of the question name (case as sent). */
  readonly labels: readonly string[];
  /** Lower-case presentation name, no trailing dot; undefined when a label holds a dot or odd octet. */
  readonly name: string | undefined;
  readonly qtype: number;
  readonly qclass: number;
  /** Offset just after the question: bytes 12..questionEnd are copied into the reply as they came. */
  readonly questionEnd: number;
  /** The query carried an OPT record (the reply then carries one too, RFC 6891 §7). */
  readonly edns: boolean;
  /** Largest UDP reply the client accepts. */
  readonly udpSize: number;
}

/** What to do with a datagram that is not a usable query. */
export type QueryProblem =
  /** Not worth a reply: shorter than a header, or a response (replying could start a loop). */
  | { readonly kind: "drop" }
  /** A query header we can answer with this rcode and no question. */
  | { readonly kind: "error"; readonly id: number; readonly opcode: number; readonly rcode: number };

const PLAIN_LABEL = /^[\x21-\x2d\x2f-\x7e]+$/;

/** A question label that can name a container: printable ASCII, no dot (the name is split on dots). */
function lowerName(labels: readonly string[]): string | undefined {
  let out = "";
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as string;
    if (!PLAIN_LABEL.test(l)) return undefined;
    out += i === 0 ? l : `.${l}`;
  }
  return out.toLowerCase();
}

/** Skips one resource record starting at `pos`; returns its type, class and the offset after it. */
function skipRecord(buf: Buffer, pos: number): { type: number; klass: number; end: number } | undefined {
  let p: number;
  try { p = readName(buf, pos).end; } catch { return undefined; }
  if (p + 10 > buf.length) return undefined;
  const type = buf.readUInt16BE(p);
  const klass = buf.readUInt16BE(p + 2);
  const end = p + 10 + buf.readUInt16BE(p + 8);
  return end > buf.length ? undefined : { type, klass, end };
}

/** Finds the OPT record (if any) among the records after the question; undefined if they are malformed. */
function ednsSize(buf: Buffer, from: number): { edns: boolean; udpSize: number } | undefined {
  const records = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  let pos = from;
  let edns = false;
  let udpSize = CLASSIC_UDP_SIZE;
  for (let i = 0; i < records; i++) {
    const rec = skipRecord(buf, pos);
    if (rec === undefined) return undefined;
    if (rec.type === DnsType.OPT) {
      edns = true;
      udpSize = Math.min(MAX_UDP_ANSWER, Math.max(CLASSIC_UDP_SIZE, rec.klass));
    }
    pos = rec.end;
  }
  return { edns, udpSize };
}

/** Parses a query without throwing: a ParsedQuery, or what to do about a bad one. */
export function parseQuery(buf: Buffer): ParsedQuery | QueryProblem {
  if (buf.length < HEADER_LENGTH) return { kind: "drop" };
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return { kind: "drop" };
  const id = buf.readUInt16BE(0);
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { kind: "error", id, opcode, rcode: 4 };
  if (buf.readUInt16BE(4) !== 1) return { kind: "error", id, opcode, rcode: 1 };
  let labels: readonly string[];
  let end: number;
  try {
    const n = readName(buf, HEADER_LENGTH);
    labels = n.labels;
    end = n.end;
  } catch {
    return { kind: "error", id, opcode, rcode: 1 };
  }
  // A pointer in the first name can only point into the header: nonsense, and echoing it would make
  // the reply undecodable. The question must be written out in full.
  const wire = labels.reduce((n, l) => n + l.length + 1, 1);
  if (end - HEADER_LENGTH !== wire || end + 4 > buf.length) return { kind: "error", id, opcode, rcode: 1 };
  const extra = ednsSize(buf, end + 4);
  if (extra === undefined) return { kind: "error", id, opcode, rcode: 1 };
  return {
    id,
    opcode,
    rd: (flags & 0x0100) !== 0,
    cd: (flags & 0x0010) !== 0,
    labels,
    name: lowerName(labels),
    qtype: buf.readUInt16BE(end),
    qclass: buf.readUInt16BE(end + 2),
    questionEnd: end + 4,
    edns: extra.edns,
    udpSize: extra.udpSize,
  };
}

export function isProblem(q: ParsedQuery | QueryProblem): q is QueryProblem {
  return "kind" in q;
}
