// The start-up restore report as the daemon logs it: what was rolled back, finished and repaired, and
// each error with its message, code and object (an Error in JSON is `{}`).

import type { RestoreReport } from "../controller/index.js";
import { errorInfo, type ErrorInfo } from "./error-info.js";
import type { Logger } from "./logging.js";

/** Enough to read the log line; the rest is counted. */
const MAX_LISTED = 20;

export interface RestoreSummary {
  readonly rolledBack: readonly string[];
  readonly finished: readonly string[];
  readonly repaired: readonly string[];
  readonly reclaimed?: readonly string[];
  readonly errors: readonly ErrorInfo[];
  /** How many entries of the lists above were left out. */
  readonly more?: number;
}

export function restoreSummary(report: RestoreReport): RestoreSummary {
  let more = 0;
  const listed = <T>(items: readonly T[]): T[] => {
    more += Math.max(0, items.length - MAX_LISTED);
    return items.slice(0, MAX_LISTED);
  };
  const summary = {
    rolledBack: listed(report.rolledBack), finished: listed(report.finished), repaired: listed(report.repaired),
    errors: listed(report.errors).map((e) => errorInfo(e)),
    ...(report.reclaimed.length === 0 ? {} : { reclaimed: listed(report.reclaimed) }),
  };
  return more === 0 ? summary : { ...summary, more };
}

/** One warning per error of the report, each with its object, so none hides in a long start line. */
export function logRestoreErrors(report: RestoreReport, logger: Logger): void {
  for (const e of report.errors) {
    const i = errorInfo(e);
    logger.warn("start-up restore left an object unsettled", { object: i.object, step: i.step, error: i.message, code: i.code, errno: i.errno });
  }
}

/** What the store file looked like before the daemon opened it. */
export type StoreFileState = "present" | "empty" | "missing";

/**
 * Kernel objects of an earlier run that no record names were removed at start: said loudly, naming them,
 * and louder still when the database was empty or missing (`: > dnet.db`), the likely cause.
 */
export function logReclaimed(report: RestoreReport, store: { readonly file: string; readonly state: StoreFileState }, logger: Logger): void {
  if (report.reclaimed.length === 0) return;
  const found = report.reclaimed.join(", ");
  if (store.state !== "present") {
    const how = store.state === "empty" ? "empty (0 bytes)" : "missing";
    logger.warn(`the database ${store.file} was ${how} at start, yet the kernel held objects of an earlier dnet run: removed them, as no record names them`, { found });
    return;
  }
  logger.warn("the kernel held dnet objects that no record names (an older or restored database?): removed them", { found });
}
