// `dnet daemon`: one process owning one Controller, serving the HTTP API on a unix socket (and on TCP
// only when asked). A graceful stop (SIGTERM/SIGINT) closes the controller without deleting anything,
// so the next start finds every network and sandbox where it was.

import { connect } from "node:net";
import { chmodSync, existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { basename, dirname, join } from "node:path";
import { DEFAULT_SOCKET } from "../api/dto.js";
import { conflict, notImplemented } from "../errors/index.js";
import { Controller, DEFAULT_DATA_DIR, STORE_FILE_NAME, type Controller as NetworkController } from "../libnetwork.js";
import type { RepairListener } from "../controller/index.js";
import { lockInstance, type InstanceLock } from "../instance-lock.js";
import type { AddressPoolConfig } from "../ipam/default/index.js";
import { ConnectionGuard, DEFAULT_MAX_CONNECTIONS } from "./connection-guard.js";
import { dockerRoutes } from "./docker-routes.js";
import { errorFields } from "./error-info.js";
import { EventBus } from "./events.js";
import { FdPressure } from "./fd-pressure.js";
import { FirewallWatch } from "./firewall-watch.js";
import { Logger, type LogFormat, type LogLevel } from "./logging.js";
import { Metrics } from "./metrics.js";
import { nativeRoutes } from "./native-routes.js";
import { Operations } from "./operations.js";
import { privilegeError } from "./privileges.js";
import { reportRepair } from "./repairs.js";
import { logReclaimed, logRestoreErrors, restoreSummary, type StoreFileState } from "./restore-log.js";
import { Router, createApiServer } from "./server.js";

export interface DaemonOptions {
  readonly socket?: string;
  /** `HOST:PORT`: also listen on TCP (never by default: the API is root-equivalent). */
  readonly tcp?: string;
  readonly dataDir?: string;
  readonly netnsDir?: string;
  readonly etcNetnsDir?: string;
  readonly firewall?: "nftables" | "iptables" | "none";
  readonly dns?: readonly string[];
  readonly defaultAddressPools?: readonly AddressPoolConfig[];
  readonly clusterStore?: string;
  readonly advertiseAddr?: string;
  readonly pluginName?: string;
  readonly logFormat?: LogFormat;
  readonly logLevel?: LogLevel;
  readonly maxBodyBytes?: number;
  readonly requestTimeoutMs?: number;
  /** Connections served at once (default 1024, and at most half the file-descriptor limit); more get a 503. */
  readonly maxConnections?: number;
  /** Bytes of events queued for one `/events` subscriber before it is dropped for not reading. */
  readonly eventBufferBytes?: number;
  /** How often the firewall is checked for drift (someone flushed our table) and repaired; 0 = never. */
  readonly firewallCheckMs?: number;
  /** Install SIGTERM/SIGINT handlers that stop gracefully (the CLI does). */
  readonly handleSignals?: boolean;
}

export interface DaemonHandle {
  readonly socketPath: string;
  readonly controller: NetworkController;
  /** Graceful stop: stop serving, close the controller (keeping every object), remove the socket. */
  close(): Promise<void>;
  /** Settles when the daemon has stopped. */
  readonly stopped: Promise<void>;
}

const DEFAULT_NETNS_DIR = "/run/netns";

function etcDirOf(netnsDir: string): string {
  return netnsDir === DEFAULT_NETNS_DIR ? "/etc/netns" : join(dirname(netnsDir), `${basename(netnsDir)}-etc`);
}

/** Refuses to steal the socket of a live daemon; removes a stale one. */
async function claimSocket(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
  if (alive) throw conflict("ERR_DAEMON_RUNNING", `another daemon is listening on ${path}`);
  unlinkSync(path);
}

function listen(server: Server, target: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(target, () => { server.off("error", reject); resolve(); });
  });
}

/**
 * Through this API an endpoint exists only joined to its sandbox (connect = create + join), so an endpoint
 * without a sandbox at start is a connect that a crash cut between its two steps: finish it by undoing it.
 */
async function removeOrphanEndpoints(controller: NetworkController, logger: Logger): Promise<void> {
  for (const ep of controller.endpoints()) {
    const info = ep.info();
    if (info.sandboxId !== undefined || info.pending !== undefined) continue;
    try {
      await ep.delete(true);
      logger.warn("removed an endpoint left unjoined by an interrupted connect", { endpoint: info.name, id: info.id, network: info.networkId });
    } catch (err) {
      logger.error("could not remove an orphan endpoint", { endpoint: info.name, id: info.id, ...errorFields(err) });
    }
  }
}

export async function runDaemon(o: DaemonOptions = {}): Promise<DaemonHandle> {
  const logger = new Logger(o.logLevel ?? "info", o.logFormat ?? "text");
  const unprivileged = privilegeError();
  if (unprivileged !== undefined) throw unprivileged;
  if (o.clusterStore !== undefined) throw notImplemented("ERR_CLUSTER_STORE", "--cluster-store is not implemented yet");
  if (o.pluginName !== undefined) throw notImplemented("ERR_PLUGIN_SERVER", "--plugin-name is not implemented yet");
  const socketPath = o.socket ?? DEFAULT_SOCKET;
  const dataDir = o.dataDir ?? DEFAULT_DATA_DIR;
  const netnsDir = o.netnsDir ?? DEFAULT_NETNS_DIR;
  const etcNetnsDir = o.etcNetnsDir ?? etcDirOf(netnsDir);
  // Before anything else: a second daemon on the same data or in the same netns would fight this one.
  const lock = await lockInstance(dataDir);
  // Ready before the controller: its start-up repairs are logged and counted too.
  const events = new EventBus();
  const live: { controller?: NetworkController; connections?: ConnectionGuard } = {};
  const metrics = new Metrics(() => (live.controller === undefined ? {} : {
    networks: live.controller.networks().length, endpoints: live.controller.endpoints().length,
    sandboxes: live.controller.sandboxes().length, event_subscribers: events.subscribers, connections: live.connections?.count ?? 0,
  }));
  const store = { file: join(dataDir, STORE_FILE_NAME), state: storeFileState(join(dataDir, STORE_FILE_NAME)) };
  let controller: NetworkController;
  try {
    await claimSocket(socketPath);
    controller = await openController(o, { dataDir, netnsDir, etcNetnsDir }, (n) => reportRepair(n, logger, events, metrics));
  } catch (err) {
    await lock.release();
    throw err;
  }
  live.controller = controller;
  const connections = new ConnectionGuard(o.maxConnections ?? DEFAULT_MAX_CONNECTIONS, logger, metrics);
  live.connections = connections;
  const report = controller.restoreReport;
  if (report !== undefined) logReclaimed(report, store, logger);
  return serve(o, { controller, lock, logger, events, metrics, connections, socketPath, dataDir, netnsDir, etcNetnsDir });
}

function storeFileState(file: string): StoreFileState {
  try {
    return statSync(file).size === 0 ? "empty" : "present";
  } catch {
    return "missing";
  }
}

interface Paths { readonly dataDir: string; readonly netnsDir: string; readonly etcNetnsDir: string }

function openController(o: DaemonOptions, { dataDir, netnsDir, etcNetnsDir }: Paths, onRepair: RepairListener): Promise<NetworkController> {
  return Controller.create({
    // The daemon locks its data directory and namespace: what no record names there is a lost run's.
    dataDir, netnsDir, etcNetnsDir, firewall: o.firewall ?? "nftables", onRepair, reclaimUnrecorded: true,
    ...(o.defaultAddressPools === undefined ? {} : { defaultAddressPools: o.defaultAddressPools }),
    // --dns: the embedded resolver's upstreams (sandboxes on user networks get 127.0.0.11).
    ...(o.dns === undefined || o.dns.length === 0 ? {} : { dns: o.dns }),
  });
}

interface Opened extends Paths {
  readonly controller: NetworkController;
  readonly lock: InstanceLock;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly metrics: Metrics;
  readonly connections: ConnectionGuard;
  readonly socketPath: string;
}

async function serve(o: DaemonOptions, { controller, lock, logger, events, metrics, connections, socketPath, dataDir, netnsDir, etcNetnsDir }: Opened): Promise<DaemonHandle> {
  await removeOrphanEndpoints(controller, logger);
  const fd = new FdPressure(logger, metrics);
  const ops = new Operations(controller, events, metrics, logger);
  const router = new Router().add(dockerRoutes(ops)).add(nativeRoutes(ops, metrics, etcNetnsDir, o.eventBufferBytes));
  const http = {
    router, logger, metrics, connections, fd,
    ...(o.maxBodyBytes === undefined ? {} : { maxBodyBytes: o.maxBodyBytes }), ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }),
  };
  const servers: Server[] = [];
  try {
    const unix = createApiServer(http);
    await listen(unix, { path: socketPath });
    servers.push(unix);
    chmodSync(socketPath, 0o660);
    if (o.tcp !== undefined) {
      const m = /^(.*):(\d+)$/.exec(o.tcp);
      const tcp = createApiServer(http);
      await listen(tcp, { host: (m?.[1] ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port: Number(m?.[2] ?? o.tcp) });
      servers.push(tcp);
      logger.warn("listening on TCP: anyone who can reach it controls the host's networking", { addr: o.tcp });
    }
  } catch (err) {
    for (const s of servers) s.close();
    await controller.close();
    await lock.release();
    throw err;
  }
  const report = controller.restoreReport;
  logger.info("dnet daemon started", {
    socket: socketPath, dataDir, netnsDir, pid: process.pid, networks: controller.networks().length, sandboxes: controller.sandboxes().length,
    maxConnections: connections.max, restored: report === undefined ? undefined : restoreSummary(report),
  });
  if (report !== undefined) logRestoreErrors(report, logger);
  events.emit("daemon", "start", controller.id, { socket: socketPath });

  const firewallWatch = new FirewallWatch(controller, logger, fd, o.firewallCheckMs ?? 1_000);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => { resolveStopped = r; });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info("dnet daemon stopping");
      firewallWatch.close();
      fd.close();
      await Promise.all(servers.map((s) => new Promise<void>((r) => {
        s.close(() => r());
        s.closeIdleConnections();
        // In-flight requests get a moment to finish; event streams never do, so they are cut.
        setTimeout(() => s.closeAllConnections(), 2_000).unref();
      })));
      await controller.close();
      try { unlinkSync(socketPath); } catch { /* already gone */ }
      await lock.release();
      logger.info("dnet daemon stopped");
      resolveStopped();
    })();
    return closing;
  };
  if (o.handleSignals === true) {
    const onSignal = (sig: string): void => {
      logger.info("signal received", { signal: sig });
      close().then(() => process.exit(0), (err: unknown) => { logger.error("shutdown failed", errorFields(err)); process.exit(1); });
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
  }
  return { socketPath, controller, close, stopped };
}
