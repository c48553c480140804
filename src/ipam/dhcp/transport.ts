// How the DHCP client talks: a UDP socket on the interface (made inside the sandbox's netns by whoever
// composes the client) driven by Node's dgram, and the clock its timers run on.

import dgram from "node:dgram";
import { formatIp, type IpAddress } from "../../types/index.js";
import { DHCP_SERVER_PORT } from "./packet.js";

export interface DhcpTransport {
  /** Sends to the server port (67) of `to`: 255.255.255.255 before the client has an address, the server after. */
  send(message: Buffer, to: IpAddress): Promise<void>;
  /** Where arriving datagrams go from now on (one receiver at a time: the exchange under way); undefined drops them. */
  receive(handler: ((message: Buffer) => void) | undefined): void;
  close(): void;
}

/**
 * A UDP socket bound to 0.0.0.0:68 on the interface `ifname` inside the netns at `netnsPath`, allowed to send
 * broadcasts: its fd. The composition root makes it (with osl); the client owns and closes it.
 */
export type OpenDhcpSocket = (netnsPath: string, ifname: string) => Promise<number>;

export type OpenDhcpTransport = (netnsPath: string, ifname: string) => Promise<DhcpTransport>;

/** Timers the client runs on: the system's, or a test's. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; the function returned cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => {
    // Lease timers must not keep a process alive that has nothing else to do.
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
});

/** A transport over a dgram socket taking over `fd`. */
export function dgramTransport(fd: number): DhcpTransport {
  const socket = dgram.createSocket({ type: "udp4" });
  let handler: ((message: Buffer) => void) | undefined;
  let closed = false;
  socket.on("message", (msg) => handler?.(msg));
  // A send that fails surfaces through send(); nothing else on this socket is worth failing for.
  socket.on("error", () => undefined);
  socket.bind({ fd });
  return {
    send: (message, to) => new Promise((resolve, reject) => {
      if (closed) {
        reject(new Error("DHCP socket is closed"));
        return;
      }
      socket.send(message, DHCP_SERVER_PORT, formatIp(to), (err) => (err === null ? resolve() : reject(err)));
    }),
    receive: (h) => { handler = h; },
    close: () => {
      if (closed) return;
      closed = true;
      handler = undefined;
      socket.close();
    },
  };
}

/** Transports from sockets the composition root opens. */
export function socketTransports(open: OpenDhcpSocket): OpenDhcpTransport {
  return async (netnsPath, ifname) => dgramTransport(await open(netnsPath, ifname));
}
