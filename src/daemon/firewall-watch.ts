// When the daemon checks its firewall for drift (someone flushed or deleted our table) and repairs it: at
// once when nftables announces a commit that is not ours (the controller's firewall watch, nft-watch.ts),
// (the backend already rewrote its tables when the commit touched them: the check then confirms),
// and on a slower poll as the fallback for what no notification tells (iptables-legacy, a watch that
// could not open): 10 s with the watch, 1 s without. A check that keeps failing is logged when it starts
// failing and when it works again, not each time; while file descriptors are short the checks wait
// (each needs sockets and processes).

import type { Controller, FirewallChange, FirewallChangeWatch } from "../libnetwork.js";
import { EpisodeLog } from "./episode-log.js";
import { errorFields, errorInfo } from "./error-info.js";
import type { FdPressure } from "./fd-pressure.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";

export const POLL_WITH_WATCH_MS = 10_000;
export const POLL_WITHOUT_WATCH_MS = 1_000;

export interface FirewallWatchOptions {
  /** Poll interval; 0: never poll. Default: POLL_WITH_WATCH_MS, or POLL_WITHOUT_WATCH_MS without a watch. */
  readonly pollMs?: number;
  /** Watch nftables commits (default true). */
  readonly watch?: boolean;
}

type Trigger = "watch" | "poll";

export class FirewallWatch {
  readonly #controller: Controller;
  readonly #logger: Logger;
  readonly #fd: FdPressure;
  readonly #metrics: Metrics;
  readonly #failing: EpisodeLog;
  readonly #watch: FirewallChangeWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  /** A change reported while a check ran: checked again when it ends (it may have started before). */
  #again: FirewallChange | undefined;
  #closed = false;

  constructor(controller: Controller, logger: Logger, fd: FdPressure, metrics: Metrics, o: FirewallWatchOptions = {}) {
    this.#controller = controller;
    this.#logger = logger;
    this.#fd = fd;
    this.#metrics = metrics;
    this.#failing = new EpisodeLog(logger);
    this.#watch = o.watch === false ? undefined : this.#openWatch();
    const everyMs = o.pollMs ?? (this.#watch === undefined ? POLL_WITHOUT_WATCH_MS : POLL_WITH_WATCH_MS);
    if (everyMs <= 0) return;
    this.#timer = setInterval(() => { if (!this.#checking) this.#check("poll"); }, everyMs);
    this.#timer.unref();
  }

  /** Commits recognised as the daemon's own by the watch (no check was run for them). */
  get ownCommits(): number {
    return this.#watch?.ownCommits ?? 0;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#watch?.close();
  }

  #openWatch(): FirewallChangeWatch | undefined {
    try {
      return this.#controller.watchFirewall((change) => this.#changed(change));
    } catch (err) {
      this.#logger.warn("nftables changes cannot be watched; the firewall is polled every second instead", errorFields(err));
      return undefined;
    }
  }

  #changed(change: FirewallChange): void {
    if (change.rewritten === true) {
      // The backend put its tables back on the notice alone; the check below confirms (and sees to the rest).
      this.#logger.warn("firewall changed behind our back; our tables rewritten at once", { reason: change.reason, trigger: "watch" });
      this.#metrics.count("repairs", "firewall", "object");
    }
    if (this.#checking) { this.#again = { reason: change.reason }; return; } // told once, checked again
    this.#logger.debug("firewall changed behind our back; checking now", { reason: change.reason });
    this.#check("watch");
  }

  #check(trigger: Trigger): void {
    if (this.#closed || this.#fd.exhausted) return;
    this.#checking = true;
    this.#metrics.count("firewall_checks", trigger, "trigger");
    const t0 = performance.now();
    // A watched change moved the generation: the gate lets the full check through without a second read.
    this.#controller.checkFirewall(true, { skipIfUnchanged: true }).then((r) => {
      this.#failing.end("firewall check works again");
      if (r.drifted) {
        this.#logger.warn("firewall drifted; rules re-applied", { problems: r.problems.length, trigger, ms: Math.round(performance.now() - t0) });
        this.#metrics.count("repairs", "firewall", "object");
      }
    }, (err: unknown) => {
      if (this.#fd.note(err, "firewall-check")) return;
      const i = errorInfo(err);
      this.#failing.occur(`${i.code ?? ""} ${i.message}`, "error", "firewall check failed (logged again only when the failure changes or ends)", errorFields(err));
    }).finally(() => {
      this.#checking = false;
      const again = this.#again;
      this.#again = undefined;
      if (again !== undefined) this.#changed(again);
    });
  }
}
