// One serving thread's resolver: its copy of the records, its forwarder, its sandbox listeners and limits.

import { conflict } from "../errors/index.js";
import { Rcode } from "./message.js";
import { Forwarder, type ForwarderOptions } from "./forwarder.js";
import { SandboxListener, type QueryHandler } from "./listener.js";
import type { ParsedQuery } from "./query.js";
import type { ServiceRecords } from "./records.js";
import { errorReply, relayReply } from "./reply.js";
import { decide } from "./resolver.js";
import { TokenBucket } from "./token-bucket.js";
import { DEFAULT_LIMITS, type DnsLimits, type Reply, type SandboxState } from "./limits.js";

export interface EngineOptions {
  readonly forwarder?: ForwarderOptions;
  readonly limits?: Partial<DnsLimits>;
}

const NO_REPLY = Buffer.alloc(0);

function drop(udp: boolean, reply: Reply): void {
  if (!udp) reply(NO_REPLY);
}

export class DnsEngine implements QueryHandler {
  readonly records: ServiceRecords;
  readonly forwarder: Forwarder;
  readonly limits: DnsLimits;
  readonly #listeners = new Map<string, SandboxListener>();
  readonly #beforeQuery: () => void;

  /** `beforeQuery` brings `records` up to date (a serving thread reads the changes the main thread logged). */
  constructor(records: ServiceRecords, options: EngineOptions = {}, beforeQuery: () => void = () => {}) {
    this.records = records;
    this.#beforeQuery = beforeQuery;
    this.forwarder = new Forwarder(options.forwarder);
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
  }

  /** Serves a sandbox from already-bound sockets (UDP fds, optional listening TCP fd); takes ownership. */
  attach(sandboxId: string, udpFds: readonly number[], tcpFd: number | undefined): void {
    if (this.#listeners.has(sandboxId)) throw conflict("ERR_DNS_ATTACHED", `sandbox ${sandboxId} is already served`);
    const state: SandboxState = {
      sandboxId,
      limits: this.limits,
      queries: new TokenBucket(this.limits.queriesPerSecond, this.limits.queriesPerSecond),
      forwards: new TokenBucket(this.limits.forwardsPerSecond, this.limits.forwardBurst),
      forwarding: 0,
      tcpConnections: 0,
    };
    this.#listeners.set(sandboxId, new SandboxListener(this, state, udpFds, tcpFd));
  }

  async detach(sandboxId: string): Promise<void> {
    const l = this.#listeners.get(sandboxId);
    if (l === undefined) return;
    this.#listeners.delete(sandboxId);
    await l.close();
  }

  get sandboxes(): string[] {
    return [...this.#listeners.keys()];
  }

  /**
   * Answers one query from `state`'s sandbox; `reply` may be called later (forwarding). A dropped UDP
   * query gets no call at all; a dropped TCP query gets an empty buffer, which frees its pipeline slot.
   */
  handle(state: SandboxState, buf: Buffer, udp: boolean, reply: Reply): void {
    if (!state.queries.take()) return drop(udp, reply);
    let d;
    try {
      this.#beforeQuery();
      d = decide(this.records, state.sandboxId, buf, udp);
    } catch {
      // A bug must cost one query, not the server.
      return drop(udp, reply);
    }
    if (d.kind === "reply") reply(d.bytes);
    else if (d.kind === "forward") this.#forward(state, buf, d.query, udp, reply);
    else drop(udp, reply);
  }

  #forward(state: SandboxState, buf: Buffer, q: ParsedQuery, udp: boolean, reply: Reply): void {
    if (state.forwarding >= state.limits.maxForwardsPerSandbox) {
      reply(errorReply(buf, q, Rcode.SERVFAIL));
      return;
    }
    if (!state.forwards.take()) return drop(udp, reply);
    state.forwarding++;
    const upstreams = this.records.upstreamsOf(state.sandboxId);
    void this.forwarder.forward(buf, upstreams, udp ? "udp" : "tcp").then((r) => {
      state.forwarding--;
      if (r.kind === "answer") reply(relayReply(buf, q, r.message, udp));
      else if (r.reason !== "closed") reply(errorReply(buf, q, Rcode.SERVFAIL));
      else drop(udp, reply);
    });
  }

  /** Closes every listener and the forwarder. */
  async close(): Promise<void> {
    const all = [...this.#listeners.values()];
    this.#listeners.clear();
    this.forwarder.close();
    await Promise.all(all.map((l) => l.close()));
  }
}
