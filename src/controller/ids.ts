// Object IDs (64 hex characters, as Docker's) and lookup by name, full ID or unique ID prefix.

import { invalidArgument, notFound } from "../errors/index.js";
import { randomHex } from "../types/index.js";

export function newId(): string {
  return randomHex(32);
}

export function isFullId(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}

export interface Named {
  readonly id: string;
  readonly name: string;
}

/**
 * Finds one object by exact ID, then exact name, then unique ID prefix (Docker's order). A name held by
 * several objects is refused as ambiguous (invalid argument); a prefix that matches several objects is
 * ambiguous and treated as not found, with a message saying so.
 */
export function resolveRef<T extends Named>(what: string, ref: string, items: Iterable<T>): T {
  if (ref.trim() === "") throw invalidArgument("ERR_INVALID_ID", `invalid ${what} name or id: ${JSON.stringify(ref)}`);
  const all = [...items];
  const byId = all.find((i) => i.id === ref);
  if (byId !== undefined) return byId;
  const byName = all.filter((i) => i.name === ref);
  if (byName.length === 1) return byName[0] as T;
  if (byName.length > 1) {
    // Only networks share names (created with Docker's CheckDuplicate false): Docker's InvalidParameter.
    throw invalidArgument(`ERR_${what.toUpperCase()}_AMBIGUOUS`, `${what} ${ref} is ambiguous (${byName.length} matches found based on name)`);
  }
  const byPrefix = /^[0-9a-f]+$/.test(ref) ? all.filter((i) => i.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0] as T;
  const code = `ERR_${what.toUpperCase()}_NOT_FOUND`;
  if (byPrefix.length > 1) throw notFound(code, `${what} ${ref} is ambiguous (${byPrefix.length} matches)`);
  throw notFound(code, `${what} ${ref} not found`);
}
