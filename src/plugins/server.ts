// dnet's plugin server: Docker's plugin protocol on a unix socket (`Plugin.Activate`, then
// `POST /<Interface>.<Method>` with JSON), answering with the services it is given. Errors of a call are
// answered as the protocol says: 200 with `{"Err"}` (network) or `{"Error"}` (IPAM), plus `Kind` and
// `Code` for clients that keep them (dnet's); a request it cannot read gets a 400, an unknown method a 404.

import { connect } from "node:net";
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname } from "node:path";
import { isLibnetworkError } from "../errors/index.js";
import { PluginInterfaces, type PluginInterface } from "./client.js";
import { PluginError, PluginErrorCodes } from "./errors.js";
import type { Handler } from "./serve-network.js";
import { PLUGIN_MEDIA_TYPE, pluginMediaVersion } from "./transport.js";

const MAX_REQUEST_BYTES = 1 << 20;

export interface ServedInterface {
  readonly iface: PluginInterface;
  readonly handlers: Readonly<Record<string, Handler>>;
}

export interface PluginServerOptions {
  readonly name: string;
  readonly socketPath: string;
  readonly services: readonly ServedInterface[];
}

/** Refuses to take the socket of a live server; removes a stale one (a server that was killed). */
async function claimSocket(name: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
  if (alive) throw new PluginError("conflict", PluginErrorCodes.serve, `another process serves plugin ${name} on ${path}`, { plugin: name });
  unlinkSync(path);
}

function send(res: ServerResponse, status: number, body: unknown, mediaType: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": mediaType, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new PluginError("invalid-argument", PluginErrorCodes.badRequest, `request body larger than ${MAX_REQUEST_BYTES} bytes`, { plugin: "" }));
        req.destroy();
      } else chunks.push(c);
    });
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

export class PluginServer {
  readonly name: string;
  readonly socketPath: string;
  readonly #server: Server;
  readonly #services: ReadonlyMap<string, ServedInterface>;

  private constructor(o: PluginServerOptions) {
    this.name = o.name;
    this.socketPath = o.socketPath;
    this.#services = new Map(o.services.map((s) => [s.iface, s]));
    this.#server = createServer((req, res) => { void this.#serve(req, res); });
    this.#server.keepAliveTimeout = 60_000;
  }

  /** Claims the socket and listens on it. */
  static async listen(o: PluginServerOptions): Promise<PluginServer> {
    await claimSocket(o.name, o.socketPath);
    const s = new PluginServer(o);
    await new Promise<void>((resolve, reject) => {
      s.#server.once("error", reject);
      s.#server.listen(o.socketPath, () => { s.#server.off("error", reject); resolve(); });
    });
    chmodSync(o.socketPath, 0o660);
    return s;
  }

  /** Stops listening, cuts open connections and removes the socket. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    try { unlinkSync(this.socketPath); } catch { /* already gone */ }
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const version = pluginMediaVersion(req.headers.accept) ?? pluginMediaVersion(req.headers["content-type"]);
    const media = version === undefined || version === null ? PLUGIN_MEDIA_TYPE : `application/vnd.docker.plugins.v${version}+json`;
    const method = (req.url ?? "").replace(/^\//, "").split("?")[0] ?? "";
    if (req.method !== "POST") return send(res, 405, { Err: `${req.method ?? ""} ${req.url ?? ""}: plugin calls are POST` }, media);
    if (version === null) return send(res, 406, { Err: `${method}: dnet speaks the plugin protocol v1, v1.1 and v1.2` }, media);
    let text: string;
    try { text = await readBody(req); } catch (err) { return send(res, 400, { Err: (err as Error).message }, media); }
    if (method === "Plugin.Activate") return send(res, 200, { Implements: [...this.#services.keys()] }, media);
    const [iface = "", call = ""] = method.split(".");
    const handler = this.#services.get(iface)?.handlers[call];
    if (handler === undefined || method.split(".").length !== 2) return send(res, 404, { Err: `${method}: not implemented by plugin ${this.name}` }, media);
    let body: unknown;
    try {
      body = text.trim() === "" ? null : JSON.parse(text);
    } catch (err) {
      return send(res, 400, { Err: `${method}: the request is not JSON: ${(err as Error).message}` }, media);
    }
    try {
      send(res, 200, await handler(body), media);
    } catch (err) {
      send(res, ...errorAnswer(iface, err), media);
    }
  }
}

/** A request it could not read: 400 with Err; anything else: 200 with the interface's error field. */
function errorAnswer(iface: string, err: unknown): [number, Record<string, unknown>] {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof PluginError && err.code === PluginErrorCodes.badRequest) return [400, { Err: message }];
  const extra = isLibnetworkError(err) ? { Kind: err.kind, Code: err.code } : { Kind: "internal" };
  return [200, { [iface === PluginInterfaces.ipam ? "Error" : "Err"]: message, ...extra }];
}
