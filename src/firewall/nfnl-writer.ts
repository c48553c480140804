// Port-map element changes over a persistent NETLINK_NETFILTER socket in the firewall's netns, one batch per change.
//
// Why not `nft -f`: the spawn costs ~4 ms, and for deletes nft's close() of its netlink socket waits for
// nf_tables' deferred destroy work (5–15 ms). A socket that stays open pays neither.

import { loadNative, type NativeAddon } from "../native/index.js";
import { NETLINK_NETFILTER } from "../netlink/constants.js";
import { NetlinkSocket } from "../netlink/socket.js";
import { closeFd, openNetnsFd } from "../osl/namespace.js";
import { forgetUdpFlows } from "./conntrack.js";
import type { PortMapping } from "./contract.js";
import { netnsPath } from "./exec.js";
import { elementChangeRequests, nftBatchFrames } from "./nfnl-elements.js";
import type { ElementsBySet, NftTableSpec } from "./nft-ast.js";
import { S } from "./rules.js";

/**
 * The maps this path writes: non-interval, keys and values of fixed-size components. Interval sets
 * need range-end elements and flags (nft computes those), so everything else stays on `nft -f`.
 */
export const PORT_MAPS: ReadonlySet<string> = new Set([S.ports4, S.ports6, S.hostports4, S.hostports6]);

/** A change batch larger than this goes through `nft -f` (the socket's send buffer is 1 MiB). */
const MAX_BATCH_BYTES = 512 * 1024;

export class NfnlElementWriter {
  readonly #socket: NetlinkSocket;
  readonly #frames = nftBatchFrames();

  private constructor(socket: NetlinkSocket) {
    this.#socket = socket;
  }

  /** Opens the socket inside `netns` (a name under /run/netns or a path; default: ours). Throws when it cannot. */
  static open(native: NativeAddon | undefined, netns: string | undefined): NfnlElementWriter {
    const addon = native ?? loadNative();
    const nsFd = netns === undefined ? -1 : openNetnsFd(netnsPath(netns));
    try {
      // The socket stays in the netns it was created in; the fd is not needed afterwards.
      return new NfnlElementWriter(NetlinkSocket.open(addon, { protocol: NETLINK_NETFILTER, nsFd, receiveBufferBytes: 1 << 18 }));
    } finally {
      if (nsFd >= 0) closeFd(nsFd);
    }
  }

  /** True when every set `add` and `del` touch is a port map. */
  static covers(add: ElementsBySet, del: ElementsBySet): boolean {
    for (const m of [add, del]) for (const [set, list] of m) if (list.length > 0 && !PORT_MAPS.has(set)) return false;
    return true;
  }

  /**
   * Applies the change as one atomic batch: deletes, then adds. Rejects with the kernel's NetlinkError
   * (errno, extack text) when any message is refused, in which case nothing was applied. Resolves false,
   * doing nothing, when the change is too big for one batch.
   */
  async apply(table: NftTableSpec, add: ElementsBySet, del: ElementsBySet): Promise<boolean> {
    const requests = elementChangeRequests(table, add, del, PORT_MAPS);
    if (requests.length === 0) return true;
    if (requests.reduce((n, r) => n + r.payload.length, 0) > MAX_BATCH_BYTES) return false;
    await this.#socket.transaction(this.#frames.begin, requests, this.#frames.end, `nf_tables batch on table ${table.name}`);
    return true;
  }

  /** Deletes the conntrack entries of UDP flows the mappings NATed (see conntrack.ts). */
  forgetUdpFlows(mappings: readonly PortMapping[]): Promise<number> {
    return forgetUdpFlows(this.#socket, mappings);
  }

  close(): void {
    this.#socket.close();
  }
}
