// The published port mappings of a backend by host port, for conflict checks, kept up to date change by
// change: single ports by number, ranges as intervals. So publishing the 10,000th port costs what the
// first did, and a 10,000-port range costs one interval, not 10,000 keys.

import { conflict } from "../errors/index.js";
import { formatIp } from "../types/index.js";
import type { PortMapping } from "./contract.js";

/** One key per mapping: two mappings with the same key are the same mapping (validated values). */
export function mappingKey(m: PortMapping): string {
  const host = m.hostIp === undefined ? "*" : formatIp(m.hostIp);
  return `${m.proto}|${host}|${m.hostPort}-${m.hostPortEnd}|${formatIp(m.containerIp)}|${m.containerPort}`;
}

interface Span { readonly lo: number; readonly hi: number; readonly owner: string }

/** What one (family, host address or every address, protocol) publishes. */
interface Slot {
  readonly singles: Map<number, string>;
  readonly ranges: Span[];
}

/** `4|*|tcp`: mappings of one slot clash when their host ports meet (wildcard and specific are separate, as before). */
function slotKey(m: PortMapping): string {
  return `${m.containerIp.family}|${m.hostIp === undefined ? "*" : formatIp(m.hostIp)}|${m.proto}`;
}

export class PortIndex {
  readonly #slots = new Map<string, Slot>();

  /** The owner of a port of lo..hi in the slot, and that port; undefined when all are free. */
  #clash(slot: Slot, lo: number, hi: number): { port: number; owner: string } | undefined {
    for (const r of slot.ranges) if (r.lo <= hi && lo <= r.hi) return { port: Math.max(lo, r.lo), owner: r.owner };
    // Whichever is shorter: the ports of the range, or the single ports published.
    if (hi - lo < slot.singles.size) {
      for (let p = lo; p <= hi; p++) { const owner = slot.singles.get(p); if (owner !== undefined) return { port: p, owner }; }
      return undefined;
    }
    let first: { port: number; owner: string } | undefined;
    for (const [p, owner] of slot.singles) if (p >= lo && p <= hi && (first === undefined || p < first.port)) first = { port: p, owner };
    return first;
  }

  /**
   * Records `mappings` (not published yet) as published by `owner`, or throws Docker-like conflict errors
   * when one takes a host port that another mapping, or an earlier one of them, has; then none is recorded.
   */
  claim(owner: string, mappings: readonly PortMapping[]): void {
    const done: PortMapping[] = [];
    // Marked as this request's until all are in, so that a clash among them says so.
    const pending = `${owner}\u0000`;
    for (const m of mappings) {
      const key = slotKey(m);
      let slot = this.#slots.get(key);
      if (slot === undefined) this.#slots.set(key, slot = { singles: new Map(), ranges: [] });
      const hit = this.#clash(slot, m.hostPort, m.hostPortEnd);
      if (hit !== undefined) {
        this.release(done);
        const [fam, host, proto] = key.split("|");
        throw conflict("ERR_FIREWALL_PORT_IN_USE",
          `${proto}/${hit.port} on ${host === "*" ? `every IPv${fam} address` : host} is already published by ${hit.owner === pending ? "this request" : hit.owner}`);
      }
      this.#put(slot, m, pending);
      done.push(m);
    }
    for (const m of done) this.#put(this.#slots.get(slotKey(m)) as Slot, m, owner);
  }

  #put(slot: Slot, m: PortMapping, owner: string): void {
    if (m.hostPort === m.hostPortEnd) { slot.singles.set(m.hostPort, owner); return; }
    const i = slot.ranges.findIndex((r) => r.lo === m.hostPort && r.hi === m.hostPortEnd);
    if (i >= 0) slot.ranges[i] = { lo: m.hostPort, hi: m.hostPortEnd, owner };
    else slot.ranges.push({ lo: m.hostPort, hi: m.hostPortEnd, owner });
  }

  release(mappings: Iterable<PortMapping>): void {
    for (const m of mappings) {
      const key = slotKey(m);
      const slot = this.#slots.get(key);
      if (slot === undefined) continue;
      if (m.hostPort === m.hostPortEnd) slot.singles.delete(m.hostPort);
      else {
        const i = slot.ranges.findIndex((r) => r.lo === m.hostPort && r.hi === m.hostPortEnd);
        if (i >= 0) slot.ranges.splice(i, 1);
      }
      if (slot.singles.size === 0 && slot.ranges.length === 0) this.#slots.delete(key);
    }
  }
}
