// Per-sandbox limits of the resolver and the per-sandbox state they act on.

import type { TokenBucket } from "./token-bucket.js";

/** Limits apply per sandbox and per serving thread (each thread keeps its own counters). */
export interface DnsLimits {
  /**
   * Forwarded queries a sandbox may start per second (and burst). Forwarding is the expensive and
   * externally visible work; over the limit a query is dropped, as rate limiters do, so a flood costs
   * one read. Local answers are not limited: each sandbox has its own socket and the event loop reads
   * at most 32 datagrams from one socket before serving the next, so a flood cannot starve the others.
   */
  readonly forwardsPerSecond: number;
  readonly forwardBurst: number;
  /** Forwards in flight per sandbox, so one sandbox cannot take every slot of the forwarder. */
  readonly maxForwardsPerSandbox: number;
  /** All queries per second per sandbox (0: unlimited). */
  readonly queriesPerSecond: number;
  readonly maxTcpConnectionsPerSandbox: number;
  readonly tcpIdleTimeoutMs: number;
  /** Queries one TCP connection may have in progress; more are read only after answers go out. */
  readonly maxTcpPipeline: number;
}

export const DEFAULT_LIMITS: DnsLimits = Object.freeze({
  forwardsPerSecond: 5000,
  forwardBurst: 10000,
  maxForwardsPerSandbox: 256,
  queriesPerSecond: 0,
  maxTcpConnectionsPerSandbox: 64,
  tcpIdleTimeoutMs: 10_000,
  maxTcpPipeline: 16,
});

/** Per-sandbox counters and limiters. */
export interface SandboxState {
  readonly sandboxId: string;
  readonly limits: DnsLimits;
  readonly queries: TokenBucket;
  readonly forwards: TokenBucket;
  forwarding: number;
  tcpConnections: number;
}

/** Sends one reply to the client that asked. */
export type Reply = (bytes: Buffer) => void;

