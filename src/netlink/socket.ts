// A netlink socket (optionally inside another netns): sequence numbers, ACKs, extended-ACK errors,
// multipart dumps with NLM_F_DUMP_INTR retry, several requests batched into one sendmsg, and framed
// all-or-nothing transactions (nfnetlink batches).

import { NetlinkError, internal } from "../errors/index.js";
import type { NativeAddon, WatchHandle } from "../native/index.js";
import { SOCK_RAW } from "../native/index.js";
import {
  AF_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, NLM_F_ACK,
  NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP,
  NLMSG_OVERRUN, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF,
} from "./constants.js";
import { decodeError, decodeMessages, encodeMessage, type RawMessage } from "./message.js";
import {
  INTERRUPTED, type Framing, type NetlinkFrame, type NetlinkRequest, type NetlinkSocketOptions, type Outcome, type Pending,
  type Prepared, type Sent,
} from "./socket-types.js";

export type { NetlinkFrame, NetlinkRequest, NetlinkSocketOptions } from "./socket-types.js";

const DUMP_INTR_RETRIES = 5;

export class NetlinkSocket {
  readonly #native: NativeAddon;
  readonly #fd: number;
  readonly #pending = new Map<number, Pending>();
  #seq: number;
  #watch: WatchHandle | undefined;
  #closed = false;
  /** Sends in flight on thread-pool threads. */
  #offThread = 0;

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
    const results = await Promise.all(this.#send(requests).promises);
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

  /**
   * Sends `requests` between the frames `begin` and `end` in one sendmsg: an nfnetlink batch, which the
   * kernel applies all or nothing, answering the requests only after processing the whole batch. A
   * refused request aborts the batch (the others are still ACKed, though nothing was applied). A failure
   * of the batch itself (EPERM, subsystem missing, a failed commit) is reported against `begin`, and
   * then the requests may get no answer at all, so that error alone settles the transaction.
   * Resolves with each request's replies; throws the first refusal as a NetlinkError.
   */
  async transaction(begin: NetlinkFrame, requests: readonly NetlinkRequest[], end: NetlinkFrame, describe = "batch"): Promise<RawMessage[][]> {
    if (this.#closed) throw internal("ERR_NETLINK_CLOSED", "netlink socket is closed");
    let failed: NetlinkError | undefined;
    let abort = (): void => {};
    const aborted = new Promise<void>((resolve) => { abort = resolve; });
    const onAnswer = (result: RawMessage[] | NetlinkError): void => {
      if (result instanceof NetlinkError) { failed = result; abort(); }
    };
    const sent = this.#send(requests, { begin, end, describe, onAnswer });
    const all = Promise.all(sent.promises);
    // The kernel reports a batch error before the requests' answers, so `failed` is set by the time `all` settles.
    await Promise.race([aborted, all]);
    this.#forget(sent.seqs);
    if (failed !== undefined) throw failed;
    const results = (await all) as Array<RawMessage[] | NetlinkError>;
    // The first refusal is the cause; later ones are often its consequences (the same missing table).
    const error = results.find((r): r is NetlinkError => r instanceof NetlinkError);
    if (error !== undefined) throw error;
    return results as RawMessage[][];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#watch !== undefined) this.#native.unwatch(this.#watch);
    this.#watch = undefined;
    if (this.#offThread === 0) this.#native.close(this.#fd); // else when the last off-thread send is back
    // EBADF: the socket went away under the request.
    for (const p of this.#pending.values()) p.settle(new NetlinkError(9, p.request.describe, "netlink socket closed"));
    this.#pending.clear();
  }

  #send(requests: readonly NetlinkRequest[], framing?: Framing): Sent {
    const { data, sent, failed } = this.#prepare(requests, framing);
    if (framing === undefined && requests[0]?.offThread === true) {
      this.#offThread++;
      this.#native.sendAsync(this.#fd, data, (err) => {
        if (!this.#offThreadDone()) return;
        if (err !== null) failed(err); else this.#sent();
      });
      return sent;
    }
    try {
      this.#native.send(this.#fd, data);
    } catch (err) {
      failed(err);
      return sent;
    }
    this.#sent();
    return sent;
  }

  /** Frames `requests` (between framing's begin and end) and registers what waits for their answers. */
  #prepare(requests: readonly NetlinkRequest[], framing?: Framing): Prepared {
    const frames: Buffer[] = [];
    const seqs: number[] = [];
    const frame = (type: number, flags: number, payload: Uint8Array): number => {
      const seq = this.#nextSeq();
      frames.push(encodeMessage({ type, flags, seq, pid: 0 }, payload));
      return seq;
    };
    if (framing !== undefined) {
      const { begin, describe, onAnswer } = framing;
      const seq = frame(begin.type, NLM_F_REQUEST, begin.payload);
      seqs.push(seq);
      this.#pending.set(seq, { request: { ...begin, describe }, replies: [], interrupted: false, settle: onAnswer });
    }
    const promises = requests.map((request) => {
      const flags = NLM_F_REQUEST | NLM_F_ACK | (request.dump === true ? NLM_F_DUMP : 0) | (request.flags ?? 0);
      const seq = frame(request.type, flags, request.payload);
      seqs.push(seq);
      return new Promise<Outcome>((resolve) => {
        const pending: Pending = {
          request, replies: [], interrupted: false,
          settle: (result) => resolve(pending.interrupted && !(result instanceof NetlinkError) ? INTERRUPTED : result),
        };
        this.#pending.set(seq, pending);
      });
    });
    if (framing !== undefined) frame(framing.end.type, NLM_F_REQUEST, framing.end.payload);
    const data = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
    const failed = (err: unknown): void => {
      // Only these requests failed to go out; others in flight are unaffected.
      for (const seq of seqs) {
        const p = this.#pending.get(seq);
        this.#pending.delete(seq);
        p?.settle(new NetlinkError(-((err as { errno?: number }).errno ?? -5), p.request.describe));
      }
    };
    return { data, sent: { promises, seqs }, failed };
  }

  /** rtnetlink and nfnetlink answer inside sendmsg, so the replies are usually queued already. */
  #sent(): void {
    this.#pump();
    if (this.#pending.size > 0) this.#ensureWatching();
  }

  /** An off-thread send is back; false when the socket was closed meanwhile (close() settled everything). */
  #offThreadDone(): boolean {
    // The fd stays open while a thread may still send on it (a closed number could be reused).
    if (--this.#offThread === 0 && this.#closed) this.#native.close(this.#fd);
    return !this.#closed;
  }

  /** Stops waiting for answers to `seqs` (a late one is then ignored like any unknown sequence number). */
  #forget(seqs: readonly number[]): void {
    for (const seq of seqs) this.#pending.delete(seq);
    if (this.#pending.size === 0 && this.#watch !== undefined) {
      this.#native.unwatch(this.#watch);
      this.#watch = undefined;
    }
  }

  async #retryInterrupted(request: NetlinkRequest | undefined, result: Outcome): Promise<RawMessage[] | NetlinkError> {
    let current = result;
    for (let attempt = 0; current === INTERRUPTED && request !== undefined; attempt++) {
      if (attempt >= DUMP_INTR_RETRIES) {
        return new NetlinkError(11, request.describe, "dump kept being interrupted by concurrent changes");
      }
      const [again] = this.#send([request]).promises;
      current = await (again as Promise<Outcome>);
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
