// Errors on the wire: a LibnetworkError becomes Docker's `{"message"}` body with the status its kind
// maps to (HTTP_STATUS_BY_KIND), and a response body becomes a LibnetworkError again on the client.

import {
  ERROR_KINDS, HTTP_STATUS_BY_KIND, LibnetworkError, isErrorCode, isLibnetworkError, type ErrorKind,
} from "../errors/index.js";
import type { ErrorBody } from "./dto.js";

/** The status and body for any thrown value; anything that is not a LibnetworkError is internal. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isLibnetworkError(err)) {
    return { status: HTTP_STATUS_BY_KIND[err.kind], body: { message: err.message, code: err.code, kind: err.kind } };
  }
  // An operation whose undo failed too reports its first error's kind and code on an AggregateError.
  const { kind, code } = (err ?? {}) as { kind?: unknown; code?: unknown };
  if (err instanceof Error && isKind(kind) && typeof code === "string") {
    return { status: HTTP_STATUS_BY_KIND[kind], body: { message: err.message, code, kind } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { message, code: "ERR_INTERNAL", kind: "internal" } };
}

const KIND_BY_STATUS: ReadonlyMap<number, ErrorKind> = new Map(
  ERROR_KINDS.map((k) => [HTTP_STATUS_BY_KIND[k], k] as const),
);

function isKind(v: unknown): v is ErrorKind {
  return typeof v === "string" && (ERROR_KINDS as readonly string[]).includes(v);
}

/** Rebuilds the server's error from a status and a (possibly non-JSON) body. */
export function errorFromResponse(status: number, text: string): LibnetworkError {
  let body: Partial<ErrorBody> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object") body = parsed as Partial<ErrorBody>;
  } catch {
    body = { message: text.trim() };
  }
  const kind: ErrorKind = isKind(body.kind) ? body.kind : KIND_BY_STATUS.get(status) ?? (status >= 500 ? "internal" : "invalid-argument");
  const message = typeof body.message === "string" && body.message !== "" ? body.message : `HTTP ${status}`;
  // A code this client does not know (a newer daemon's) is kept in no field: the status says enough.
  const code = isErrorCode(body.code) ? body.code : `ERR_HTTP_${status}` as const;
  return new LibnetworkError(kind, code, message);
}
