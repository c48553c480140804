// What the nftables backend holds per network, and how it reports a change whose undo failed too.

import type { FirewallNetwork, PortMapping, PortPin } from "./contract.js";

export interface MutableNetworkState {
  readonly net: FirewallNetwork;
  /** Endpoint → its mappings by mappingKey: a change touches only its own mappings, however many there are. */
  readonly endpoints: Map<string, Map<string, PortMapping>>;
  /** Pinned bridge ports, by endpoint. */
  readonly pins: Map<string, PortPin>;
}

/** The first error, with the failures of its undo steps attached. */
export function withUndoErrors(err: unknown, undo: readonly unknown[]): unknown {
  return undo.length === 0 ? err : new AggregateError([err, ...undo], `${String((err as Error).message ?? err)} (undo failed too)`);
}
