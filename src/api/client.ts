// The typed client of the daemon's HTTP API (unix socket or TCP), used by the `dnet` CLI, the tests and
// the benchmarks, so the CLI and the daemon cannot drift apart: both compile against dto.ts.

import { Agent, request, type IncomingMessage, type RequestOptions } from "node:http";
import { forbidden, invalidArgument, unavailable, type LibnetworkError } from "../errors/index.js";
import { errorFromResponse } from "./errors.js";
import {
  DEFAULT_SOCKET, type DockerNetwork, type DockerNetworkConnectRequest, type DockerNetworkCreateRequest,
  type DockerNetworkCreateResponse, type DockerNetworkDisconnectRequest, type DockerNetworkPruneResponse,
  type DockerVersion, type EndpointDto, type EventDto, type FilterArgs, type PortBindingDto, type SandboxCreateRequest, type SandboxDto, type SandboxPortsResponse,
} from "./dto.js";

export type ServerAddress = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** `unix:///run/dnet/dnet.sock`, a bare path, or `tcp://HOST:PORT`. */
export function parseHost(spec: string | undefined): ServerAddress {
  const s = spec === undefined || spec === "" ? `unix://${DEFAULT_SOCKET}` : spec;
  if (s.startsWith("unix://")) {
    const path = s.slice("unix://".length);
    if (path === "") throw invalidArgument("ERR_INVALID_HOST", `invalid host ${JSON.stringify(spec)}`);
    return { socketPath: path };
  }
  if (s.startsWith("/")) return { socketPath: s };
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(s);
  if (m === null) throw invalidArgument("ERR_INVALID_HOST", `invalid host ${JSON.stringify(spec)}: use unix://PATH or tcp://HOST:PORT`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly text: string;
}

/** How long an idle kept-alive connection is kept (the daemon closes them after 5 s). */
const IDLE_SOCKET_MS = 2_000;

/** A kept-alive connection the daemon had closed: the request did not reach it. */
class StaleSocket extends Error {}

export class DnetClient {
  readonly #target: ServerAddress;
  readonly #agent: Agent;

  constructor(host?: string) {
    this.#target = parseHost(host);
    // Kept alive (a new connection per request cost ~0.5 ms of the client's time), but dropped after
    // IDLE_SOCKET_MS, well before the daemon's 5 s keep-alive timeout: the daemon closing an idle socket
    // just as a request goes out is what gives ECONNRESET on a reused socket. If it still happens (the
    // daemon restarted), the request never reached it and is sent once more on a new connection.
    this.#agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: IDLE_SOCKET_MS });
  }

  /** Closes the kept-alive connections (a CLI process then exits at once). */
  close(): void {
    this.#agent.destroy();
  }

  /** One request; resolves with whatever status came back. `text` sends a body as is (tests, fuzzing). */
  async raw(method: string, path: string, body?: unknown, text?: string): Promise<RawResponse> {
    const payload = text !== undefined ? Buffer.from(text) : body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    try {
      return await this.#send(method, path, payload);
    } catch (err) {
      if (!(err instanceof StaleSocket)) throw err;
      return this.#send(method, path, payload);
    }
  }

  #send(method: string, path: string, payload: Buffer | undefined): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      // servername only names a TLS peer; given, the agent skips deriving it through net.isIP, whose first
      // call compiles the IPv6 regex (~10 ms of a `dnet` command's start). @types/node leaves it out.
      const options: RequestOptions & { readonly servername: string } = {
        ...this.#target, agent: this.#agent, method, path, servername: "",
        headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": payload.length },
      };
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        // EPIPE: the daemon had closed the connection before our request was written; ECONNRESET: it
        // closed it without reading it. Either way the request was not processed.
        if (req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE")) reject(new StaleSocket());
        else if (err.code === "EACCES" || err.code === "EPERM") reject(this.#permissionDenied(err));
        else reject(unavailable("ERR_DAEMON_UNREACHABLE", `cannot connect to the dnet daemon at ${this.#describe()}: ${err.message}`, err));
      });
      req.end(payload);
    });
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    if (res.status >= 400) throw errorFromResponse(res.status, res.text);
    return (res.text === "" ? undefined : JSON.parse(res.text)) as T;
  }

  /** EACCES on the socket: the daemon runs, but this user may not use it (the socket is root's, mode 0660). */
  #permissionDenied(err: Error): LibnetworkError {
    return forbidden("ERR_DAEMON_PERMISSION_DENIED",
      `permission denied on the dnet daemon's socket ${this.#describe()}: only root and the socket's group may use it, so run dnet as root (sudo) or as a member of that group`, err);
  }

  #describe(): string {
    return "socketPath" in this.#target ? `unix://${this.#target.socketPath}` : `tcp://${this.#target.host}:${this.#target.port}`;
  }

  async ping(): Promise<string> {
    const res = await this.raw("GET", "/_ping");
    if (res.status !== 200) throw errorFromResponse(res.status, res.text);
    return String(res.headers["api-version"] ?? "");
  }

  version(): Promise<DockerVersion> { return this.#call("GET", "/version"); }

  listNetworks(filters?: FilterArgs): Promise<DockerNetwork[]> {
    const q = filters === undefined ? "" : `?filters=${encodeURIComponent(JSON.stringify(filters))}`;
    return this.#call("GET", `/networks${q}`);
  }
  inspectNetwork(ref: string): Promise<DockerNetwork> { return this.#call("GET", `/networks/${encodeURIComponent(ref)}`); }
  createNetwork(req: DockerNetworkCreateRequest): Promise<DockerNetworkCreateResponse> { return this.#call("POST", "/networks/create", req); }
  async removeNetwork(ref: string): Promise<void> { await this.#call("DELETE", `/networks/${encodeURIComponent(ref)}`); }
  async connect(network: string, req: DockerNetworkConnectRequest): Promise<void> {
    await this.#call("POST", `/networks/${encodeURIComponent(network)}/connect`, req);
  }
  async disconnect(network: string, req: DockerNetworkDisconnectRequest): Promise<void> {
    await this.#call("POST", `/networks/${encodeURIComponent(network)}/disconnect`, req);
  }
  pruneNetworks(): Promise<DockerNetworkPruneResponse> { return this.#call("POST", "/networks/prune"); }

  listSandboxes(): Promise<SandboxDto[]> { return this.#call("GET", "/sandboxes"); }
  inspectSandbox(ref: string): Promise<SandboxDto> { return this.#call("GET", `/sandboxes/${encodeURIComponent(ref)}`); }
  createSandbox(req: SandboxCreateRequest): Promise<SandboxDto> { return this.#call("POST", "/sandboxes", req); }
  async removeSandbox(ref: string, force = false): Promise<void> {
    await this.#call("DELETE", `/sandboxes/${encodeURIComponent(ref)}${force ? "?force=1" : ""}`);
  }
  /** Publishes one more port on a running sandbox; answers where it is published, per address family. */
  addSandboxPort(ref: string, binding: PortBindingDto): Promise<SandboxPortsResponse> {
    return this.#call("POST", `/sandboxes/${encodeURIComponent(ref)}/ports`, binding);
  }
  /** Removes the sandbox's bindings of a container port (or range); HostIP / HostPort narrow it down. Answers them. */
  removeSandboxPort(ref: string, b: Pick<PortBindingDto, "Proto" | "Port" | "PortEnd" | "HostIP" | "HostPort" | "HostPortEnd">): Promise<SandboxPortsResponse> {
    const ports = b.PortEnd === undefined || b.PortEnd === b.Port ? `${b.Port}` : `${b.Port}-${b.PortEnd}`;
    const q = new URLSearchParams();
    if (b.HostIP !== undefined) q.set("HostIP", b.HostIP);
    if (b.HostPort !== undefined) q.set("HostPort", b.HostPortEnd === undefined || b.HostPortEnd === b.HostPort ? `${b.HostPort}` : `${b.HostPort}-${b.HostPortEnd}`);
    const query = q.size === 0 ? "" : `?${q.toString()}`;
    return this.#call("DELETE", `/sandboxes/${encodeURIComponent(ref)}/ports/${ports}/${b.Proto}${query}`);
  }
  listEndpoints(): Promise<EndpointDto[]> { return this.#call("GET", "/endpoints"); }

  async metrics(): Promise<string> {
    const res = await this.raw("GET", "/metrics");
    if (res.status !== 200) throw errorFromResponse(res.status, res.text);
    return res.text;
  }

  /** Streams `GET /events` until `signal` aborts; resolves when the stream ends. */
  events(onEvent: (e: EventDto) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request({ ...this.#target, method: "GET", path: "/events", ...(signal === undefined ? {} : { signal }) }, (res) => {
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          buf += c;
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line !== "") onEvent(JSON.parse(line) as EventDto);
          }
        });
        res.on("end", () => resolve());
        res.on("error", () => resolve());
      });
      req.on("error", (err) => (signal?.aborted === true ? resolve() : reject(err)));
      req.end();
    });
  }
}
