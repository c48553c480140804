// Forwarding of queries the records cannot answer to up to three upstream servers, from the host netns.

import { randomFillSync } from "node:crypto";
import type net from "node:net";
import { tryParseIp } from "../types/index.js";
import { Rcode } from "./message.js";
import { isLoopbackNameserver, type Upstream } from "./sandbox-resolvconf.js";
import {
  UdpUpstream, questionKey, tcpExchange, type ExchangeResult, type QuestionKey, type UpstreamTarget,
} from "./upstream-exchange.js";

export type Transport = "udp" | "tcp";

export interface ForwarderOptions {
  /** Longest wait for one server (Docker: 4 s for the whole exchange; we try the next server sooner). */
  readonly attemptTimeoutMs?: number;
  /** Longest wait for all servers together: the client gets SERVFAIL before dig's 5 s timeout. */
  readonly budgetMs?: number;
  /** Queries in flight upstream at once (Docker's maxConcurrent). */
  readonly maxConcurrent?: number;
  /** Servers tried per query (Docker's maxExtDNS). */
  readonly maxServers?: number;
  /** Connected UDP sockets per upstream; more sockets, more source ports for a spoofer to guess. */
  readonly socketsPerUpstream?: number;
}

export const FORWARDER_DEFAULTS: Required<ForwarderOptions> = Object.freeze({
  attemptTimeoutMs: 2000,
  budgetMs: 4000,
  maxConcurrent: 1024,
  maxServers: 3,
  socketsPerUpstream: 4,
});

export type ForwardOutcome =
  | { readonly kind: "answer"; readonly message: Buffer; readonly rcode: number; readonly server: string; readonly transport: Transport }
  | { readonly kind: "failed"; readonly reason: "busy" | "no-upstream" | "timeout" | "malformed" | "closed" };

/**
 * "1.2.3.4", "1.2.3.4:5353", "::1" or "[::1]:5353" as a target; undefined when unusable. A server on
 * loopback that is not the host's (`--dns 127.0.0.1`) means the sandbox's own loopback, which we cannot
 * reach from the host side: it is skipped rather than sent to the host's loopback by mistake.
 */
export function upstreamTarget(u: Upstream): UpstreamTarget | undefined {
  let host = u.address;
  let port = 53;
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(host) ?? /^([^:]+):(\d+)$/.exec(host);
  if (m !== null) {
    host = m[1] as string;
    port = Number(m[2]);
  }
  const ip = tryParseIp(host);
  if (ip === undefined || port < 1 || port > 65535) return undefined;
  if (!u.hostLoopback && isLoopbackNameserver(host)) return undefined;
  return { ip: host, port, family: ip.family, key: ip.family === 6 ? `[${host}]:${port}` : `${host}:${port}` };
}

/** Answers we keep trying past: the next server may know better (Docker's resolver loop). */
function worthRetrying(msg: Buffer): boolean {
  const rcode = (msg[3] as number) & 0xf;
  const authoritative = ((msg[2] as number) & 0x04) !== 0;
  return rcode !== Rcode.NOERROR && !(rcode === Rcode.NXDOMAIN && authoritative);
}

/** Of two failed answers, relay the more useful: a NXDOMAIN over a SERVFAIL or REFUSED. */
function better(a: Buffer | undefined, b: Buffer): Buffer {
  if (a === undefined) return b;
  return ((a[3] as number) & 0xf) === Rcode.NXDOMAIN ? a : b;
}

export class Forwarder {
  readonly #options: Required<ForwarderOptions>;
  readonly #udp = new Map<string, UdpUpstream>();
  readonly #tcp = new Set<net.Socket>();
  readonly #ids = new Uint16Array(1024);
  #idPos = this.#ids.length;
  #inFlight = 0;
  #closed = false;

  constructor(options: ForwarderOptions = {}) {
    this.#options = { ...FORWARDER_DEFAULTS, ...options };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Forwards `query` (the client's bytes; its id is replaced by a random one on the wire) and resolves
   * with the chosen answer, whose id is the random one: the caller puts the client's id back. Never rejects.
   */
  async forward(query: Buffer, upstreams: readonly Upstream[], transport: Transport): Promise<ForwardOutcome> {
    if (this.#closed) return { kind: "failed", reason: "closed" };
    if (this.#inFlight >= this.#options.maxConcurrent) return { kind: "failed", reason: "busy" };
    const q = questionKey(query);
    if (q === undefined) return { kind: "failed", reason: "malformed" };
    const targets = upstreams.map(upstreamTarget).filter((t) => t !== undefined).slice(0, this.#options.maxServers);
    if (targets.length === 0) return { kind: "failed", reason: "no-upstream" };
    this.#inFlight++;
    try {
      return await this.#tryServers(query, q, targets, transport);
    } finally {
      this.#inFlight--;
    }
  }

  async #tryServers(query: Buffer, q: QuestionKey, targets: readonly UpstreamTarget[], transport: Transport): Promise<ForwardOutcome> {
    const deadline = performance.now() + this.#options.budgetMs;
    let fallback: { msg: Buffer; target: UpstreamTarget; transport: Transport } | undefined;
    for (const target of targets) {
      const left = deadline - performance.now();
      if (left <= 1 || this.#closed) break;
      const r = await this.#exchange(target, query, q, transport, deadline);
      if (typeof r.msg === "string") continue;
      if (!worthRetrying(r.msg)) {
        return { kind: "answer", message: r.msg, rcode: (r.msg[3] as number) & 0xf, server: target.key, transport: r.transport };
      }
      const msg = better(fallback?.msg, r.msg);
      if (msg !== fallback?.msg) fallback = { msg, target, transport: r.transport };
    }
    if (fallback === undefined) return { kind: "failed", reason: this.#closed ? "closed" : "timeout" };
    const { msg, target } = fallback;
    return { kind: "answer", message: msg, rcode: (msg[3] as number) & 0xf, server: target.key, transport: fallback.transport };
  }

  /** One server: UDP (then TCP when the answer is truncated) or TCP, within the attempt and overall limits. */
  async #exchange(
    target: UpstreamTarget, query: Buffer, q: QuestionKey, transport: Transport, deadline: number,
  ): Promise<{ msg: ExchangeResult; transport: Transport }> {
    const attempt = (): number => Math.max(1, Math.min(this.#options.attemptTimeoutMs, deadline - performance.now()));
    if (transport === "tcp") return { msg: await this.#tcpOnce(target, query, q, attempt()), transport };
    const udp = this.#udpOf(target);
    const id = this.#freshId(udp);
    const r = await udp.exchange(withId(query, id), id, q, attempt());
    if (typeof r === "string" || ((r[2] as number) & 0x02) === 0) return { msg: r, transport };
    // TC: the full answer is only available over TCP; keep the truncated one if TCP fails.
    const full = await this.#tcpOnce(target, query, q, attempt());
    return typeof full === "string" ? { msg: r, transport } : { msg: full, transport: "tcp" };
  }

  #tcpOnce(target: UpstreamTarget, query: Buffer, q: QuestionKey, timeoutMs: number): Promise<ExchangeResult> {
    const id = this.#randomId();
    return tcpExchange(target, withId(query, id), id, q, timeoutMs, this.#tcp);
  }

  #udpOf(target: UpstreamTarget): UdpUpstream {
    let u = this.#udp.get(target.key);
    if (u === undefined) {
      u = new UdpUpstream(target, this.#options.socketsPerUpstream);
      this.#udp.set(target.key, u);
    }
    return u;
  }

  /** Ids come from the CSPRNG in batches (RFC 5452 §4.3): predictable ids make spoofing easy. */
  #randomId(): number {
    if (this.#idPos >= this.#ids.length) {
      randomFillSync(this.#ids);
      this.#idPos = 0;
    }
    return this.#ids[this.#idPos++] as number;
  }

  #freshId(udp: UdpUpstream): number {
    for (;;) {
      const id = this.#randomId();
      if (udp.idFree(id)) return id;
    }
  }

  /** Fails every query in flight ("closed") and closes every upstream socket. */
  close(): void {
    this.#closed = true;
    for (const u of this.#udp.values()) u.close();
    this.#udp.clear();
    for (const s of this.#tcp) s.destroy();
    this.#tcp.clear();
  }
}

function withId(query: Buffer, id: number): Buffer {
  const out = Buffer.from(query);
  out.writeUInt16BE(id, 0);
  return out;
}
