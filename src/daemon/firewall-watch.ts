// The daemon's periodic firewall check: someone flushing or deleting our table is noticed and repaired
// within 2 s (a netlink read of the nftables generation a second, the full check when it moved). A check
// that keeps failing is logged when it starts failing and when it works again, not every second; while
// file descriptors are short the checks wait (each needs sockets and processes).

import type { Controller } from "../libnetwork.js";
import { EpisodeLog } from "./episode-log.js";
import { errorFields, errorInfo } from "./error-info.js";
import type { FdPressure } from "./fd-pressure.js";
import type { Logger } from "./logging.js";

export class FirewallWatch {
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #failing: EpisodeLog;
  #checking = false;

  /** `everyMs` 0: never check. */
  constructor(controller: Controller, logger: Logger, fd: FdPressure, everyMs: number) {
    this.#failing = new EpisodeLog(logger);
    if (everyMs <= 0) return;
    this.#timer = setInterval(() => {
      if (this.#checking || fd.exhausted) return;
      this.#checking = true;
      controller.checkFirewall(true, { skipIfUnchanged: true }).then((r) => {
        this.#failing.end("firewall check works again");
        if (r.drifted) logger.warn("firewall drifted; rules re-applied", { problems: r.problems.length });
      }, (err: unknown) => {
        if (fd.note(err, "firewall-check")) return;
        const i = errorInfo(err);
        this.#failing.occur(`${i.code ?? ""} ${i.message}`, "error", "firewall check failed (logged again only when the failure changes or ends)", errorFields(err));
      }).finally(() => { this.#checking = false; });
    }, everyMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}
