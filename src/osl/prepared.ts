// Requests built before the interface they configure exists (while the kernel creates it), the
// interface's index filled in once it is known.

import { RTM_NEWADDR, RTM_NEWLINK, RTM_SETLINK, type NetlinkRequest } from "../netlink/index.js";
import { invalidArgument } from "../errors/index.js";
import { validateIfindex } from "./link.js";

/** ifaddrmsg.ifa_index and ifinfomsg.ifi_index sit at the same offset of their family headers. */
const INDEX_OFFSET = 4;
const INDEXED_TYPES = new Set([RTM_NEWADDR, RTM_NEWLINK, RTM_SETLINK]);

/** A placeholder index to build such requests with; any valid index would do. */
export const PLACEHOLDER_INDEX = 1;

/**
 * A copy of an address or link request built for another interface index, aimed at `index` instead.
 * Building the requests of a join's interface costs ~0.1 ms of JS; built early, they cost the attach
 * path a copy and a 4-byte write each.
 */
export function withLinkIndex(request: NetlinkRequest, index: number): NetlinkRequest {
  if (!INDEXED_TYPES.has(request.type)) {
    throw invalidArgument("ERR_NOT_INDEXED", `${request.describe}: not an address or link request`);
  }
  validateIfindex(index);
  const payload = Buffer.from(request.payload);
  payload.writeInt32LE(index, INDEX_OFFSET);
  return { ...request, payload, describe: request.describe.replace(/ifindex \d+$/, `ifindex ${index}`) };
}
