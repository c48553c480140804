// The HTTP layer of the daemon: routing (any `/vX.Y` prefix, or none), request bodies with a size limit,
// JSON parsing, timeouts against slow clients, error encoding ({"message"} with the status of the kind),
// request metrics and access logs. Route tables live in docker-routes.ts and native-routes.ts.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { API_VERSION, MAX_BODY_BYTES } from "../api/dto.js";
import { errorResponse } from "../api/errors.js";
import { LibnetworkError, invalidArgument, unavailable } from "../errors/index.js";
import { endAndRelease, type ConnectionGuard } from "./connection-guard.js";
import { errorFields } from "./error-info.js";
import type { FdPressure } from "./fd-pressure.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** The parsed JSON body; `undefined` when there is none. */
  readonly body: unknown;
  /** The Engine API version the request path names (`/v1.44/…`); without one, the daemon's own (Docker's rule). */
  readonly apiVersion: string;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A handler returns a reply, or `undefined` when it wrote (or streams) the response itself. */
export type Handler = (ctx: RouteContext) => Promise<Reply | undefined> | Reply | undefined;

export interface Route {
  readonly method: "GET" | "HEAD" | "POST" | "DELETE";
  /** Path without version prefix; `{id}` segments capture one path segment. */
  readonly path: string;
  readonly handler: Handler;
}

interface CompiledRoute extends Route { readonly re: RegExp }

const VERSION_PREFIX = /^\/v(\d+(?:\.\d+)?)(?=\/)/;

/** True when API version `v` is at least `min` ("1.44" ≥ "1.41"; numeric per part). */
export function apiVersionAtLeast(v: string, min: string): boolean {
  const [a = 0, b = 0] = v.split(".").map(Number);
  const [c = 0, d = 0] = min.split(".").map(Number);
  return a !== c ? a > c : b >= d;
}

export class HttpError extends LibnetworkError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(status === 404 ? "not-found" : "invalid-argument", `ERR_HTTP_${status}`, message);
    this.status = status;
  }
}

export class Router {
  readonly #routes: CompiledRoute[] = [];

  add(routes: readonly Route[]): this {
    for (const r of routes) {
      const pattern = r.path.split("/").map((seg) => (seg.startsWith("{") ? "([^/]+)" : seg.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))).join("/");
      this.#routes.push({ ...r, re: new RegExp(`^${pattern}/?$`) });
    }
    return this;
  }

  match(method: string, path: string): { route: CompiledRoute; params: string[] } | "method" | undefined {
    let pathMatched = false;
    for (const r of this.#routes) {
      const m = r.re.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (r.method === method || (method === "HEAD" && r.method === "GET" && !this.#routes.some((x) => x.method === "HEAD" && x.re.test(path)))) {
        try {
          return { route: r, params: m.slice(1).map((p) => decodeURIComponent(p)) };
        } catch {
          return undefined;
        }
      }
    }
    return pathMatched ? "method" : undefined;
  }
}

export interface HttpOptions {
  readonly router: Router;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The connection cap, shared by every server of the daemon. */
  readonly connections: ConnectionGuard;
  /** Where running out of file descriptors is reported, and whether changes are refused for it. */
  readonly fd: FdPressure;
  readonly maxBodyBytes?: number;
  /** Whole request (headers + body) must arrive within this; default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `request body too large (limit ${limit} bytes)`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `request body too large (limit ${limit} bytes)`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => { if (!failed) resolve(Buffer.concat(chunks)); });
    req.on("error", (err) => { if (!failed) { failed = true; reject(err); } });
  });
}

function parseJson(buf: Buffer, contentType: string | undefined): unknown {
  if (buf.length === 0) return undefined;
  // As dockerd: the media type application/json (parameters such as charset allowed), or none.
  if (contentType !== undefined && contentType.trim() !== "" && !/^\s*application\/json\s*(;|$)/i.test(contentType)) {
    throw invalidArgument("ERR_INVALID_CONTENT_TYPE", `unsupported Content-Type header (${contentType}): must be 'application/json'`);
  }
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (err) {
    throw invalidArgument("ERR_INVALID_JSON", `invalid JSON: ${(err as Error).message}`);
  }
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) { res.end(); return; }
  const headers: Record<string, string | number> = { "api-version": API_VERSION, ...reply.headers };
  let payload: string | undefined;
  if (reply.text !== undefined) payload = reply.text;
  else if (reply.body !== undefined) {
    payload = `${JSON.stringify(reply.body)}\n`;
    headers["content-type"] = "application/json";
  }
  if (payload !== undefined) headers["content-length"] = Buffer.byteLength(payload);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Not a server error: the client closed its connection before sending its whole request. */
const CLIENT_CLOSED = 499;

function isClientAbort(err: unknown, req: IncomingMessage): boolean {
  return req.destroyed && (err as { code?: unknown }).code === "ECONNRESET";
}

/** What a failure becomes: a lack of file descriptors is said as such (503), whatever step hit it. */
function failureOf(o: HttpOptions, err: unknown): { status: number; body: ReturnType<typeof errorResponse>["body"] } {
  const e = errorResponse(err);
  if (o.fd.note(err, "request")) {
    return errorResponse(unavailable("ERR_OUT_OF_FILE_DESCRIPTORS", `${e.body.message}: the daemon ran out of file descriptors; try again when clients have closed connections`, err));
  }
  return { status: err instanceof HttpError ? err.status : e.status, body: e.body };
}

function fail(o: HttpOptions, req: IncomingMessage, res: ServerResponse, err: unknown): number {
  const path = req.url?.slice(0, 200);
  if (isClientAbort(err, req)) {
    o.logger.debug("client closed the connection mid-request", { method: req.method, path });
    return CLIENT_CLOSED;
  }
  const { status, body } = failureOf(o, err);
  // Refusals for want of descriptors are said once, by FdPressure, not once per request.
  const quiet = status < 500 || body.code === "ERR_OUT_OF_FILE_DESCRIPTORS";
  o.logger.log(quiet ? "debug" : "error", "request failed", { method: req.method, path, status, error: body.message.slice(0, 500), code: body.code });
  send(res, { status, body: { message: body.message, ...(body.code === undefined ? {} : { code: body.code }), ...(body.kind === undefined ? {} : { kind: body.kind }) } });
  return status;
}

async function handle(o: HttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t0 = process.hrtime.bigint();
  let routeName = "unmatched";
  let status = 500;
  try {
    const url = new URL(req.url ?? "/", "http://dnet");
    const path = url.pathname.replace(VERSION_PREFIX, "");
    const apiVersion = VERSION_PREFIX.exec(url.pathname)?.[1] ?? API_VERSION;
    const found = o.router.match(req.method ?? "", path);
    if (typeof found === "object") routeName = `${found.route.method} ${found.route.path}`;
    let body: unknown;
    try {
      body = parseJson(await readBody(req, o.maxBodyBytes ?? MAX_BODY_BYTES), req.headers["content-type"]);
    } catch (err) {
      if (err instanceof HttpError && err.status === 413) res.setHeader("connection", "close");
      throw err;
    }
    if (found === undefined) throw new HttpError(404, "page not found");
    if (found === "method") throw new HttpError(405, `method ${req.method ?? ""} not allowed`);
    // A change started without descriptors would fail halfway and need them for its undo.
    if (o.fd.exhausted && req.method !== "GET" && req.method !== "HEAD") throw o.fd.refusal();
    const reply = await found.route.handler({ req, res, params: found.params, query: url.searchParams, body, apiVersion });
    status = reply?.status ?? res.statusCode;
    if (reply !== undefined) send(res, req.method === "HEAD" ? { ...reply, text: "" } : reply);
  } catch (err) {
    status = fail(o, req, res, err);
  } finally {
    o.metrics.request(routeName, req.method ?? "", status);
    o.logger.debug("request", { method: req.method, path: req.url?.slice(0, 200), status, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  }
}

export function createApiServer(o: HttpOptions): Server {
  const requestTimeout = o.requestTimeoutMs ?? 30_000;
  const server = createServer({
    requestTimeout, headersTimeout: Math.min(o.headersTimeoutMs ?? 10_000, requestTimeout), keepAliveTimeout: 5_000,
    // How often Node looks for requests past their deadline (default 30 s, too coarse for short timeouts).
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeout / 2))),
  }, (req, res) => {
    handle(o, req, res).catch((err: unknown) => {
      o.logger.error("unhandled request failure", errorFields(err));
      res.destroy();
    });
  });
  o.connections.attach(server);
  // Malformed request lines and headers, slow clients: answer and close, as Node would, but never crash,
  // and release the socket even if the client never closes its side.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    o.metrics.request("malformed", "", 400);
    if (socket.writable && err.code !== "ECONNRESET") {
      const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
      endAndRelease(socket, `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    } else socket.destroy();
  });
  // Once listening, an error is an accept that failed (EMFILE when descriptors run out): the server goes
  // on listening, so it is reported, never thrown (an 'error' without a listener would end the process).
  server.once("listening", () => {
    server.on("error", (err) => {
      if (!o.fd.note(err, "accept")) o.logger.error("accepting a connection failed", errorFields(err));
    });
  });
  return server;
}
