// The requests a NetlinkSocket sends and what it keeps while their answers are due.

import type { NetlinkError } from "../errors/index.js";
import type { RawMessage } from "./message.js";

export interface NetlinkRequest {
  readonly type: number;
  /** Extra flags (NLM_F_CREATE, NLM_F_EXCL …). NLM_F_REQUEST and NLM_F_ACK are always added. */
  readonly flags?: number;
  /** Family header + attributes, as built by the codec. */
  readonly payload: Uint8Array;
  /** Set for GET requests that dump (adds NLM_F_DUMP; the answer is every message until NLMSG_DONE). */
  readonly dump?: boolean;
  /** What this request does, for error messages: "RTM_NEWLINK veth0". */
  readonly describe: string;
  /**
   * Send from a thread-pool thread (honoured on the first request of a batch, for the whole batch): the
   * kernel work inside sendmsg (~0.5 ms for a veth pair) then overlaps with whatever the JS thread does
   * until the answer is awaited. No ordering against other requests sent meanwhile on this socket.
   */
  readonly offThread?: boolean;
}

/** A message that frames others (nfnetlink's batch begin and end): sent without NLM_F_ACK. */
export interface NetlinkFrame {
  readonly type: number;
  readonly payload: Uint8Array;
}

export interface Framing {
  readonly begin: NetlinkFrame;
  readonly end: NetlinkFrame;
  readonly describe: string;
  /** Called with the only answer `begin` gets: an error about the whole batch. */
  readonly onAnswer: (result: RawMessage[] | NetlinkError) => void;
}

export type Outcome = RawMessage[] | NetlinkError | Interrupted;

export interface Sent {
  readonly promises: Array<Promise<Outcome>>;
  /** Every sequence number that has a pending entry (the begin frame's included). */
  readonly seqs: readonly number[];
}

export interface Prepared {
  readonly data: Buffer;
  readonly sent: Sent;
  /** Settles every request of these with the error of a send that did not go out. */
  readonly failed: (err: unknown) => void;
}

export interface NetlinkSocketOptions {
  readonly protocol?: number;
  /** An open netns fd; omitted: the caller's netns. */
  readonly nsFd?: number;
  readonly receiveBufferBytes?: number;
}

export interface Pending {
  readonly request: NetlinkRequest;
  readonly replies: RawMessage[];
  interrupted: boolean;
  readonly settle: (result: RawMessage[] | NetlinkError) => void;
}

/** What a dump's answer settles to when the kernel flagged it NLM_F_DUMP_INTR (the caller asks again). */
export const INTERRUPTED = Symbol("dump interrupted");
export type Interrupted = typeof INTERRUPTED;
