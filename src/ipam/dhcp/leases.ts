// The DHCP client drivers are handed (driver-api's DhcpLeaser): one lease per endpoint, obtained at join,
// renewed at T1 and rebound at T2 on timers, taken back after a restart, released on leave. Its timers and
// sockets end with close(); leases are not released then, so a restarted daemon resumes them.

import { unavailable } from "../../errors/index.js";
import type { IpPrefix } from "../../types/index.js";
import { extendLease, obtainLease, rebootLease, releaseLease, type ClientIdentity, type Outcome, type Step } from "./client.js";
import { parseDhcpConfig } from "./config.js";
import { INFINITE_LEASE, type DhcpLease, type DhcpLeaseRequest, type DhcpLeaseState, type Granted } from "./lease-types.js";
import { systemClock, type Clock, type OpenDhcpTransport } from "./transport.js";

export interface DhcpClientOptions {
  /** Opens the socket of an exchange on the interface inside the sandbox (see OpenDhcpSocket). */
  readonly openTransport: OpenDhcpTransport;
  readonly clock?: Clock;
  /** Between attempts to take back a lease that was lost (refused, expired, not confirmed); default 30 s. */
  readonly lostRetryMs?: number;
}

interface Held {
  readonly req: DhcpLeaseRequest;
  readonly timeoutMs: number;
  /** The address the interface has: kept there while the lease is lost, and asked for again. */
  readonly address: IpPrefix;
  granted: Granted | undefined;
  state: DhcpLeaseState;
  cancelTimer: (() => void) | undefined;
  readonly abort: AbortController;
  /** The exchange under way (renewal, rebinding, reboot), settled when it ends. */
  work: Promise<void>;
}

const identity = (req: DhcpLeaseRequest): ClientIdentity => ({
  mac: req.mac, clientId: req.clientId, ...(req.hostname === undefined ? {} : { hostname: req.hostname }),
});

export class DhcpClient {
  readonly #open: OpenDhcpTransport;
  readonly #clock: Clock;
  readonly #lostRetryMs: number;
  readonly #held = new Map<string, Held>();
  /** Joins waiting for a server: close() stops them. */
  readonly #acquiring = new Set<AbortController>();
  #closed = false;

  constructor(o: DhcpClientOptions) {
    this.#open = o.openTransport;
    this.#clock = o.clock ?? systemClock;
    this.#lostRetryMs = o.lostRetryMs ?? 30_000;
  }

  async acquire(req: DhcpLeaseRequest): Promise<DhcpLease> {
    const { timeoutMs } = parseDhcpConfig(req.options);
    this.forget(req.endpointId);
    const abort = new AbortController();
    this.#acquiring.add(abort);
    let granted: Granted | undefined;
    try {
      granted = await this.#step(req, this.#clock.now() + timeoutMs, abort.signal, obtainLease);
    } finally {
      this.#acquiring.delete(abort);
    }
    if (granted === undefined) {
      throw unavailable("ERR_DHCP_NO_LEASE", `no DHCP server granted a lease on ${req.ifname} within ${timeoutMs / 1000} s` +
        (abort.signal.aborted ? " (the client was closed)" : ""));
    }
    this.#hold(req, timeoutMs, granted.lease.address, "bound", granted);
    return granted.lease;
  }

  resume(req: DhcpLeaseRequest, address: IpPrefix): void {
    this.forget(req.endpointId);
    this.#hold(req, parseDhcpConfig(req.options).timeoutMs, address, "rebooting", undefined);
  }

  async release(endpointId: string): Promise<void> {
    const h = this.#held.get(endpointId);
    if (h === undefined) return;
    this.#stop(h);
    this.#held.delete(endpointId);
    await h.work;
    const lease = h.granted?.lease;
    if (lease === undefined) return; // never confirmed (after a restart): no server to tell
    try {
      const transport = await this.#open(h.req.sandboxKey, h.req.ifname);
      try {
        await releaseLease(transport, identity(h.req), lease);
      } finally {
        transport.close();
      }
    } catch {
      // Best effort: a server that missed it reclaims the address when the lease runs out.
    }
  }

  forget(endpointId: string): void {
    const h = this.#held.get(endpointId);
    if (h === undefined) return;
    this.#stop(h);
    this.#held.delete(endpointId);
  }

  status(endpointId: string): { readonly lease: DhcpLease | undefined; readonly state: DhcpLeaseState } | undefined {
    const h = this.#held.get(endpointId);
    return h === undefined ? undefined : { lease: h.granted?.lease, state: h.state };
  }

  /** Stops every timer and exchange (joins waiting for a lease fail); leases stay with the server. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const a of this.#acquiring) a.abort();
    const works = [...this.#held.values()].map((h) => {
      this.#stop(h);
      return h.work;
    });
    this.#held.clear();
    await Promise.all(works);
  }

  #hold(req: DhcpLeaseRequest, timeoutMs: number, address: IpPrefix, state: DhcpLeaseState, granted: Granted | undefined): void {
    const h: Held = { req, timeoutMs, address, granted, state, cancelTimer: undefined, abort: new AbortController(), work: Promise.resolve() };
    this.#held.set(req.endpointId, h);
    this.#schedule(h);
  }

  #stop(h: Held): void {
    h.abort.abort();
    h.cancelTimer?.();
    h.cancelTimer = undefined;
  }

  /** The next exchange: renewal at T1 when bound, at once when rebooting, a later retry when lost. */
  #schedule(h: Held): void {
    if (this.#closed || h.abort.signal.aborted) return;
    const now = this.#clock.now();
    let at: number;
    let run: () => Promise<void>;
    if (h.state === "bound" && h.granted !== undefined) {
      if (h.granted.lease.leaseSeconds === INFINITE_LEASE) return;
      at = h.granted.lease.renewedAt + h.granted.t1 * 1000;
      run = () => this.#extend(h, h.granted as Granted);
    } else {
      at = h.state === "rebooting" ? now : now + this.#lostRetryMs;
      run = () => this.#reboot(h);
    }
    h.cancelTimer = this.#clock.setTimeout(() => {
      h.cancelTimer = undefined;
      h.work = run().catch(() => {
        h.state = "lost"; // the socket could not be opened (the interface is gone): try again later
      }).then(() => this.#schedule(h));
    }, Math.max(0, at - now));
  }

  /** RENEWING until T2, then REBINDING until the lease ends. */
  async #extend(h: Held, g: Granted): Promise<void> {
    const lease = g.lease;
    const minRetryMs = Math.min(60_000, Math.max(1000, (lease.leaseSeconds * 1000) / 16));
    h.state = "renewing";
    let outcome = await this.#step(h.req, lease.renewedAt + g.t2 * 1000, h.abort.signal, (s) => extendLease(s, lease, "renew", minRetryMs));
    if (outcome === undefined && !h.abort.signal.aborted) {
      h.state = "rebinding";
      outcome = await this.#step(h.req, lease.renewedAt + lease.leaseSeconds * 1000, h.abort.signal, (s) => extendLease(s, lease, "rebind", minRetryMs));
    }
    this.#settle(h, outcome);
  }

  async #reboot(h: Held): Promise<void> {
    const outcome = await this.#step(h.req, this.#clock.now() + h.timeoutMs, h.abort.signal, (s) => rebootLease(s, h.address));
    this.#settle(h, outcome);
  }

  /** An ACK for the interface's address binds; a NAK, silence, or another address (we cannot move it) lose it. */
  #settle(h: Held, outcome: Outcome | undefined): void {
    if (h.abort.signal.aborted) return;
    const same = outcome?.kind === "ack" && outcome.granted.lease.address.address === h.address.address;
    if (same) {
      h.granted = outcome.granted;
      h.state = "bound";
    } else {
      h.state = "lost";
    }
  }

  async #step<T>(req: DhcpLeaseRequest, deadline: number, signal: AbortSignal, fn: (s: Step) => Promise<T>): Promise<T> {
    const transport = await this.#open(req.sandboxKey, req.ifname);
    try {
      return await fn({ transport, clock: this.#clock, id: identity(req), deadline, signal });
    } finally {
      transport.close();
    }
  }
}
