// A kernel refusal: keeps the errno, its symbolic code and the kernel's extended-ACK text.

import type { ErrnoCode } from "./codes.js";
import { LibnetworkError, type ErrorKind } from "./errors.js";

const ERRNO_NAMES: Readonly<Record<number, ErrnoCode>> = Object.freeze({
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 9: "EBADF", 11: "EAGAIN", 12: "ENOMEM",
  13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 19: "ENODEV", 22: "EINVAL", 24: "EMFILE",
  28: "ENOSPC", 34: "ERANGE", 71: "EPROTO", 75: "EOVERFLOW", 90: "EMSGSIZE", 93: "EPROTONOSUPPORT",
  95: "EOPNOTSUPP", 97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN",
  101: "ENETUNREACH", 105: "ENOBUFS", 107: "ENOTCONN", 110: "ETIMEDOUT", 113: "EHOSTUNREACH",
});

const KIND_BY_ERRNO: Readonly<Record<string, ErrorKind>> = Object.freeze({
  EEXIST: "conflict", EBUSY: "conflict", EADDRINUSE: "conflict",
  ENOENT: "not-found", ENODEV: "not-found", ESRCH: "not-found", EADDRNOTAVAIL: "not-found",
  EINVAL: "invalid-argument", ERANGE: "invalid-argument", EAFNOSUPPORT: "invalid-argument",
  ENETUNREACH: "invalid-argument", EHOSTUNREACH: "invalid-argument",
  EPERM: "forbidden", EACCES: "forbidden",
  EOPNOTSUPP: "not-implemented", EPROTONOSUPPORT: "not-implemented",
  ETIMEDOUT: "timeout",
  ENOBUFS: "unavailable", ENOMEM: "unavailable", ENOSPC: "unavailable", EAGAIN: "unavailable",
});

export function errnoName(errno: number): ErrnoCode {
  return ERRNO_NAMES[errno] ?? `E${errno}`;
}

export class NetlinkError extends LibnetworkError {
  declare readonly code: ErrnoCode;
  /** Positive errno value (17 for EEXIST). */
  readonly errno: number;
  /** Extended-ACK message from the kernel, or "" when it sent none. */
  readonly extack: string;
  /** What we asked the kernel to do, e.g. "RTM_NEWLINK veth0". */
  readonly operation: string;

  constructor(errno: number, operation: string, extack = "") {
    const name = errnoName(errno);
    const detail = extack === "" ? name : `${name}: ${extack}`;
    super(KIND_BY_ERRNO[name] ?? "internal", name, `${operation}: ${detail}`);
    this.name = "NetlinkError";
    this.errno = errno;
    this.extack = extack;
    this.operation = operation;
  }
}
