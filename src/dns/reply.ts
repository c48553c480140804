// Builds the resolver's replies on the wire: local answers, errors, relayed upstream answers, truncation.

import { HEADER_LENGTH } from "./message.js";
import { MAX_UDP_ANSWER, type ParsedQuery } from "./query.js";
import type { QueryProblem } from "./query.js";

/** Docker answers its records with TTL 600 (resolver.go respTTL). */
export const RECORD_TTL = 600;

/** OPT record we add when the query had one: root owner, our UDP size, no flags, no options. */
function optRecord(): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt16BE(41, 1);
  b.writeUInt16BE(MAX_UDP_ANSWER, 3);
  return b;
}

/** QR=1, the query's opcode and RD/CD, RA=1 and AA=0 like Docker, the rcode; TC on request. */
function replyFlags(q: { readonly opcode: number; readonly rd?: boolean; readonly cd?: boolean }, rcode: number, tc: boolean): number {
  return 0x8000 | ((q.opcode & 0xf) << 11) | (tc ? 0x0200 : 0) | (q.rd === true ? 0x0100 : 0) | 0x0080 |
    (q.cd === true ? 0x0010 : 0) | (rcode & 0xf);
}

/**
 * A reply to a parsed query: its question copied byte for byte (so 0x20 case randomisation survives),
 * `answers` (pre-encoded records whose owner is a pointer to the question), and OPT when the query had
 * one. Over UDP, answers that do not fit the client's size are left out and TC is set (RFC 2181 §9).
 */
export function buildReply(
  query: Buffer, q: ParsedQuery, rcode: number, answers: readonly Buffer[], udp: boolean,
): Buffer {
  const opt = q.edns ? optRecord() : undefined;
  const limit = udp ? q.udpSize : 0xffff;
  let size = q.questionEnd + (opt?.length ?? 0);
  let count = 0;
  for (const a of answers) {
    if (size + a.length > limit) break;
    size += a.length;
    count++;
  }
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(q.id, 0);
  out.writeUInt16BE(replyFlags(q, rcode, count < answers.length), 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(count, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(opt === undefined ? 0 : 1, 10);
  query.copy(out, HEADER_LENGTH, HEADER_LENGTH, q.questionEnd);
  let pos = q.questionEnd;
  for (let i = 0; i < count; i++) pos += (answers[i] as Buffer).copy(out, pos);
  if (opt !== undefined) opt.copy(out, pos);
  return out;
}

/** A header-only reply (FORMERR, NOTIMP) to a query whose question we could not use. */
export function buildProblemReply(p: Extract<QueryProblem, { kind: "error" }>): Buffer {
  const out = Buffer.alloc(HEADER_LENGTH);
  out.writeUInt16BE(p.id, 0);
  out.writeUInt16BE(replyFlags({ opcode: p.opcode }, p.rcode, false), 2);
  return out;
}

/**
 * An upstream's answer for the client: the client's id back in place, and over UDP, when it is larger
 * than the client accepts, a truncated copy (question only, TC set) so the client retries over TCP.
 */
export function relayReply(query: Buffer, q: ParsedQuery, answer: Buffer, udp: boolean): Buffer {
  if (!udp || answer.length <= q.udpSize) {
    const out = Buffer.from(answer);
    out.writeUInt16BE(q.id, 0);
    return out;
  }
  const out = buildReply(query, q, answer.readUInt16BE(2) & 0xf, [], true);
  out.writeUInt16BE(out.readUInt16BE(2) | 0x0200, 2);
  return out;
}

/** An error reply that keeps the question (SERVFAIL, REFUSED, NXDOMAIN). */
export function errorReply(query: Buffer, q: ParsedQuery, rcode: number): Buffer {
  return buildReply(query, q, rcode, [], false);
}

/** Encodes one answer record owned by the question name (pointer to offset 12). */
export function pointerRecord(type: number, rdata: Buffer, ttl = RECORD_TTL): Buffer {
  const out = Buffer.allocUnsafe(12 + rdata.length);
  out.writeUInt16BE(0xc00c, 0);
  out.writeUInt16BE(type, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt32BE(ttl, 6);
  out.writeUInt16BE(rdata.length, 10);
  rdata.copy(out, 12);
  return out;
}
