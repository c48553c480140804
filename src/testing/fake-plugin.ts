// A scriptable Docker plugin for tests: a unix socket server that records every call and answers each
// method as the test says (JSON, a status, raw garbage, never, or by dropping the connection), and can be
// stopped and started again on the same socket (a plugin that restarts).

import { mkdirSync, unlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname } from "node:path";

export interface FakeCall {
  readonly method: string;
  readonly body: unknown;
  readonly accept: string | undefined;
  readonly contentType: string | undefined;
}

/** One answer: JSON (status 200 unless given), raw text, no answer at all, or a dropped connection. */
export type FakeReply =
  | { readonly json: unknown; readonly status?: number; readonly contentType?: string }
  | { readonly raw: string; readonly status?: number; readonly contentType?: string }
  | "hang"
  | "drop";

export type FakeScript = Readonly<Record<string, FakeReply | ((call: FakeCall) => FakeReply | Promise<FakeReply>)>>;

/** Answers of a plugin that implements NetworkDriver and IpamDriver and does nothing. */
export const QUIET_PLUGIN: FakeScript = Object.freeze({
  "Plugin.Activate": { json: { Implements: ["NetworkDriver", "IpamDriver"] } },
  "NetworkDriver.GetCapabilities": { json: { Scope: "local", ConnectivityScope: "local" } },
});

export class FakePlugin {
  readonly socketPath: string;
  readonly calls: FakeCall[] = [];
  script: FakeScript;
  #server: Server | undefined;
  readonly #hanging = new Set<ServerResponse>();

  constructor(socketPath: string, script: FakeScript = QUIET_PLUGIN) {
    this.socketPath = socketPath;
    this.script = script;
  }

  static async start(socketPath: string, script: FakeScript = QUIET_PLUGIN): Promise<FakePlugin> {
    const p = new FakePlugin(socketPath, script);
    await p.listen();
    return p;
  }

  /** Methods called, in order. */
  get methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.socketPath), { recursive: true });
    const server = createServer((req, res) => { void this.#serve(req, res); });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.socketPath, () => resolve());
    });
    this.#server = server;
  }

  /** Stops listening and cuts every connection (answers still pending are never sent); removes the socket. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    if (server !== undefined) {
      await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
    }
    try { unlinkSync(this.socketPath); } catch { /* gone */ }
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try { body = text === "" ? null : JSON.parse(text); } catch { /* kept as text */ }
    const call: FakeCall = { method: (req.url ?? "").slice(1), body, accept: req.headers.accept, contentType: req.headers["content-type"] };
    this.calls.push(call);
    const entry = this.script[call.method];
    const reply: FakeReply = entry === undefined ? { json: { Err: "404 page not found" }, status: 404 } : typeof entry === "function" ? await entry(call) : entry;
    if (reply === "hang") {
      this.#hanging.add(res);
      return;
    }
    if (reply === "drop") {
      req.socket.destroy();
      return;
    }
    const text2 = "json" in reply ? JSON.stringify(reply.json) : reply.raw;
    res.writeHead(reply.status ?? 200, { "Content-Type": reply.contentType ?? "application/vnd.docker.plugins.v1+json" });
    res.end(text2);
  }
}
