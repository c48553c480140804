// The daemon's connections: a cap (--max-connections, lowered to half the file-descriptor limit so that
// clients alone cannot use every descriptor), a clear 503 beyond it, and sockets released for good once
// such an answer is sent: a client that never closes must not keep the daemon's descriptor.

import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { EpisodeLog } from "./episode-log.js";
import { fdLimit } from "./fd-pressure.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";

export const DEFAULT_MAX_CONNECTIONS = 1024;

/** How long an answer may take to flush before the socket is destroyed anyway (a client that never reads). */
const FLUSH_MS = 1_000;
/** How long a refused connection is kept for the client to read its 503 and close. */
const LINGER_MS = 1_000;

/** Sends `text`, ends the socket and destroys it once flushed, so its descriptor is freed whatever the client does. */
export function endAndRelease(socket: Duplex, text: string): void {
  socket.end(text);
  // Handed to the kernel already: on a unix socket it is in the client's queue, and closing now frees the
  // descriptor at once (a burst of refusals must not itself run the daemon out). TCP would answer the
  // request bytes we never read with a reset, which can cost the client our answer: close it gently.
  if (socket.writableLength === 0 && (socket as Partial<Socket>).remoteAddress === undefined) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), FLUSH_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.once("finish", () => socket.destroy());
}

function refusal(limit: number): string {
  const body = `${JSON.stringify({
    message: `too many connections (limit ${limit}): the daemon refuses new ones until some close; try again shortly`,
    code: "ERR_TOO_MANY_CONNECTIONS", kind: "unavailable",
  })}\n`;
  return `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export class ConnectionGuard {
  /** The cap in force: the requested one, or half the descriptor limit when that is lower. */
  readonly max: number;
  readonly #live = new Set<Socket>();
  /** Refused connections waiting for their client to read the 503; a quarter of the cap at most. */
  readonly #lingering = new Set<Socket>();
  readonly #lingerBudget: number;
  readonly #full: EpisodeLog;
  readonly #metrics: Metrics;
  readonly #refusal: string;

  constructor(requested: number, logger: Logger, metrics: Metrics, limit: number | undefined = fdLimit()) {
    const ceiling = limit === undefined ? requested : Math.max(16, Math.floor(limit / 2));
    this.max = Math.min(requested, ceiling);
    if (this.max < requested) {
      logger.warn(`connections capped at ${this.max}: the file-descriptor limit is ${String(limit)} and half of it stays for namespaces, sockets and processes`, { requested, limit });
    }
    this.#full = new EpisodeLog(logger);
    this.#metrics = metrics;
    this.#refusal = refusal(this.max);
    this.#lingerBudget = Math.max(8, Math.floor(this.max / 4));
  }

  get count(): number {
    return this.#live.size;
  }

  /** Puts the cap in front of `server`'s own connection handling (which then sees only admitted sockets). */
  attach(server: Server): void {
    const inner = server.listeners("connection") as Array<(socket: Socket) => void>;
    for (const l of inner) server.removeListener("connection", l);
    server.on("connection", (socket: Socket) => {
      if (this.#live.size >= this.max) {
        this.#refuse(socket);
        return;
      }
      this.#live.add(socket);
      socket.once("close", () => this.#release(socket));
      for (const l of inner) l.call(server, socket);
    });
  }

  /**
   * Answers 503 and keeps the socket a moment, reading (and dropping) what the client sends: closed at
   * once, its request write would fail (EPIPE) and it would never read the answer. Past the linger budget
   * (a burst of connections) a refused socket is closed at once, or the refusals would use up descriptors.
   */
  #refuse(socket: Socket): void {
    this.#metrics.count("connections_refused");
    this.#full.occur("full", "warn", "connection limit reached: new connections are refused until some close", { limit: this.max });
    socket.on("error", () => { /* the client went away first: nothing to tell it */ });
    if (this.#lingering.size >= this.#lingerBudget) {
      socket.destroy();
      return;
    }
    this.#lingering.add(socket);
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => { clearTimeout(timer); this.#lingering.delete(socket); });
    socket.once("end", () => socket.destroy());
    socket.end(this.#refusal);
    socket.resume();
  }

  #release(socket: Socket): void {
    this.#live.delete(socket);
    // Some slack before saying so, or a client hovering at the limit would log a line per connection.
    if (this.#live.size <= this.max * 0.9) this.#full.end("accepting connections again", { limit: this.max, open: this.#live.size });
  }
}
