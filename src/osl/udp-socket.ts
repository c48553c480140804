// UDP sockets inside a netns bound to one interface: what a DHCP client uses before it has an address.

import { invalidArgument } from "../errors/index.js";
import { AF_INET, SOCK_DGRAM } from "../native/index.js";
import type { NetnsHandle } from "./handle.js";
import { validateIfindex } from "./link.js";

const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_BROADCAST = 6;
/** SO_BINDTODEVICE by index (Linux 5.0+): an int option, so no string has to cross into C. */
const SO_BINDTOIFINDEX = 62;

/** struct sockaddr_in for 0.0.0.0:port. */
function anyAddress(port: number): Buffer {
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(AF_INET, 0);
  sa.writeUInt16BE(port, 2);
  return sa;
}

/**
 * A UDP socket in the netns of `h`, bound to 0.0.0.0:`port` on the interface `ifindex` only, allowed to send
 * broadcasts; returns its fd (non-blocking, close-on-exec) for `dgram` to take over (`bind({ fd })`).
 * Bound to the interface before the port: sockets of different interfaces may then share the port (two
 * DHCP clients in one sandbox), and limited broadcasts (255.255.255.255) go out of that interface even
 * though it has no address and no route yet. Broadcast replies arrive on it as on any socket of the port.
 */
export function openInterfaceUdpSocket(h: NetnsHandle, ifindex: number, port: number): number {
  validateIfindex(ifindex);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidArgument("ERR_INVALID_PORT", `invalid UDP port ${port}`);
  const fd = h.native.socketAt(h.nsFd, AF_INET, SOCK_DGRAM, 0);
  try {
    h.native.setsockoptInt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, ifindex);
    h.native.setsockoptInt(fd, SOL_SOCKET, SO_BROADCAST, 1);
    h.native.setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    h.native.bind(fd, anyAddress(port));
    return fd;
  } catch (err) {
    h.native.close(fd);
    throw err;
  }
}
