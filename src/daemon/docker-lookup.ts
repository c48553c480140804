// Finding a network the way dockerd does: full ID, then name (refused as ambiguous when networks share
// it), then ID prefix, each route with Docker 20.10's own wording; inspect's `scope` filter.

import type { Network, NetworkController } from "../controller/index.js";
import { invalidArgument, notFound } from "../errors/index.js";

/**
 * Which of dockerd's lookups: `inspect` (GET /networks/{id}), `unique` (DELETE: findUniqueNetwork),
 * `find` (connect, disconnect: daemon.FindNetwork). They differ only in their ambiguity messages.
 */
export type LookupStyle = "inspect" | "unique" | "find";

function ambiguous(style: LookupStyle, term: string, n: number, basis: "name" | "ID prefix"): Error {
  const on = basis === "name" && style === "find" ? "found on name" : `found based on ${basis}`;
  const message = style === "inspect" ? `${n} matches ${on}: network ${term} is ambiguous` : `network ${term} is ambiguous (${n} matches ${on})`;
  return invalidArgument("ERR_NETWORK_AMBIGUOUS", message);
}

/** `scope`: only networks of that scope (inspect's query); a local network is not found as `swarm` or `global`. */
export function findNetwork(c: NetworkController, term: string, style: LookupStyle, scope?: string): Network {
  const all = c.networks().filter((n) => scope === undefined || scope === "" || n.info().scope === scope);
  const byId = all.find((n) => n.id === term);
  if (byId !== undefined) return byId;
  const byName = all.filter((n) => n.name === term);
  if (byName.length === 1) return byName[0] as Network;
  if (byName.length > 1) throw ambiguous(style, term, byName.length, "name");
  const byPrefix = all.filter((n) => n.id.startsWith(term));
  if (byPrefix.length === 1) return byPrefix[0] as Network;
  if (byPrefix.length > 1) throw ambiguous(style, term, byPrefix.length, "ID prefix");
  throw notFound("ERR_NETWORK_NOT_FOUND", `network ${term} not found`);
}
