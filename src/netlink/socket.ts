// A netlink socket (optionally inside another netns): sequence numbers, ACKs, extended-ACK errors,
// multipart dumps with NLM_F_DUMP_INTR retry, and several requests batched into one sendmsg.

import { NetlinkError, internal } from "../errors/index.js";
import type { NativeAddon, WatchHandle } from "../native/index.js";
import { SOCK_RAW } from "../native/index.js";
import {
  AF_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, NLM_F_ACK,
  NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP,
  NLMSG_OVERRUN, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF,
} from "./constants.js";
import { decodeError, decodeMessages, encodeMessage, type RawMessage } from "./message.js";

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
}

export interface NetlinkSocketOptions {
  readonly protocol?: number;
  /** An open netns fd; omitted: the caller's netns. */
  readonly nsFd?: number;
  readonly receiveBufferBytes?: number;
}

interface Pending {
  readonly request: NetlinkRequest;
  readonly replies: RawMessage[];
  interrupted: boolean;
  readonly settle: (result: RawMessage[] | NetlinkError) => void;
}

const DUMP_INTR_RETRIES = 5;

export class NetlinkSocket {
  readonly #native: NativeAddon;
  readonly #fd: number;
  readonly #pending = new Map<number, Pending>();
  #seq: number;
  #watch: WatchHandle | undefined;
  #closed = false;

  private constructor(native: NativeAddon, fd: number) {
    this.#native = native;
    this.#fd = fd;
    this.#seq = Math.floor(Math.random() * 0x7fffffff);
  }

  static open(native: NativeAddon, options: NetlinkSocketOptions = {}): NetlinkSocket {
    const protocol = options.protocol ?? NETLINK_ROUTE;
    const fd = native.socketAt(options.nsFd ?? -1, AF_NETLINK, SOCK_RAW, protocol);
    try {
      const rcv = options.receiveBufferBytes ?? 1 << 20;
      native.setsockoptInt(fd, SOL_SOCKET, SO_SNDBUF, 1 << 20);
      try { native.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcv); } catch { native.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, rcv); }
      native.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      native.setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
      if (protocol === NETLINK_ROUTE) native.setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0);
      native.bind(fd, addr);
    } catch (err) {
      native.close(fd);
      throw err;
    }
    return new NetlinkSocket(native, fd);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one request; resolves with its reply messages (empty for a plain ACK). */
  async request(request: NetlinkRequest): Promise<RawMessage[]> {
    const [result] = await this.batch([request]);
    if (result instanceof NetlinkError) throw result;
    return result ?? [];
  }

  /**
   * Sends several requests in one sendmsg. The kernel handles each independently, so the result holds,
   * per request, its replies or its error; nothing is thrown for a kernel refusal.
   */
  async batch(requests: readonly NetlinkRequest[]): Promise<Array<RawMessage[] | NetlinkError>> {
    if (this.#closed) throw internal("ERR_NETLINK_CLOSED", "netlink socket is closed");
    const results = await Promise.all(this.#send(requests));
    const retried = await Promise.all(results.map((r, i) => this.#retryInterrupted(requests[i], r)));
    return retried;
  }

  /** Like batch, but throws the first error (with the others attached) if any request failed. */
  async batchOrThrow(requests: readonly NetlinkRequest[]): Promise<RawMessage[][]> {
    const results = await this.batch(requests);
    const errors = results.filter((r): r is NetlinkError => r instanceof NetlinkError);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors[0]?.message);
    return results as RawMessage[][];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#watch !== undefined) this.#native.unwatch(this.#watch);
    this.#watch = undefined;
    this.#native.close(this.#fd);
    // EBADF: the socket went away under the request.
    for (const p of this.#pending.values()) p.settle(new NetlinkError(9, p.request.describe, "netlink socket closed"));
    this.#pending.clear();
  }

  #send(requests: readonly NetlinkRequest[]): Array<Promise<RawMessage[] | NetlinkError | Interrupted>> {
    const promises: Array<Promise<RawMessage[] | NetlinkError | Interrupted>> = [];
    const frames: Buffer[] = [];
    const seqs: number[] = [];
    for (const request of requests) {
      const seq = this.#nextSeq();
      seqs.push(seq);
      const flags = NLM_F_REQUEST | NLM_F_ACK | (request.dump === true ? NLM_F_DUMP : 0) | (request.flags ?? 0);
      frames.push(encodeMessage({ type: request.type, flags, seq, pid: 0 }, request.payload));
      promises.push(new Promise((resolve) => {
        const pending: Pending = {
          request, replies: [], interrupted: false,
          settle: (result) => resolve(pending.interrupted && !(result instanceof NetlinkError) ? INTERRUPTED : result),
        };
        this.#pending.set(seq, pending);
      }));
    }
    try {
      this.#native.send(this.#fd, frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
    } catch (err) {
      // Only this batch failed to go out; other requests in flight are unaffected.
      for (const seq of seqs) {
        const p = this.#pending.get(seq);
        this.#pending.delete(seq);
        p?.settle(new NetlinkError(-((err as { errno?: number }).errno ?? -5), p.request.describe));
      }
      return promises;
    }
    // rtnetlink and nfnetlink answer inside sendmsg, so the replies are usually queued already.
    this.#pump();
    if (this.#pending.size > 0) this.#ensureWatching();
    return promises;
  }

  async #retryInterrupted(request: NetlinkRequest | undefined, result: RawMessage[] | NetlinkError | Interrupted): Promise<RawMessage[] | NetlinkError> {
    let current = result;
    for (let attempt = 0; current === INTERRUPTED && request !== undefined; attempt++) {
      if (attempt >= DUMP_INTR_RETRIES) {
        return new NetlinkError(11, request.describe, "dump kept being interrupted by concurrent changes");
      }
      const [again] = this.#send([request]);
      current = await (again as Promise<RawMessage[] | NetlinkError | Interrupted>);
    }
    return current as RawMessage[] | NetlinkError;
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    if (this.#seq === 0) this.#seq = 1;
    return this.#seq;
  }

  #ensureWatching(): void {
    if (this.#watch !== undefined || this.#closed) return;
    this.#watch = this.#native.watch(this.#fd, () => {
      this.#pump();
      if (this.#pending.size === 0 && this.#watch !== undefined) {
        this.#native.unwatch(this.#watch);
        this.#watch = undefined;
      }
    });
  }

  #pump(): void {
    for (;;) {
      let data: Buffer | null;
      try {
        data = this.#native.recv(this.#fd);
      } catch (err) {
        this.#failAll(err);
        return;
      }
      if (data === null) return;
      for (const msg of decodeMessages(data)) this.#dispatch(msg);
    }
  }

  #failAll(err: unknown): void {
    const errno = -((err as { errno?: number }).errno ?? -5);
    for (const p of this.#pending.values()) p.settle(new NetlinkError(errno, p.request.describe, "receive failed"));
    this.#pending.clear();
  }

  #dispatch(msg: RawMessage): void {
    const pending = this.#pending.get(msg.seq);
    if (pending === undefined) return; // a late answer to a request we gave up on, or a notification
    if ((msg.flags & NLM_F_DUMP_INTR) !== 0) pending.interrupted = true;
    if (msg.type === NLMSG_NOOP || msg.type === NLMSG_OVERRUN) return;
    if (msg.type === NLMSG_ERROR) {
      const info = decodeError(msg);
      this.#pending.delete(msg.seq);
      pending.settle(info.errno === 0 ? pending.replies : new NetlinkError(info.errno, pending.request.describe, info.extack));
      return;
    }
    if (msg.type === NLMSG_DONE) {
      this.#pending.delete(msg.seq);
      const status = msg.payload.length >= 4 ? msg.payload.readInt32LE(0) : 0;
      pending.settle(status < 0 ? new NetlinkError(-status, pending.request.describe) : pending.replies);
      return;
    }
    // Dump parts (NLM_F_MULTI) end with NLMSG_DONE; a single reply is followed by its ACK.
    pending.replies.push(msg);
  }
}

const INTERRUPTED = Symbol("dump interrupted");
type Interrupted = typeof INTERRUPTED;
