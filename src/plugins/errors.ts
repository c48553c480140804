// The plugin layer's errors: codes, and the error a plugin call ends with (which plugin, which method).

import { ERROR_KINDS, LibnetworkError, type ErrorCode, type ErrorKind } from "../errors/index.js";

export const PluginErrorCodes = Object.freeze({
  /** A plugin name with path characters, or empty. */
  invalidName: "ERR_PLUGIN_INVALID_NAME",
  /** A spec or json file that names something else than a unix socket or an allowed TCP address. */
  invalidSpec: "ERR_PLUGIN_INVALID_SPEC",
  /** No socket, spec or json file of that name, after Docker's back-off. */
  notFound: "ERR_PLUGIN_NOT_FOUND",
  /** The plugin's handshake does not list the interface asked for (NetworkDriver, IpamDriver). */
  notImplements: "ERR_PLUGIN_NOT_IMPLEMENTS",
  /** Could not connect, or the connection broke before an answer (it died, it restarted for too long). */
  unreachable: "ERR_PLUGIN_UNREACHABLE",
  /** No answer within the call's time limit. */
  timeout: "ERR_PLUGIN_TIMEOUT",
  /** An answer that is not the protocol's JSON (garbage, wrong types, a content type of another version). */
  badResponse: "ERR_PLUGIN_BAD_RESPONSE",
  /** An HTTP status other than 200. */
  httpStatus: "ERR_PLUGIN_HTTP_STATUS",
  /** The plugin answered `{"Err": …}` (network) or `{"Error": …}` (IPAM). */
  remote: "ERR_PLUGIN_REMOTE",
  /** CreateEndpoint answered a field the request had already set (Docker: "driver modified interface"). */
  modifiedInterface: "ERR_PLUGIN_MODIFIED_INTERFACE",
  /** Server side: a request that is not the protocol's JSON. */
  badRequest: "ERR_PLUGIN_BAD_REQUEST",
  /** Server side: the plugin socket could not be served (another live server owns it, bad directory). */
  serve: "ERR_PLUGIN_SERVE",
} as const);

/** An error of one plugin call; `kind` tells the caller what to do, `method` what was called. */
export class PluginError extends LibnetworkError {
  readonly plugin: string;
  readonly method: string | undefined;

  constructor(kind: ErrorKind, code: ErrorCode, message: string, where: { plugin: string; method?: string }, cause?: unknown) {
    super(kind, code, message, { cause });
    this.name = "PluginError";
    this.plugin = where.plugin;
    this.method = where.method;
  }
}

export function isPluginError(err: unknown): err is PluginError {
  return err instanceof PluginError;
}

/** A kind named by a plugin (dnet's servers add `Kind` to error answers); "internal" when absent or unknown. */
export function kindOrInternal(kind: unknown): ErrorKind {
  return typeof kind === "string" && (ERROR_KINDS as readonly string[]).includes(kind) ? kind as ErrorKind : "internal";
}

/** How Docker's plugin helpers' statuses map to kinds: 400 bad request, 404 not implemented, else internal. */
export function kindOfStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return "invalid-argument";
  if (status === 404 || status === 501) return "not-implemented";
  if (status === 408 || status === 504) return "timeout";
  if (status === 503) return "unavailable";
  return "internal";
}
