// One query/answer exchange with an upstream server over UDP (pooled connected sockets) or TCP (per query).

import dgram from "node:dgram";
import net from "node:net";
import { HEADER_LENGTH } from "./message.js";
import { readName } from "./name.js";

export interface UpstreamTarget {
  readonly ip: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** "ip:port" (or "[ip]:port"), the pool key and what results report. */
  readonly key: string;
}

/** What an answer must repeat: the question, compared case-insensitively (RFC 5452 §9.1). */
export interface QuestionKey {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** Why an exchange gave no answer. */
export type ExchangeFailure = "timeout" | "refused" | "error" | "closed";
export type ExchangeResult = Buffer | ExchangeFailure;

/** The question of a message as a key, or undefined when there is not exactly one readable question. */
export function questionKey(msg: Buffer): QuestionKey | undefined {
  if (msg.length < HEADER_LENGTH || msg.readUInt16BE(4) !== 1) return undefined;
  try {
    const n = readName(msg, HEADER_LENGTH);
    if (n.end + 4 > msg.length) return undefined;
    return { name: n.labels.join(".").toLowerCase(), type: msg.readUInt16BE(n.end), class: msg.readUInt16BE(n.end + 2) };
  } catch {
    return undefined;
  }
}

/** An answer to our query: our id, QR set, and the same question (spoofed or stale answers fail this). */
export function answers(msg: Buffer, id: number, q: QuestionKey): boolean {
  if (msg.length < HEADER_LENGTH || msg.readUInt16BE(0) !== id || ((msg[2] as number) & 0x80) === 0) return false;
  const k = questionKey(msg);
  return k !== undefined && k.name === q.name && k.type === q.type && k.class === q.class;
}

interface Conn {
  readonly socket: dgram.Socket;
  /** dgram treats send(buf, cb) as send(buf, port) until connect() has finished, so sends wait for it. */
  readonly connected: Promise<void>;
}

interface Pending {
  readonly q: QuestionKey;
  readonly socket: dgram.Socket;
  readonly timer: NodeJS.Timeout;
  readonly done: (r: ExchangeResult) => void;
}

/** Connected UDP sockets to one upstream: the kernel then drops datagrams from any other source. */
export class UdpUpstream {
  readonly #target: UpstreamTarget;
  readonly #sockets: Conn[] = [];
  readonly #size: number;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #closed = false;

  constructor(target: UpstreamTarget, sockets: number) {
    this.#target = target;
    this.#size = Math.max(1, sockets);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** True when `id` is free on this upstream (ids must be unique among in-flight queries). */
  idFree(id: number): boolean {
    return !this.#pending.has(id);
  }

  exchange(query: Buffer, id: number, q: QuestionKey, timeoutMs: number): Promise<ExchangeResult> {
    if (this.#closed) return Promise.resolve("closed");
    const { socket, connected } = this.#conn();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#finish(id, "timeout"), timeoutMs);
      this.#pending.set(id, { q, socket, timer, done: resolve });
      void connected.then(() => {
        if (this.#pending.has(id)) socket.send(query, (err) => { if (err) this.#finish(id, "error"); });
      });
    });
  }

  #conn(): Conn {
    if (this.#sockets.length < this.#size) {
      const socket = dgram.createSocket(this.#target.family === 6 ? "udp6" : "udp4");
      socket.on("message", (msg) => this.#onMessage(socket, msg));
      const connected = new Promise<void>((resolve) => socket.connect(this.#target.port, this.#target.ip, resolve));
      const conn = { socket, connected };
      socket.on("error", (err) => this.#onError(conn, err));
      socket.unref();
      this.#sockets.push(conn);
      return conn;
    }
    this.#next = (this.#next + 1) % this.#sockets.length;
    return this.#sockets[this.#next] as Conn;
  }

  #onMessage(socket: dgram.Socket, msg: Buffer): void {
    if (msg.length < HEADER_LENGTH) return;
    const id = msg.readUInt16BE(0);
    const p = this.#pending.get(id);
    // Mismatched answers are ignored, not fatal: the real one may still come before the timeout.
    if (p === undefined || p.socket !== socket || !answers(msg, id, p.q)) return;
    this.#finish(id, msg);
  }

  #finish(id: number, r: ExchangeResult): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    p.done(r);
  }

  /**
   * ICMP port unreachable surfaces as ECONNREFUSED on a connected socket: its queries fail at once (the
   * next server is tried) and the socket stays. Any other error retires the socket from the pool.
   */
  #onError(conn: Conn, err: Error): void {
    const refused = (err as NodeJS.ErrnoException).code === "ECONNREFUSED";
    for (const [id, p] of this.#pending) if (p.socket === conn.socket) this.#finish(id, refused ? "refused" : "error");
    if (refused) return;
    const i = this.#sockets.indexOf(conn);
    if (i >= 0) this.#sockets.splice(i, 1);
    try { conn.socket.close(); } catch { /* already closed */ }
  }

  close(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#finish(id, "closed");
    for (const c of this.#sockets) c.socket.close();
    this.#sockets.length = 0;
  }
}

/** Reads one length-prefixed message (RFC 7766 §8) that answers `id`/`q` from a fresh TCP connection. */
export function tcpExchange(
  target: UpstreamTarget, query: Buffer, id: number, q: QuestionKey, timeoutMs: number, sockets: Set<net.Socket>,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.ip, port: target.port });
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    let settled = false;
    const finish = (r: ExchangeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sockets.delete(socket);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    socket.on("connect", () => {
      const frame = Buffer.allocUnsafe(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      query.copy(frame, 2);
      socket.write(frame);
    });
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        if (answers(msg, id, q)) return finish(Buffer.from(msg));
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => finish(err.code === "ECONNREFUSED" ? "refused" : "error"));
    socket.on("close", () => finish("error"));
  });
}
