// The published port mappings of a backend: per endpoint, and by host port for conflict checks, kept up
// to date change by change so that publishing the 10,000th port costs what the first one did.

import { conflict } from "../errors/index.js";
import { formatIp } from "../types/index.js";
import type { PortMapping } from "./contract.js";
import { hostPortKeys } from "./validate.js";

/** One key per mapping: two mappings with the same key are the same mapping (validated values). */
export function mappingKey(m: PortMapping): string {
  const host = m.hostIp === undefined ? "*" : formatIp(m.hostIp);
  return `${m.proto}|${host}|${m.hostPort}-${m.hostPortEnd}|${formatIp(m.containerIp)}|${m.containerPort}`;
}

export class PortIndex {
  /** Host port key (validate.ts' hostPortKeys) → "network/endpoint" that publishes it. */
  readonly #owners = new Map<string, string>();

  /**
   * Throws Docker-like conflict errors when one of `fresh` (mappings not published yet) takes a host
   * port that another mapping, or an earlier one of `fresh`, has. Changes nothing.
   */
  checkFree(fresh: readonly PortMapping[]): void {
    const mine = new Set<string>();
    for (const m of fresh) {
      for (const k of hostPortKeys(m)) {
        const owner = this.#owners.get(k) ?? (mine.has(k) ? "this request" : undefined);
        if (owner !== undefined) {
          const [fam, host, proto, port] = k.split("|");
          throw conflict("ERR_FIREWALL_PORT_IN_USE",
            `${proto}/${port} on ${host === "*" ? `every IPv${fam} address` : host} is already published by ${owner}`);
        }
        mine.add(k);
      }
    }
  }

  add(owner: string, mappings: Iterable<PortMapping>): void {
    for (const m of mappings) for (const k of hostPortKeys(m)) this.#owners.set(k, owner);
  }

  remove(mappings: Iterable<PortMapping>): void {
    for (const m of mappings) for (const k of hostPortKeys(m)) this.#owners.delete(k);
  }

  clear(): void {
    this.#owners.clear();
  }
}
