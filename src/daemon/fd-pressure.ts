// Running out of file descriptors (EMFILE: this process's limit, ENFILE: the system's). Any failure for
// want of one is reported here: the first starts an episode, logged once, during which the daemon refuses
// changes and delays its periodic checks; a probe ends it when descriptors are back, with one more line.

import { closeSync, openSync, readFileSync, readdirSync } from "node:fs";
import { unavailable, type LibnetworkError } from "../errors/index.js";
import { EpisodeLog } from "./episode-log.js";
import { errorFields } from "./error-info.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";

const FD_CODES = new Set(["EMFILE", "ENFILE"]);
const FD_TEXT = /\bE[MN]FILE\b/;

/** Whether an error, one of its causes or the errors it gathers comes from a lack of descriptors. */
export function isFdExhaustion(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== "object" || depth > 8) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && FD_CODES.has(e.code)) return true;
  // Wrappers that kept only the text (`new Error(`${what}: ${String(err)}`)`).
  if (typeof e.message === "string" && FD_TEXT.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isFdExhaustion(x, depth + 1))) return true;
  return isFdExhaustion(e.cause, depth + 1);
}

/** The soft RLIMIT_NOFILE of this process, or undefined when it cannot be read (or is unlimited). */
export function fdLimit(): number | undefined {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  return m === null ? undefined : Number(m[1]);
}

export interface FdPressureOptions {
  /** Descriptors that must be free to call the episode over (a spawn alone takes about 8). */
  readonly headroom?: number;
  readonly probeMs?: number;
}

export class FdPressure {
  readonly #episode: EpisodeLog;
  readonly #metrics: Metrics;
  readonly #headroom: number;
  readonly #probeMs: number;
  #probe: NodeJS.Timeout | undefined;

  constructor(logger: Logger, metrics: Metrics, o: FdPressureOptions = {}) {
    this.#episode = new EpisodeLog(logger);
    this.#metrics = metrics;
    this.#headroom = o.headroom ?? 32;
    this.#probeMs = o.probeMs ?? 500;
  }

  /** True while descriptors are short: changes are refused, periodic work waits. */
  get exhausted(): boolean {
    return this.#episode.active;
  }

  /** Reports a failure; returns whether it was for want of descriptors (then it is counted and logged once). */
  note(err: unknown, where: string): boolean {
    if (!isFdExhaustion(err)) return false;
    this.#metrics.count("fd_exhaustion", where);
    this.#episode.occur("fd", "error", "out of file descriptors: changes are refused and checks wait until some are closed", {
      where, limit: safe(fdLimit), open: safe(openFds), ...errorFields(err),
    });
    this.#probe ??= setInterval(() => this.#check(), this.#probeMs).unref();
    return true;
  }

  /** The error a refused change gets while descriptors are short. */
  refusal(): LibnetworkError {
    return unavailable("ERR_OUT_OF_FILE_DESCRIPTORS", "the daemon is out of file descriptors: it refuses changes until clients close connections; try again shortly");
  }

  close(): void {
    if (this.#probe !== undefined) clearInterval(this.#probe);
    this.#probe = undefined;
  }

  #check(): void {
    const open = safe(openFds);
    const limit = safe(fdLimit);
    if (open === undefined || limit === undefined || open + this.#headroom > limit || !canOpen()) return;
    this.#episode.end("file descriptors available again", { open, limit });
    this.close();
  }
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** ENFILE leaves this process's count low: only opening something tells. */
function canOpen(): boolean {
  try {
    closeSync(openSync("/dev/null", "r"));
    return true;
  } catch {
    return false;
  }
}

/** Reading /proc needs a descriptor too: undefined when there is none. */
function safe(read: () => number | undefined): number | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
