// Element changes (port maps, pins, a network's sets) over a persistent NETLINK_NETFILTER socket in the
// firewall's netns, one batch per change.
//
// Why not `nft -f`: the spawn costs ~4 ms, and for deletes nft's close() of its netlink socket waits for
// nf_tables' deferred destroy work (5–15 ms). A socket that stays open pays neither.

import { NFTA_GEN_ID, NFT_MSG_GETGEN, NFT_MSG_NEWGEN, nftMsgType } from "../netlink/schemas/nf-tables.js";
import type { NetlinkSocket } from "../netlink/socket.js";
import { iterateAttrs } from "../netlink/tlv.js";
import { forwardStates } from "./chain-states.js";
import { forgetFlows } from "./conntrack.js";
import type { PortMapping, PortProto } from "./contract.js";
import type { ForwardState } from "./iptables-compat.js";
import { elementChangeRequests, endsAtTop, nftBatchFrames } from "./nfnl-elements.js";
import type { ElementsBySet, NftTableSpec } from "./nft-ast.js";

/** A change batch larger than this goes through `nft -f` (the socket's send buffer is 1 MiB). */
const MAX_BATCH_BYTES = 512 * 1024;

/**
 * Opens a NETLINK_NETFILTER socket in the firewall's netns that the writer then owns, e.g.
 * `(o) => handle.openSocket(NETLINK_NETFILTER, o)` with the osl handle of that netns. The firewall is
 * handed this by its composition root: it never loads the addon itself.
 */
export type NetfilterOpener = (options: { readonly receiveBufferBytes: number }) => NetlinkSocket;

export class NfnlElementWriter {
  readonly #socket: NetlinkSocket;
  readonly #frames = nftBatchFrames();

  private constructor(socket: NetlinkSocket) {
    this.#socket = socket;
  }

  /** Opens the writer's socket with `openNetfilter`. Throws when it cannot. */
  static open(openNetfilter: NetfilterOpener): NfnlElementWriter {
    return new NfnlElementWriter(openNetfilter({ receiveBufferBytes: 1 << 18 }));
  }

  /**
   * True when this path can write the change: any element of any set, exact or interval, except a
   * prefix that runs to the family's last address (see endsAtTop), which nft writes instead.
   */
  static covers(add: ElementsBySet, del: ElementsBySet): boolean {
    for (const m of [add, del]) {
      for (const list of m.values()) {
        for (const e of list) if (e.key.some((v) => v.t === "prefix" && endsAtTop(v.v))) return false;
      }
    }
    return true;
  }

  /**
   * Applies the change as one atomic batch: deletes, then adds. Rejects with the kernel's NetlinkError
   * (errno, extack text) when any message is refused, in which case nothing was applied. Resolves false,
   * doing nothing, when the change is too big for one batch.
   */
  async apply(tables: readonly NftTableSpec[], add: ElementsBySet, del: ElementsBySet): Promise<boolean> {
    const requests = tables.flatMap((t) => elementChangeRequests(t, add, del, new Set(t.sets.map((s) => s.name))));
    if (requests.length === 0) return true;
    if (requests.reduce((n, r) => n + r.payload.length, 0) > MAX_BATCH_BYTES) return false;
    await this.#socket.transaction(this.#frames.begin, requests, this.#frames.end, `nf_tables batch on table ${tables[0]?.name ?? ""}`);
    return true;
  }

  /** The ruleset generation of the netns (NFT_MSG_GETGEN): one round trip. */
  async generation(): Promise<number | undefined> {
    const replies = await this.#socket.request({ type: nftMsgType(NFT_MSG_GETGEN), payload: Buffer.alloc(4), describe: "NFT_MSG_GETGEN" });
    const gen = replies.find((m) => m.type === nftMsgType(NFT_MSG_NEWGEN));
    for (const a of gen === undefined ? [] : iterateAttrs(gen.payload.subarray(4))) if (a.type === NFTA_GEN_ID && a.data.length >= 4) return a.data.readUInt32BE(0);
    return undefined;
  }

  /** Deletes the conntrack entries of the flows of `protos` the mappings NATed (see conntrack.ts). */
  forgetFlows(mappings: readonly PortMapping[], protos: readonly PortProto[]): Promise<number> {
    return forgetFlows(this.#socket, mappings, protos);
  }

  /** The iptables-nft FORWARD states of the netns (one chain dump), for IptablesCompat. */
  forwardStates(): Promise<ForwardState[]> {
    return forwardStates(this.#socket);
  }

  close(): void {
    this.#socket.close();
  }
}
