// Commits to the nftables ruleset that are not the backend's own, noticed as they happen: nf_tables
// announces each commit (NFT_MSG_NEWGEN: the new generation and the committing process) on the
// NFNLGRP_NFTABLES multicast group of NETLINK_NETFILTER. A burst (a script's several commits) is one
// call, a few ms after its last commit; a commit whose generation the backend verified as its own
// (own-generation.ts) is counted and ignored. Polling took ≈ 0.7 s to notice `nft flush ruleset`.
// The commit's object notices name the tables it touched: when a foreign one touched ours, the watch
// has them rewritten at once (atomic, idempotent), skipping the drift listings (≈ 30–90 ms of `nft`
// processes) that would only confirm what the notices already say; the check that follows confirms.

import type { RawMessage } from "../netlink/message.js";
import {
  NFNLGRP_NFTABLES, NFNL_SUBSYS_NFTABLES, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFTA_GEN_ID, NFTA_GEN_PROC_NAME,
  NFTA_GEN_PROC_PID, NFT_MSG_NEWGEN, nftMsgType,
} from "../netlink/schemas/nf-tables.js";
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

/** nf_tables messages about a table or what it holds (NEW/DEL of table, chain, rule, set, element); each names its table in attribute 1. */
const OBJECT_NOTICES: ReadonlySet<number> = new Set([0, 2, 3, 5, 6, 8, 9, 11, 12, 14]);
const FAMILIES: ReadonlyMap<number, string> = new Map([[NFPROTO_INET, "inet"], [NFPROTO_IPV4, "ip"], [NFPROTO_IPV6, "ip6"], [NFPROTO_BRIDGE, "bridge"]]);

/** The table ("inet dnet") an object notice is about, or undefined for other messages. */
export function decodeTouchedTable(msg: RawMessage): string | undefined {
  if (msg.type >> 8 !== NFNL_SUBSYS_NFTABLES || !OBJECT_NOTICES.has(msg.type & 0xff) || msg.payload.length < 4) return undefined;
  const family = FAMILIES.get(msg.payload.readUInt8(0)) ?? `family${msg.payload.readUInt8(0)}`;
  for (const a of iterateAttrs(msg.payload.subarray(4))) {
    if (a.type === 1) return `${family} ${a.data.toString("utf8").replace(/\0.*$/s, "")}`;
  }
  return undefined;
}

export interface NftCommitWatchOptions {
  /** Whether the ruleset at `generation` is the backend's own doing (waits for its change in progress). */
  readonly isOwn: (generation: number) => Promise<boolean>;
  readonly onChange: (change: FirewallChange) => void;
  readonly debounceMs?: number;
  /**
   * Our tables ("inet dnet") and how to rewrite them: a foreign commit that touched one is repaired by
   * `rewrite` before onChange is called (the change then says so). Absent: every change is only reported.
   */
  readonly repair?: { readonly tables: readonly string[]; readonly rewrite: () => Promise<void> };
}

export class NftCommitWatch implements FirewallChangeWatch {
  readonly #monitor: { close(): void };
  readonly #o: NftCommitWatchOptions;
  #ownCommits = 0;
  /** The last commit seen since the last decision, and whether notifications were lost meanwhile. */
  #latest: Commit | undefined;
  /** Tables the commits since the last decision touched ("inet dnet"). */
  #touched = new Set<string>();
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
        if (c === undefined) { const t = decodeTouchedTable(msg); if (t !== undefined) this.#touched.add(t); return; }
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
    const touched = this.#touched;
    this.#latest = undefined;
    this.#overrun = false;
    this.#touched = new Set();
    if (this.#closed || (commit === undefined && !overrun)) return;
    try {
      if (!overrun && commit !== undefined && await this.#o.isOwn(commit.generation)) { this.#ownCommits++; return; }
    } catch {
      if (this.#closed) return; // the backend closed under us; otherwise unsure: check
    }
    if (this.#closed) return;
    const rewritten = !overrun && await this.#rewriteIfOurs(touched);
    if (this.#closed) return;
    try {
      this.#o.onChange(overrun
        ? { reason: "nftables notifications were lost (the monitor socket overflowed)" }
        : { reason: `nftables commit by ${commit?.process ?? "?"}`, ...(commit === undefined ? {} : { generation: commit.generation }), ...(rewritten ? { rewritten } : {}) });
    } catch { /* the listener's failure is its own; the watch goes on */ }
  }

  /** True when a foreign commit touched one of our tables and the rewrite worked (a failure leaves it to the check). */
  async #rewriteIfOurs(touched: ReadonlySet<string>): Promise<boolean> {
    const repair = this.#o.repair;
    if (repair === undefined || !repair.tables.some((t) => touched.has(t))) return false;
    return repair.rewrite().then(() => true, () => false);
  }
}
