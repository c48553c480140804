// Host ports held by a bound socket in a netns (Docker's "dummy proxy"): a port published there cannot be
// taken by a host program later, and one a host program already holds is refused instead of taken over.
// TCP sockets listen (with SO_REUSEADDR, only a listening socket keeps other binders out), but nothing
// ever accepts: published traffic is DNATed before it could reach them.

import { LibnetworkError, conflict, internal, invalidArgument } from "../errors/index.js";
import { AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, isNativeError } from "../native/index.js";
import { formatIp, type IpAddress } from "../types/index.js";
import type { NetnsHandle } from "./handle.js";

export type ReservedProto = "tcp" | "udp";

export interface PortReservation {
  readonly proto: ReservedProto;
  readonly hostIp: IpAddress;
  readonly port: number;
  release(): void;
}

/** Go's text for an address in a listen error: `0.0.0.0:80`, `[::]:80`. */
export function hostPortText(ip: IpAddress, port: number): string {
  const text = formatIp(ip);
  return ip.family === 6 ? `[${text}]:${port}` : `${text}:${port}`;
}

/**
 * Binds (and for TCP listens on) `hostIp:port` in the netns of `h`. EADDRINUSE becomes a conflict with
 * the message Docker's dummy proxy gives (`listen tcp4 0.0.0.0:8080: bind: address already in use`).
 */
export function reservePort(h: NetnsHandle, proto: ReservedProto, hostIp: IpAddress, port: number): PortReservation {
  const family = hostIp.family === 6 ? AF_INET6 : AF_INET;
  let fd: number;
  try {
    fd = h.native.listenAt(h.nsFd, family, proto === "tcp" ? SOCK_STREAM : SOCK_DGRAM, formatIp(hostIp), port);
  } catch (err) {
    throw reservationError(err, proto, hostIp, port);
  }
  let open = true;
  return {
    proto, hostIp, port,
    release: () => {
      if (!open) return;
      open = false;
      h.native.close(fd);
    },
  };
}

function reservationError(err: unknown, proto: ReservedProto, hostIp: IpAddress, port: number): LibnetworkError {
  const where = `listen ${proto}${hostIp.family} ${hostPortText(hostIp, port)}`;
  if (!isNativeError(err)) return internal("ERR_PORT_RESERVE", `${where}: ${String(err)}`, err);
  if (err.code === "EADDRINUSE") return conflict("ERR_PORT_IN_USE", `${where}: bind: address already in use`, err);
  if (err.code === "EADDRNOTAVAIL") return invalidArgument("ERR_HOST_IP_NOT_LOCAL", `${where}: bind: cannot assign requested address`, err);
  return internal("ERR_PORT_RESERVE", `${where}: ${err.syscall}: ${err.message}`, err);
}
