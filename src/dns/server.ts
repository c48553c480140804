// DnsServer: the embedded resolver of every sandbox, 127.0.0.11:53 inside its netns, served by this process.

import { closeSync, openSync } from "node:fs";
import { availableParallelism, endianness } from "node:os";
import { conflict, invalidArgument, isLibnetworkError, unavailable } from "../errors/index.js";
import { AF_INET, SOCK_DGRAM, SOCK_STREAM, isNativeError, type NativeAddon } from "../native/index.js";
import type { EngineOptions } from "./engine.js";
import type { ServiceRecords } from "./records.js";
import { EMBEDDED_DNS_SERVER } from "./sandbox-resolvconf.js";
import { OpEncoder, validateOpLogBytes } from "./op-log.js";
import { LocalThread, WORKER_DIED, WorkerThread, type ServingThread } from "./serving-thread.js";

const SOL_SOCKET = 1;
const SO_REUSEPORT = 15;
export const EMBEDDED_DNS_PORT = 53;

/**
 * Serving threads by default. Measured on the 2-core bench VM with dnsperf (4 clients) in the sandbox
 * sharing the cores (bench/dns.ts): one thread is CPU-bound on Node's per-datagram cost before the
 * Docker target; two workers, each with its own SO_REUSEPORT socket per sandbox, reach it. Serving in
 * workers also keeps DNS latency independent of whatever blocks the controller's event loop.
 */
export function defaultDnsThreads(): number {
  return Math.min(2, Math.max(1, availableParallelism()));
}

/** Most serving threads one server takes: each holds a V8 isolate (~11 MiB) and a socket per sandbox. */
export const MAX_DNS_THREADS = 16;

/** `threads` if it is a thread count DnsServer.start takes (0 to MAX_DNS_THREADS); a typed error if not. */
export function validateDnsThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 0 || threads > MAX_DNS_THREADS) {
    throw invalidArgument("ERR_INVALID_DNS_THREADS", `DNS serving threads ${String(threads)} must be an integer from 0 to ${MAX_DNS_THREADS}`);
  }
  return threads;
}

export interface DnsServerOptions extends EngineOptions {
  readonly native: NativeAddon;
  readonly records: ServiceRecords;
  /** Serving threads; 0 serves on the calling thread's event loop. Default: defaultDnsThreads(). */
  readonly threads?: number;
  /** Listening address inside each sandbox (default 127.0.0.11, on the sandbox's loopback). */
  readonly address?: string;
  readonly port?: number;
  /** Bytes of each serving thread's records change log (a power of two; default 1 MiB). */
  readonly recordLogBytes?: number;
}

interface Attachment {
  /** Our own fd of the sandbox's netns, to re-open sockets if a serving thread dies. */
  readonly nsFd: number;
  /** The thread that serves TCP for this sandbox (UDP is served by every thread). */
  readonly tcpThread: number;
}

function ipv4Sockaddr(ip: string, port: number): Buffer {
  const b = Buffer.alloc(16);
  if (endianness() === "LE") b.writeUInt16LE(AF_INET, 0);
  else b.writeUInt16BE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) {
    throw invalidArgument("ERR_DNS_ADDRESS", `embedded DNS address must be IPv4, got ${JSON.stringify(ip)}`);
  }
  b.set(parts, 4);
  return b;
}

export class DnsServer {
  readonly #native: NativeAddon;
  readonly #records: ServiceRecords;
  readonly #options: EngineOptions;
  readonly #address: string;
  readonly #port: number;
  readonly #logBytes: number | undefined;
  readonly #threads: ServingThread[] = [];
  readonly #encoder = new OpEncoder();
  readonly #attached = new Map<string, Attachment>();
  #nextTcp = 0;
  #restarts = 0;
  #closed = false;

  private constructor(options: DnsServerOptions) {
    this.#native = options.native;
    this.#records = options.records;
    this.#options = { ...(options.forwarder === undefined ? {} : { forwarder: options.forwarder }), ...(options.limits === undefined ? {} : { limits: options.limits }) };
    this.#address = options.address ?? EMBEDDED_DNS_SERVER;
    this.#port = options.port ?? EMBEDDED_DNS_PORT;
    // A bad size is refused here, not later in a worker's constructor.
    this.#logBytes = options.recordLogBytes === undefined ? undefined : validateOpLogBytes(options.recordLogBytes);
    ipv4Sockaddr(this.#address, this.#port);
  }

  static async start(options: DnsServerOptions): Promise<DnsServer> {
    const server = new DnsServer(options);
    const threads = validateDnsThreads(options.threads ?? defaultDnsThreads());
    if (threads === 0) server.#threads.push(new LocalThread(server.#records, server.#options));
    for (let i = 0; i < threads; i++) server.#threads.push(server.#spawn(i));
    await server.sync();
    return server;
  }

  get threadCount(): number {
    return this.#threads.length;
  }

  /** Serving threads that died and were replaced (each one a bug worth a look). */
  get restarts(): number {
    return this.#restarts;
  }

  get sandboxes(): string[] {
    return [...this.#attached.keys()];
  }

  /** Whether the sandbox is served (O(1), unlike `sandboxes`: checked on every join). */
  serves(sandboxId: string): boolean {
    return this.#attached.has(sandboxId);
  }

  #spawn(index: number): ServingThread {
    return new WorkerThread(this.#records, this.#options, () => { void this.#respawn(index); }, this.#logBytes, this.#encoder);
  }

  /** A worker died (a bug): start another and give it fresh sockets for every sandbox it served. */
  async #respawn(index: number): Promise<void> {
    if (this.#closed) return;
    this.#restarts++;
    const thread = this.#spawn(index);
    this.#threads[index] = thread;
    for (const [sandboxId, a] of this.#attached) {
      try {
        const { udp, tcp } = this.#openSockets(a.nsFd, a.tcpThread === index);
        await thread.attach(sandboxId, udp, tcp);
      } catch {
        // The other threads still serve this sandbox over UDP (SO_REUSEPORT group).
      }
    }
  }

  /** One bound UDP socket for this thread (in the sandbox's SO_REUSEPORT group when there are several). */
  #openUdp(nsFd: number): number {
    if (this.#threads.length === 1) return this.#native.listenAt(nsFd, AF_INET, SOCK_DGRAM, this.#address, this.#port);
    const fd = this.#native.socketAt(nsFd, AF_INET, SOCK_DGRAM, 0);
    try {
      this.#native.setsockoptInt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
      this.#native.bind(fd, ipv4Sockaddr(this.#address, this.#port));
    } catch (err) {
      this.#native.close(fd);
      throw err;
    }
    return fd;
  }

  #openSockets(nsFd: number, withTcp: boolean): { udp: number[]; tcp: number | undefined } {
    const udp = [this.#openUdp(nsFd)];
    try {
      const tcp = withTcp ? this.#native.listenAt(nsFd, AF_INET, SOCK_STREAM, this.#address, this.#port) : undefined;
      return { udp, tcp };
    } catch (err) {
      this.#native.close(udp[0] as number);
      throw err;
    }
  }

  /**
   * Starts serving the sandbox whose netns is `nsFd` (its `lo` must be up: 127.0.0.11 lives there).
   * The records decide what it sees (records.setSandbox); sockets exist only inside that netns, so the
   * resolver cannot be reached from anywhere else.
   */
  async attach(sandboxId: string, nsFd: number): Promise<void> {
    if (this.#closed) throw unavailable("ERR_DNS_CLOSED", "the DNS server is closed");
    if (this.#attached.has(sandboxId)) throw conflict("ERR_DNS_ATTACHED", `sandbox ${sandboxId} already has its resolver`);
    if (!Number.isInteger(nsFd) || nsFd < 0) throw invalidArgument("ERR_DNS_NETNS", "attach needs the fd of a sandbox netns");
    const ownFd = openSync(`/proc/self/fd/${nsFd}`, "r");
    const a: Attachment = { nsFd: ownFd, tcpThread: this.#nextTcp++ % this.#threads.length };
    this.#attached.set(sandboxId, a);
    try {
      for (let i = 0; i < this.#threads.length; i++) {
        const { udp, tcp } = this.#openSocketsOrThrow(ownFd, i === a.tcpThread);
        await this.#handOver(i, sandboxId, udp, tcp);
      }
    } catch (err) {
      await this.detach(sandboxId);
      throw err;
    }
  }

  #openSocketsOrThrow(nsFd: number, withTcp: boolean): { udp: number[]; tcp: number | undefined } {
    try {
      return this.#openSockets(nsFd, withTcp);
    } catch (err) {
      if (isLibnetworkError(err)) throw err;
      const why = isNativeError(err) ? `${err.syscall}: ${err.code}` : String(err);
      throw unavailable("ERR_DNS_LISTEN", `cannot listen on ${this.#address}:${this.#port} in the sandbox (${why}); is lo up?`, err);
    }
  }

  async #handOver(i: number, sandboxId: string, udp: number[], tcp: number | undefined): Promise<void> {
    try {
      await (this.#threads[i] as ServingThread).attach(sandboxId, udp, tcp);
    } catch (err) {
      // A live thread refuses before taking the fds; a dead one closed whatever it had taken, and
      // closing those numbers again could hit fds opened since, so they are left alone.
      if (!(isLibnetworkError(err) && err.code === WORKER_DIED)) {
        for (const fd of [...udp, ...(tcp === undefined ? [] : [tcp])]) this.#native.close(fd);
      }
      throw err;
    }
  }

  /** Stops serving the sandbox and closes its sockets; resolves when they are closed. */
  async detach(sandboxId: string): Promise<void> {
    const a = this.#attached.get(sandboxId);
    if (a === undefined) return;
    this.#attached.delete(sandboxId);
    await Promise.allSettled(this.#threads.map((t) => t.detach(sandboxId)));
    closeSync(a.nsFd);
  }

  /** Resolves once records changes made so far are visible to every serving thread. */
  async sync(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.sync()));
  }

  /** Closes every sandbox's sockets, the forwarders and the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#threads.map((t) => t.close()));
    for (const a of this.#attached.values()) closeSync(a.nsFd);
    this.#attached.clear();
  }
}
