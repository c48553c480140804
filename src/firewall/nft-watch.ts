// Commits to the nftables ruleset that are not the backend's own, noticed as they happen: nf_tables
// announces each commit (NFT_MSG_NEWGEN: the new generation and the committing process) on the
// NFNLGRP_NFTABLES multicast group of NETLINK_NETFILTER. A burst (a script's several commits) is one
// call, a few ms after its last commit; a commit whose generation the backend verified as its own
// (own-generation.ts) is counted and ignored. Polling took ≈ 0.7 s to notice `nft flush ruleset`.

import type { RawMessage } from "../netlink/message.js";
import { NFNLGRP_NFTABLES, NFTA_GEN_ID, NFTA_GEN_PROC_NAME, NFTA_GEN_PROC_PID, NFT_MSG_NEWGEN, nftMsgType } from "../netlink/schemas/nf-tables.js";
import { iterateAttrs } from "../netlink/tlv.js";
import type { FirewallChange, FirewallChangeWatch } from "./contract.js";

/** Long enough to fold one burst of commits into one check, short against the repair itself. */
export const NFT_WATCH_DEBOUNCE_MS = 3;

/**
 * Opens a listening NETLINK_NETFILTER socket in the firewall's netns, bound to the multicast `groups`
 * (a bit mask), e.g. `(o) => handle.openMonitor(NETLINK_NETFILTER, o)` with the osl handle of that
 * netns. Given by the composition root, like the writer's NetfilterOpener.
 */
export type NftMonitorOpener = (options: {
  readonly groups: number;
  readonly onMessage: (msg: RawMessage) => void;
  /** The kernel dropped notifications (ENOBUFS): nothing can be told about what was lost. */
  readonly onOverrun: () => void;
}) => { close(): void };

interface Commit { readonly generation: number; readonly process: string }

/** The NEWGEN notification's generation and committing process ("nft[1234]"), or undefined for other messages. */
export function decodeNewGen(msg: RawMessage): Commit | undefined {
  if (msg.type !== nftMsgType(NFT_MSG_NEWGEN)) return undefined;
  let generation: number | undefined;
  let pid = "";
  let name = "";
  for (const a of iterateAttrs(msg.payload.subarray(4))) {
    if (a.type === NFTA_GEN_ID && a.data.length >= 4) generation = a.data.readUInt32BE(0);
    else if (a.type === NFTA_GEN_PROC_PID && a.data.length >= 4) pid = String(a.data.readUInt32BE(0));
    else if (a.type === NFTA_GEN_PROC_NAME) name = a.data.toString("utf8").replace(/\0.*$/s, "");
  }
  return generation === undefined ? undefined : { generation, process: `${name}[${pid}]` };
}

export interface NftCommitWatchOptions {
  /** Whether the ruleset at `generation` is the backend's own doing (waits for its change in progress). */
  readonly isOwn: (generation: number) => Promise<boolean>;
  readonly onChange: (change: FirewallChange) => void;
  readonly debounceMs?: number;
}

export class NftCommitWatch implements FirewallChangeWatch {
  readonly #monitor: { close(): void };
  readonly #o: NftCommitWatchOptions;
  #ownCommits = 0;
  /** The last commit seen since the last decision, and whether notifications were lost meanwhile. */
  #latest: Commit | undefined;
  #overrun = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  private constructor(open: NftMonitorOpener, o: NftCommitWatchOptions) {
    this.#o = o;
    this.#monitor = open({
      groups: 1 << (NFNLGRP_NFTABLES - 1),
      onMessage: (msg) => {
        const c = decodeNewGen(msg);
        if (c === undefined) return;
        this.#latest = c;
        this.#schedule();
      },
      onOverrun: () => { this.#overrun = true; this.#schedule(); },
    });
  }

  /** Opens the monitor socket; throws when it cannot (the caller then polls). */
  static open(open: NftMonitorOpener, o: NftCommitWatchOptions): NftCommitWatch {
    return new NftCommitWatch(open, o);
  }

  /** Commits recognised as the backend's own (no check was asked for them). */
  get ownCommits(): number {
    return this.#ownCommits;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#monitor.close();
  }

  #schedule(): void {
    // While a decision runs, what arrives meanwhile waits for it (then gets its own timer).
    if (this.#timer !== undefined || this.#running !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#decide().finally(() => {
        this.#running = undefined;
        if (this.#latest !== undefined || this.#overrun) this.#schedule();
      });
    }, this.#o.debounceMs ?? NFT_WATCH_DEBOUNCE_MS);
    this.#timer.unref();
  }

  async #decide(): Promise<void> {
    const commit = this.#latest;
    const overrun = this.#overrun;
    this.#latest = undefined;
    this.#overrun = false;
    if (this.#closed || (commit === undefined && !overrun)) return;
    try {
      if (!overrun && commit !== undefined && await this.#o.isOwn(commit.generation)) { this.#ownCommits++; return; }
    } catch {
      if (this.#closed) return; // the backend closed under us; otherwise unsure: check
    }
    if (this.#closed) return;
    try {
      this.#o.onChange(overrun
        ? { reason: "nftables notifications were lost (the monitor socket overflowed)" }
        : { reason: `nftables commit by ${commit?.process ?? "?"}`, ...(commit === undefined ? {} : { generation: commit.generation }) });
    } catch { /* the listener's failure is its own; the watch goes on */ }
  }
}
