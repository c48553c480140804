// The plugin protocol's transport: `POST /Interface.Method` with a JSON body over a kept-alive HTTP/1.1
// connection (unix socket, TCP, TCP+TLS; see http-lite.ts), Docker's media types, a time limit on every
// call, and Docker's back-off on connection failures, looking for the plugin again before each retry (it
// may have restarted elsewhere). Only failures where the request cannot have reached the plugin are retried.

import { readFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { backoffDelays, sleep, type Backoff, type PluginAddress, type PluginLocation } from "./discovery.js";
import { PluginError, PluginErrorCodes, kindOfStatus, kindOrInternal } from "./errors.js";
import { LiteHttpClient, type LiteAnswer } from "./http-lite.js";

/** What dnet sends and answers; v1 and v1.1 are accepted too (same payloads for networks and IPAM). */
export const PLUGIN_MEDIA_TYPE = "application/vnd.docker.plugins.v1.2+json";
export const ACCEPTED_PLUGIN_VERSIONS: readonly string[] = Object.freeze(["1", "1.1", "1.2"]);
const MEDIA = /^application\/vnd\.docker\.plugins\.v([0-9.]+)\+json\b/i;
const MAX_ANSWER_BYTES = 16 << 20;

export interface TransportOptions {
  /** Time limit of one exchange, from the request to the end of the answer. */
  readonly callTimeoutMs: number;
  /** Back-off for connection failures (Docker: 30 s, starting at 1 s). */
  readonly retry: Backoff;
}

/** The media type's version, undefined for another type; `null` when the header names a plugins version we do not speak. */
export function pluginMediaVersion(contentType: string | undefined): string | undefined | null {
  const m = MEDIA.exec(contentType ?? "");
  if (m === null) return undefined;
  return ACCEPTED_PLUGIN_VERSIONS.includes(m[1] ?? "") ? m[1] : null;
}

const REQUEST_HEADERS = `Accept: ${PLUGIN_MEDIA_TYPE}\r\nContent-Type: ${PLUGIN_MEDIA_TYPE}\r\n`;

/**
 * A connection failure that happened before the plugin could have seen the request. A connection reset
 * after the request was written is not one (the plugin may have read it and died): like Go's client
 * (Docker's), a POST is then not sent again.
 */
function notDelivered(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  // EPIPE: the write itself failed, the plugin had closed the connection before (it stopped or restarted).
  return code === "ECONNREFUSED" || code === "ENOENT" || code === "ENOTSOCK" || code === "EPIPE";
}

export class PluginTransport {
  readonly name: string;
  #location: PluginLocation;
  #http: LiteHttpClient;
  readonly #relocate: () => PluginLocation | undefined;
  readonly #options: TransportOptions;

  /** `relocate`: one look for the plugin again (after a connection failure); undefined when it is gone. */
  constructor(location: PluginLocation, relocate: () => PluginLocation | undefined, options: TransportOptions) {
    this.name = location.name;
    this.#location = location;
    this.#http = clientFor(location.address);
    this.#relocate = relocate;
    this.#options = options;
  }

  get location(): PluginLocation {
    return this.#location;
  }

  /** Posts `body` (nothing when undefined) to `/<method>`; resolves to the parsed JSON answer of a 200. */
  async call(method: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? "" : JSON.stringify(body);
    const delays = backoffDelays(this.#options.retry);
    let freshConnection = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return parseAnswer(this.name, method, await this.#exchange(method, payload));
      } catch (err) {
        if (err instanceof PluginError) throw err;
        const { failure } = err as { failure: unknown };
        if (!notDelivered(failure)) throw this.#broken(method, failure);
        // A kept connection the plugin closed a moment ago: a new one at once, before any waiting.
        if ((failure as { code?: string }).code === "EPIPE" && !freshConnection) {
          freshConnection = true;
          attempt--;
          continue;
        }
        const wait = delays[attempt];
        if (wait === undefined) throw this.#broken(method, failure);
        await sleep(wait);
        this.#moveTo(this.#relocateQuietly());
      }
    }
  }

  close(): void {
    this.#http.close();
  }

  #relocateQuietly(): PluginLocation | undefined {
    try { return this.#relocate(); } catch { return undefined; }
  }

  #moveTo(next: PluginLocation | undefined): void {
    if (next === undefined || JSON.stringify(next.address) === JSON.stringify(this.#location.address)) return;
    this.#http.close();
    this.#location = next;
    this.#http = clientFor(next.address);
  }

  #broken(method: string, cause: unknown): PluginError {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new PluginError("unavailable", PluginErrorCodes.unreachable,
      `plugin ${this.name} (${this.#location.source}): ${method} failed: ${why}`, { plugin: this.name, method }, cause);
  }

  async #exchange(method: string, payload: string): Promise<LiteAnswer> {
    const ms = this.#options.callTimeoutMs;
    const where = { plugin: this.name, method };
    try {
      return await this.#http.post(`/${method}`, REQUEST_HEADERS, payload, ms,
        () => new PluginError("timeout", PluginErrorCodes.timeout, `plugin ${this.name}: ${method} did not answer within ${ms} ms`, where), MAX_ANSWER_BYTES);
    } catch (err) {
      if (err instanceof PluginError) throw err;
      if ((err as { code?: string }).code === "ETOOBIG" || (err as { code?: string }).code === "EBADANSWER") {
        throw new PluginError("internal", PluginErrorCodes.badResponse, `plugin ${this.name}: ${method}: ${(err as Error).message}`, where);
      }
      throw { failure: err };
    }
  }
}

function clientFor(a: PluginAddress): LiteHttpClient {
  if (a.transport === "unix") return new LiteHttpClient(() => netConnect(a.path), "plugin");
  const tls = a.tls;
  if (tls === undefined) return new LiteHttpClient(() => netConnect(a.port, a.host), `${a.host}:${a.port}`);
  const read = (f: string | undefined): Buffer | undefined => (f === undefined ? undefined : readFileSync(f));
  const ca = read(tls.caFile);
  const cert = read(tls.certFile);
  const key = read(tls.keyFile);
  return new LiteHttpClient(() => tlsConnect({
    host: a.host, port: a.port, servername: a.host, rejectUnauthorized: !tls.insecureSkipVerify,
    ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }),
  }), `${a.host}:${a.port}`);
}

function shorten(text: string): string {
  const t = text.trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

/** A 200's JSON (an object or null); a typed error for any other status or for garbage. */
function parseAnswer(plugin: string, method: string, answer: LiteAnswer): unknown {
  const where = { plugin, method };
  const a = { status: answer.status, contentType: answer.headers.get("content-type"), text: answer.body.toString("utf8") };
  let json: unknown;
  let parsed = true;
  try { json = a.text.trim() === "" ? {} : JSON.parse(a.text); } catch { parsed = false; }
  if (a.status !== 200) {
    // Docker: `<Interface.Method>: <Err of the JSON body, or the raw body>`.
    const body = parsed && json !== null && typeof json === "object" ? json as { Err?: unknown; Error?: unknown; Kind?: unknown } : {};
    const said = typeof body.Err === "string" && body.Err !== "" ? body.Err : typeof body.Error === "string" && body.Error !== "" ? body.Error : shorten(a.text);
    const kind = body.Kind === undefined ? kindOfStatus(a.status) : kindOrInternal(body.Kind);
    throw new PluginError(kind, PluginErrorCodes.httpStatus, `${method}: ${said || `HTTP ${a.status}`}`, where);
  }
  if (pluginMediaVersion(a.contentType) === null) {
    throw new PluginError("internal", PluginErrorCodes.badResponse, `plugin ${plugin}: ${method} answered ${a.contentType ?? ""}, a plugin protocol version dnet does not speak`, where);
  }
  if (!parsed || (json !== null && (typeof json !== "object" || Array.isArray(json)))) {
    throw new PluginError("internal", PluginErrorCodes.badResponse, `plugin ${plugin}: ${method} answered something that is not a JSON object: ${JSON.stringify(shorten(a.text))}`, where);
  }
  return json;
}
