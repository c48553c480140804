// A sandbox's sockets (127.0.0.11:53 inside its netns, UDP and TCP) served by Node from their fds.

import dgram from "node:dgram";
import net from "node:net";
import type { Reply, SandboxState } from "./limits.js";

export interface QueryHandler {
  handle(state: SandboxState, buf: Buffer, udp: boolean, reply: Reply): void;
}

/** Largest TCP message (its length must fit the 2-octet prefix, RFC 1035 §4.2.2). */
const MAX_TCP_MESSAGE = 0xffff;

/**
 * One TCP client: several length-prefixed queries per connection, answered as they complete (RFC 7766
 * §6.2.1.1 allows any order), at most `maxTcpPipeline` in progress, closed after the idle timeout.
 */
function serveConnection(handler: QueryHandler, state: SandboxState, socket: net.Socket): void {
  let buffered: Buffer = Buffer.alloc(0);
  let inProgress = 0;
  socket.setNoDelay(true);
  socket.setTimeout(state.limits.tcpIdleTimeoutMs, () => socket.destroy());
  const send: Reply = (bytes) => {
    inProgress--;
    if (socket.destroyed) return;
    // An empty reply is a dropped query: nothing to write, but its pipeline slot is free again.
    if (bytes.length > 0 && bytes.length <= MAX_TCP_MESSAGE) {
      const frame = Buffer.allocUnsafe(2 + bytes.length);
      frame.writeUInt16BE(bytes.length, 0);
      bytes.copy(frame, 2);
      socket.write(frame);
    }
    if (socket.isPaused() && inProgress < state.limits.maxTcpPipeline) { socket.resume(); drain(); }
  };
  const drain = (): void => {
    while (buffered.length >= 2 && inProgress < state.limits.maxTcpPipeline) {
      const length = buffered.readUInt16BE(0);
      if (length < 12) { socket.destroy(); return; }
      if (buffered.length < 2 + length) return;
      const msg = Buffer.from(buffered.subarray(2, 2 + length));
      buffered = buffered.subarray(2 + length);
      inProgress++;
      handler.handle(state, msg, false, send);
    }
    if (inProgress >= state.limits.maxTcpPipeline) socket.pause();
  };
  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    drain();
  });
  socket.on("error", () => socket.destroy());
}

/**
 * Replies go to the literal address the query came from; dgram would otherwise pass it through
 * dns.lookup, which costs a process.nextTick per datagram.
 */
const literalLookup = ((address: string, _family: unknown, callback: (err: null, address: string, family: number) => void): void => {
  callback(null, address, 4);
}) as unknown as dgram.SocketOptions["lookup"];

export class SandboxListener {
  readonly #udp: dgram.Socket[] = [];
  readonly #tcp: net.Server | undefined;
  readonly #connections = new Set<net.Socket>();
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(handler: QueryHandler, state: SandboxState, udpFds: readonly number[], tcpFd: number | undefined) {
    for (const fd of udpFds) {
      const s = dgram.createSocket({ type: "udp4", lookup: literalLookup });
      s.on("message", (msg, rinfo) => {
        handler.handle(state, msg, true, (bytes) => {
          // A forwarded answer can arrive after detach: dgram throws on a closed socket.
          if (!this.#closed) s.send(bytes, rinfo.port, rinfo.address);
        });
      });
      // Send errors (a client that went away, a full buffer) cost that answer only.
      s.on("error", () => undefined);
      s.bind({ fd });
      this.#udp.push(s);
    }
    if (tcpFd === undefined) return;
    const server = net.createServer((socket) => {
      if (state.tcpConnections >= state.limits.maxTcpConnectionsPerSandbox) {
        socket.destroy();
        return;
      }
      state.tcpConnections++;
      this.#connections.add(socket);
      socket.on("close", () => {
        state.tcpConnections--;
        this.#connections.delete(socket);
      });
      serveConnection(handler, state, socket);
    });
    server.on("error", () => undefined);
    server.listen({ fd: tcpFd });
    this.#tcp = server;
  }

  /** Closes every socket (and so every fd) of the sandbox; idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const waits: Promise<void>[] = this.#udp.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const c of this.#connections) c.destroy();
    const tcp = this.#tcp;
    if (tcp !== undefined) waits.push(new Promise<void>((resolve) => tcp.close(() => resolve())));
    await Promise.all(waits);
  }
}
