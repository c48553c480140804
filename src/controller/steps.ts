// Multi-step operations with a rollback stack, and the fault points the crash tests use.

import { LibnetworkError } from "../errors/index.js";

/** Called at every named step of a multi-step operation; the default kills the process when asked to. */
export type FaultHook = (point: string) => void;

/**
 * DNET_FAULT=<point> makes the process die abruptly (SIGKILL, no cleanup) when it reaches that point,
 * so tests can check that a restart repairs whatever was half done.
 */
export function envFaultHook(env: NodeJS.ProcessEnv = process.env): FaultHook {
  const wanted = env["DNET_FAULT"];
  if (wanted === undefined || wanted === "") return () => {};
  return (point) => {
    if (point === wanted) process.kill(process.pid, "SIGKILL");
  };
}

/** Undo actions registered while an operation progresses; run in reverse when it fails. */
export class Rollback {
  readonly #undo: Array<{ what: string; fn: () => Promise<void> | void }> = [];

  push(what: string, fn: () => Promise<void> | void): void {
    this.#undo.push({ what, fn });
  }

  /** Undoes everything in reverse; rethrows `cause` with any undo failures attached. */
  async unwind(cause: unknown): Promise<never> {
    const failures: unknown[] = [];
    for (const step of this.#undo.reverse()) {
      try {
        await step.fn();
      } catch (err) {
        failures.push(new Error(`rollback of "${step.what}" failed: ${String(err)}`, { cause: err }));
      }
    }
    if (failures.length === 0) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    const agg = new AggregateError([cause, ...failures], `${message} (and ${failures.length} rollback step(s) failed)`);
    if (cause instanceof LibnetworkError) Object.assign(agg, { kind: cause.kind, code: cause.code });
    throw agg;
  }
}

/** Runs every teardown step even when some fail; reports all failures together. */
export async function bestEffort(steps: ReadonlyArray<readonly [string, () => Promise<void> | void]>): Promise<void> {
  const failures: unknown[] = [];
  for (const [what, fn] of steps) {
    try {
      await fn();
    } catch (err) {
      failures.push(new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} teardown steps failed`);
}
