// The resolver's decision for one query, without I/O: a local reply, an error, a forward, or nothing.

import { DnsClass, Rcode } from "./message.js";
import { isProblem, parseQuery, type ParsedQuery } from "./query.js";
import type { ServiceRecords } from "./records.js";
import { buildProblemReply, buildReply, errorReply } from "./reply.js";

export type Decision =
  | { readonly kind: "reply"; readonly bytes: Buffer; readonly local: boolean }
  | { readonly kind: "forward"; readonly query: ParsedQuery }
  | { readonly kind: "drop" };

/**
 * Decides what `sandboxId` gets for the datagram or TCP frame `buf` (§5.3). Local names are answered
 * from `records`; the rest is forwarded unless the sandbox sits on internal networks only (REFUSED:
 * an internal network has no way out, and answering NXDOMAIN would claim the name does not exist) or
 * has no upstream at all (SERVFAIL).
 */
export function decide(records: ServiceRecords, sandboxId: string, buf: Buffer, udp: boolean): Decision {
  const q = parseQuery(buf);
  if (isProblem(q)) return q.kind === "drop" ? q : { kind: "reply", bytes: buildProblemReply(q), local: true };
  if (q.name !== undefined && (q.qclass === DnsClass.IN || q.qclass === DnsClass.ANY)) {
    const r = records.lookup(sandboxId, q.name, q.qtype);
    if (r.kind === "answer") {
      return { kind: "reply", bytes: buildReply(buf, q, Rcode.NOERROR, r.records.map((a) => a.rr), udp), local: true };
    }
    if (r.kind === "nodata") return { kind: "reply", bytes: buildReply(buf, q, Rcode.NOERROR, [], udp), local: true };
  }
  if (!records.mayForward(sandboxId)) return { kind: "reply", bytes: errorReply(buf, q, Rcode.REFUSED), local: true };
  if (records.upstreamsOf(sandboxId).length === 0) {
    return { kind: "reply", bytes: errorReply(buf, q, Rcode.SERVFAIL), local: true };
  }
  return { kind: "forward", query: q };
}
