// The daemon's start before it serves: the instance lock first, then the controller, with the event bus
// and metrics ready beforehand so the repairs and reclaims of its start-up are logged, streamed and counted.

import { statSync } from "node:fs";
import { join } from "node:path";
import { Controller, STORE_FILE_NAME, type Controller as NetworkController, type ControllerOptions } from "../libnetwork.js";
import type { RepairListener } from "../controller/index.js";
import { lockInstance, type InstanceLock } from "../instance-lock.js";
import { ConnectionGuard, DEFAULT_MAX_CONNECTIONS } from "./connection-guard.js";
import { EventBus } from "./events.js";
import type { Logger } from "./logging.js";
import { Metrics } from "./metrics.js";
import { recordDaemonNetns } from "./netns-record.js";
import { reportRepair } from "./repairs.js";
import { logReclaimed, type StoreFileState } from "./restore-log.js";

export interface OpenedDaemon {
  readonly controller: NetworkController;
  readonly lock: InstanceLock;
  readonly events: EventBus;
  readonly metrics: Metrics;
  readonly connections: ConnectionGuard;
}

export interface OpenRequest {
  readonly dataDir: string;
  /** Refuses to take a live daemon's socket; runs once the locks are held. */
  readonly claimSocket: () => Promise<void>;
  /** The library's options, given the listener the daemon reports repairs to. */
  readonly options: (onRepair: RepairListener) => ControllerOptions;
  readonly maxConnections: number | undefined;
}

/**
 * Locks the data directory and the network namespace (a second daemon on either would fight this one),
 * then opens the controller. Kernel objects no record names are removed by the controller's start, as the
 * locks make them a lost run's; that is said loudly, louder when the database was empty or missing.
 */
export async function openLocked(r: OpenRequest, logger: Logger): Promise<OpenedDaemon> {
  const lock = await lockInstance(r.dataDir);
  try {
    recordDaemonNetns(r.dataDir);
  } catch (err) {
    logger.warn("could not record this daemon's network namespace: dnet system cleanup will not know it", { error: err instanceof Error ? err.message : String(err) });
  }
  const events = new EventBus();
  const live: { controller?: NetworkController; connections?: ConnectionGuard } = {};
  const metrics = new Metrics(() => (live.controller === undefined ? {} : {
    networks: live.controller.networks().length, endpoints: live.controller.endpoints().length,
    sandboxes: live.controller.sandboxes().length, event_subscribers: events.subscribers, connections: live.connections?.count ?? 0,
  }));
  const store = { file: join(r.dataDir, STORE_FILE_NAME), state: storeFileState(join(r.dataDir, STORE_FILE_NAME)) };
  let controller: NetworkController;
  try {
    await r.claimSocket();
    controller = await Controller.create(r.options((n) => reportRepair(n, logger, events, metrics)));
  } catch (err) {
    await lock.release();
    throw err;
  }
  const connections = new ConnectionGuard(r.maxConnections ?? DEFAULT_MAX_CONNECTIONS, logger, metrics);
  live.controller = controller;
  live.connections = connections;
  const report = controller.restoreReport;
  if (report !== undefined) logReclaimed(report, store, logger);
  return { controller, lock, events, metrics, connections };
}

function storeFileState(file: string): StoreFileState {
  try {
    return statSync(file).size === 0 ? "empty" : "present";
  } catch {
    return "missing";
  }
}
