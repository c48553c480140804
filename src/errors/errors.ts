// The one error taxonomy of the library: a kind (what the caller can do about it) and a stable code.

import type { ERROR_CODES, ErrorCode } from "./codes.js";

export const ERROR_KINDS = [
  "invalid-argument",
  "not-found",
  "conflict",
  "forbidden",
  "unavailable",
  "timeout",
  "not-implemented",
  "internal",
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface LibnetworkErrorOptions {
  readonly cause?: unknown;
}

/** Every error the library throws on purpose is a LibnetworkError (or a subclass). */
export class LibnetworkError extends Error {
  readonly kind: ErrorKind;
  /** Stable, machine-readable code such as `ERR_NETWORK_NOT_FOUND`. */
  readonly code: ErrorCode;

  constructor(kind: ErrorKind, code: ErrorCode, message: string, options: LibnetworkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LibnetworkError";
    this.kind = kind;
    this.code = code;
  }
}

/**
 * A code literal must be an {@link ErrorCode} (a typo fails to compile); a code the compiler only knows as
 * `string` passes here and is checked against {@link ERROR_CODES} by the errors layer's test.
 */
export type KnownCode<C extends string> = string extends C ? C : C extends ErrorCode ? C : never;

export function isLibnetworkError(err: unknown): err is LibnetworkError {
  return err instanceof LibnetworkError;
}

export function invalidArgument<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("invalid-argument", code as ErrorCode, message, { cause });
}

export function notFound<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("not-found", code as ErrorCode, message, { cause });
}

export function conflict<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("conflict", code as ErrorCode, message, { cause });
}

export function forbidden<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("forbidden", code as ErrorCode, message, { cause });
}

export function unavailable<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("unavailable", code as ErrorCode, message, { cause });
}

export function internal<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("internal", code as ErrorCode, message, { cause });
}

export function notImplemented<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("not-implemented", code as ErrorCode, message, { cause });
}

export function timeout<C extends string>(code: C & KnownCode<C>, message: string, cause?: unknown): LibnetworkError {
  return new LibnetworkError("timeout", code as ErrorCode, message, { cause });
}

/** kind → HTTP status, as Docker's API maps its error classes. */
export const HTTP_STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({
  "invalid-argument": 400,
  "not-found": 404,
  conflict: 409,
  forbidden: 403,
  unavailable: 503,
  timeout: 408,
  "not-implemented": 501,
  internal: 500,
});

/** kind → `dnet` exit code (2 is reserved for usage errors detected by the CLI itself). */
export const EXIT_CODE_BY_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({
  "invalid-argument": 1,
  "not-found": 1,
  conflict: 1,
  forbidden: 1,
  unavailable: 1,
  timeout: 1,
  "not-implemented": 1,
  internal: 1,
});
