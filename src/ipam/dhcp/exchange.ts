// One DHCP exchange: a message sent, retransmitted on a schedule, until a reply it accepts arrives, the
// deadline passes or the caller aborts.

import type { IpAddress } from "../../types/index.js";
import { decodeDhcpMessage, type DhcpMessage } from "./packet.js";
import type { Clock, DhcpTransport } from "./transport.js";

export interface ExchangeSpec<T> {
  readonly to: IpAddress;
  /** The message, given the seconds since the exchange began (the `secs` field). */
  readonly build: (secs: number) => Buffer;
  /** What a reply means, or undefined for a datagram that answers something else (another client's xid). */
  readonly accept: (m: DhcpMessage) => T | undefined;
  /** No accepted reply by then (clock ms): the exchange ends with undefined. */
  readonly deadline: number;
  /** The wait before the n-th retransmission (n from 0), given the current time. */
  readonly retryDelay: (n: number, now: number) => number;
}

export function exchange<T>(t: DhcpTransport, clock: Clock, spec: ExchangeSpec<T>, signal?: AbortSignal): Promise<T | undefined> {
  const started = clock.now();
  return new Promise<T | undefined>((resolve, reject) => {
    let cancelTimer: (() => void) | undefined;
    let done = false;
    const finish = (value: T | undefined, err?: unknown): void => {
      if (done) return;
      done = true;
      cancelTimer?.();
      t.receive(undefined);
      signal?.removeEventListener("abort", onAbort);
      if (err === undefined) resolve(value);
      else reject(err);
    };
    const onAbort = (): void => finish(undefined);
    if (signal?.aborted === true) {
      finish(undefined);
      return;
    }
    signal?.addEventListener("abort", onAbort);
    t.receive((bytes) => {
      let msg: DhcpMessage;
      try {
        msg = decodeDhcpMessage(bytes);
      } catch {
        return; // not a DHCP message we can read: not ours
      }
      const value = spec.accept(msg);
      if (value !== undefined) finish(value);
    });
    const sendAt = (n: number): void => {
      const now = clock.now();
      if (now >= spec.deadline) {
        finish(undefined);
        return;
      }
      t.send(spec.build(Math.min(0xffff, Math.floor((now - started) / 1000))), spec.to).catch((err: unknown) => finish(undefined, err));
      const wait = Math.max(1, Math.min(spec.retryDelay(n, now), spec.deadline - now));
      cancelTimer = clock.setTimeout(() => sendAt(n + 1), wait);
    };
    sendAt(0);
  });
}

/** RFC 2131 §4.1: about 4 s, doubling, up to 64 s, randomised by ±1 s; we start at 2 s (a join waits on it). */
export function backoff(firstMs: number, random: () => number = Math.random): (n: number) => number {
  return (n) => Math.min(64_000, firstMs * 2 ** n) + (random() - 0.5) * 1000;
}

/** RFC 2131 §4.4.5: half the time left until `end`, but not less than `minMs`. */
export function halfTheRest(end: number, minMs: number): (n: number, now: number) => number {
  return (_n, now) => Math.max(minMs, (end - now) / 2);
}
