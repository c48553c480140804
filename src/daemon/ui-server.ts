// `dnet daemon --ui HOST:PORT`: a read-only web page on its own TCP listener inside the daemon. GET only
// (no route of it changes anything), the page, its state, the topology SVG, and the daemon's events relayed
// as server-sent events. Its streams end as soon as the daemon closes the listener.

import { Server, type IncomingMessage, type ServerResponse } from "node:http";
import { errorFields } from "./error-info.js";
import type { ConnectionGuard } from "./connection-guard.js";
import type { Logger } from "./logging.js";
import { hostHeaderAllowed, type UiAddress } from "./ui-address.js";
import { uiPage } from "./ui-page.js";
import { uiState, type UiSource } from "./ui-state.js";

/** Event streams served at once (each is an open page); more get a 503. */
export const MAX_UI_STREAMS = 32;
/** Bytes queued for one page that stopped reading before its stream is cut (the page reconnects). */
const STREAM_BUFFER_BYTES = 256 * 1024;
/** A comment line now and then, so a page notices a dead connection and proxies keep it open. */
const KEEPALIVE_MS = 15_000;

const COMMON_HEADERS = {
  "cache-control": "no-store", "x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer",
} as const;

export interface UiServerOptions {
  readonly address: UiAddress;
  readonly source: UiSource;
  readonly logger: Logger;
  /** The daemon's connection cap: the page's connections count against it like the API's. */
  readonly connections?: ConnectionGuard;
}

function reply(res: ServerResponse, status: number, type: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The page's HTTP server; `close()` also ends its event streams (a page reconnects, or says it is down). */
export class UiServer extends Server {
  readonly #streams = new Set<() => void>();
  readonly #o: UiServerOptions;
  readonly #page = uiPage();

  constructor(o: UiServerOptions) {
    super({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 });
    this.#o = o;
    this.on("request", (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res));
    this.on("clientError", (_err, socket) => socket.destroy());
    o.connections?.attach(this);
  }

  override close(callback?: (err?: Error) => void): this {
    for (const end of [...this.#streams]) end();
    return super.close(callback);
  }

  get streams(): number {
    return this.#streams.size;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const text = "text/plain; charset=utf-8";
    if (req.method !== "GET" && req.method !== "HEAD") {
      reply(res, 405, text, `method ${req.method ?? ""} not allowed: this page is read-only\n`, { allow: "GET, HEAD" });
      return;
    }
    if (!hostHeaderAllowed(this.#o.address, req.headers.host)) {
      reply(res, 403, text, "this page answers only requests addressed to a loopback host (127.0.0.1, [::1], localhost)\n");
      return;
    }
    const path = new URL(req.url ?? "/", "http://ui").pathname;
    try {
      if (path === "/") reply(res, 200, "text/html; charset=utf-8", this.#page.html, { "content-security-policy": this.#page.csp });
      else if (path === "/state") reply(res, 200, "application/json", `${JSON.stringify(uiState(this.#o.source))}\n`);
      else if (path === "/topology.svg") reply(res, 200, "image/svg+xml", `<?xml version="1.0" encoding="UTF-8"?>\n${uiState(this.#o.source).svg}`, { "content-security-policy": "default-src 'none'" });
      else if (path === "/events" && req.method === "HEAD") reply(res, 200, "text/event-stream; charset=utf-8", "");
      else if (path === "/events") this.#stream(req, res);
      else reply(res, 404, text, "not found\n");
    } catch (err) {
      this.#o.logger.error("ui: request failed", { path, ...errorFields(err) });
      if (!res.headersSent) reply(res, 500, text, "the daemon could not answer; see its log\n");
      else res.destroy();
    }
  }

  /** The daemon's events as server-sent events, one `data:` line of Docker's event JSON each. */
  #stream(req: IncomingMessage, res: ServerResponse): void {
    if (this.#streams.size >= MAX_UI_STREAMS) {
      reply(res, 503, "text/plain; charset=utf-8", `too many open pages (${MAX_UI_STREAMS})\n`, { "retry-after": "10" });
      return;
    }
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      off();
      clearInterval(keepalive);
      this.#streams.delete(end);
      res.end();
    };
    // Subscribed before the headers go out: whatever happens after the page sees the stream open reaches it.
    const off = this.#o.source.subscribe((e) => {
      if (res.writableLength > STREAM_BUFFER_BYTES) {
        this.#o.logger.warn("ui: event stream cut: the page stopped reading", { queued: res.writableLength });
        end();
        return;
      }
      res.write(`data: ${JSON.stringify(e)}\n\n`);
    });
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
    this.#streams.add(end);
    req.on("close", end);
    res.on("close", end);
    res.writeHead(200, { ...COMMON_HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
    res.write("retry: 2000\n\n");
  }
}

/** Starts the page's listener; resolves once it listens (and logs where). */
export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const server = new UiServer(o);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: o.address.host, port: o.address.port }, () => { server.off("error", reject); resolve(); });
  });
  const bound = server.address();
  const where = typeof bound === "object" && bound !== null ? `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}` : String(bound);
  o.logger.info("ui: serving the read-only page", { url: `http://${where}/` });
  if (!o.address.loopback) o.logger.warn("ui: the page is served beyond loopback: anyone who reaches it sees this host's networks", { addr: where });
  // Once listening, an error is a failed accept (EMFILE): logged, never thrown.
  server.on("error", (err) => o.logger.error("ui: accepting a connection failed", errorFields(err)));
  return server;
}
