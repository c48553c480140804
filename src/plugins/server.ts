// dnet's plugin server: Docker's plugin protocol on a unix socket (`Plugin.Activate`, then
// `POST /<Interface>.<Method>` with JSON), answering with the services it is given. Errors of a call are
// answered as the protocol says: 200 with `{"Err"}` (network) or `{"Error"}` (IPAM), plus `Kind` and
// `Code` for clients that keep them (dnet's); a request it cannot read gets a 400, an unknown method a 404.

import { connect, type Server, type Socket } from "node:net";
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { isLibnetworkError } from "../errors/index.js";
import { PluginInterfaces, type PluginInterface } from "./client.js";
import { PluginError, PluginErrorCodes } from "./errors.js";
import { createLiteServer, type LiteReply, type LiteRequest } from "./http-lite-server.js";
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

export class PluginServer {
  readonly name: string;
  readonly socketPath: string;
  readonly #server: Server;
  readonly #services: ReadonlyMap<string, ServedInterface>;
  readonly #connections = new Set<Socket>();

  private constructor(o: PluginServerOptions) {
    this.name = o.name;
    this.socketPath = o.socketPath;
    this.#services = new Map(o.services.map((s) => [s.iface, s]));
    this.#server = createLiteServer((req) => this.#serve(req), MAX_REQUEST_BYTES, PLUGIN_MEDIA_TYPE);
    this.#server.on("connection", (c: Socket) => {
      this.#connections.add(c);
      c.once("close", () => this.#connections.delete(c));
    });
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
    for (const c of this.#connections) c.destroy();
    await new Promise<void>((resolve) => { this.#server.close(() => resolve()); });
    try { unlinkSync(this.socketPath); } catch { /* already gone */ }
  }

  async #serve(req: LiteRequest): Promise<LiteReply> {
    const accepted = pluginMediaVersion(req.headers.get("accept"));
    const version = accepted !== undefined ? accepted : pluginMediaVersion(req.headers.get("content-type"));
    const contentType = version === undefined || version === null ? PLUGIN_MEDIA_TYPE : `application/vnd.docker.plugins.v${version}+json`;
    const answer = (status: number, body: unknown): LiteReply => ({ status, contentType, body: JSON.stringify(body) });
    const method = req.path.replace(/^\//, "");
    if (req.method !== "POST") return answer(405, { Err: `${req.method} ${req.path}: plugin calls are POST` });
    if (version === null) return answer(406, { Err: `${method}: dnet speaks the plugin protocol v1, v1.1 and v1.2` });
    if (method === "Plugin.Activate") return answer(200, { Implements: [...this.#services.keys()] });
    const [iface = "", call = ""] = method.split(".");
    const handler = this.#services.get(iface)?.handlers[call];
    if (handler === undefined || method.split(".").length !== 2) return answer(404, { Err: `${method}: not implemented by plugin ${this.name}` });
    let body: unknown;
    try {
      body = req.body.trim() === "" ? null : JSON.parse(req.body);
    } catch (err) {
      return answer(400, { Err: `${method}: the request is not JSON: ${(err as Error).message}` });
    }
    try {
      return answer(200, await handler(body));
    } catch (err) {
      return answer(...errorAnswer(iface, err));
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
