// `dnet daemon`: one process owning one Controller, serving the HTTP API on a unix socket (and on TCP
// only when asked). A graceful stop (SIGTERM/SIGINT) closes the controller without deleting anything,
// so the next start finds every network and sandbox where it was.

import { connect } from "node:net";
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import type { Server } from "node:http";
import { basename, dirname, join } from "node:path";
import { DEFAULT_SOCKET } from "../api/dto.js";
import { conflict } from "../errors/index.js";
import { DEFAULT_DATA_DIR, type Controller as NetworkController, type ControllerOptions } from "../libnetwork.js";
import type { RepairListener } from "../controller/index.js";
import { clusterLinkFor } from "./cluster-link.js";
import { openLocked } from "./daemon-open.js";
import type { AddressPoolConfig } from "../ipam/default/index.js";
import { dockerRoutes } from "./docker-routes.js";
import { errorFields } from "./error-info.js";
import { FdPressure } from "./fd-pressure.js";
import { FirewallWatch } from "./firewall-watch.js";
import type { EventBus } from "./events.js";
import { Logger, type LogFormat, type LogLevel } from "./logging.js";
import { nativeRoutes } from "./native-routes.js";
import { Operations } from "./operations.js";
import { privilegeError } from "./privileges.js";
import { logRestoreErrors, restoreSummary } from "./restore-log.js";
import { Router, createApiServer } from "./server.js";
import { parseUiAddress } from "./ui-address.js";
import { startUiServer } from "./ui-server.js";
import { daemonUiSource } from "./ui-state.js";

/** The most `--dns-threads` takes (the embedded DNS server's limit), for the CLI's usage check. */
export { MAX_DNS_THREADS } from "../dns/index.js";

export interface DaemonOptions {
  readonly socket?: string;
  /** `HOST:PORT`: also listen on TCP (never by default: the API is root-equivalent). */
  readonly tcp?: string;
  readonly dataDir?: string;
  readonly netnsDir?: string;
  readonly etcNetnsDir?: string;
  readonly firewall?: "nftables" | "iptables" | "none";
  readonly dns?: readonly string[];
  /** Threads serving the embedded DNS (`--dns-threads`); 0 serves on the daemon's event loop. */
  readonly dnsThreads?: number;
  /** Device of the predefined `bridge` network (Docker's default network); "none": no such network. Default dnet0. */
  readonly bridge?: string;
  readonly defaultAddressPools?: readonly AddressPoolConfig[];
  readonly clusterStore?: string;
  readonly advertiseAddr?: string;
  /** UDP port of overlay networks' VXLAN devices (`--data-path-port`); default 4789. */
  readonly dataPathPort?: number;
  /** `--cluster-store-opt` pairs (TLS: kv.cacertfile, kv.certfile, kv.keyfile). */
  readonly clusterStoreOptions?: ReadonlyMap<string, string>;
  /** Serve dnet's drivers and default IPAM to dockerd as this plugin (`<pluginsDir>/NAME.sock`). */
  readonly pluginName?: string;
  /** Replaces Docker's plugin directories (/run/docker/plugins, /etc/docker/plugins, /usr/lib/docker/plugins). */
  readonly pluginsDir?: string;
  /** TCP addresses plugin spec files may name besides loopback. */
  readonly pluginTcpAllow?: readonly string[];
  readonly logFormat?: LogFormat;
  readonly logLevel?: LogLevel;
  readonly maxBodyBytes?: number;
  readonly requestTimeoutMs?: number;
  /** Connections served at once (default 1024, and at most half the file-descriptor limit); more get a 503. */
  readonly maxConnections?: number;
  /** Bytes of events queued for one `/events` subscriber before it is dropped for not reading. */
  readonly eventBufferBytes?: number;
  /**
   * How often the firewall is polled for drift (someone flushed our table) and repaired; 0 = never.
   * Default 10 s while nftables commits are watched (a change not ours is checked at once), else 1 s.
   */
  readonly firewallCheckMs?: number;
  /** Watch nftables commits and repair at once (default true); false: poll only. */
  readonly firewallWatch?: boolean;
  /** `HOST:PORT`: also serve a read-only web page of the topology and metrics there (loopback only, unless `uiAllowRemote`). */
  readonly ui?: string;
  readonly uiAllowRemote?: boolean;
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
/** Not docker0: Docker and dnet can run side by side on one host. */
const DEFAULT_BRIDGE_DEVICE = "dnet0";

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
    // Runs after the controller's restore, which finished or rolled back every join or leave in flight.
    if (info.sandboxId !== undefined) continue;
    try {
      await ep.delete(true);
      logger.warn("removed an endpoint left unjoined by an interrupted connect", { endpoint: info.name, id: info.id, network: info.networkId });
    } catch (err) {
      logger.error("could not remove an orphan endpoint", { endpoint: info.name, id: info.id, ...errorFields(err) });
    }
  }
}

/** The library's options for the daemon's flags (the daemon always gives sandboxes UTS namespaces and reclaims). */
function controllerOptions(o: DaemonOptions, dirs: { dataDir: string; netnsDir: string; etcNetnsDir: string }, onRepair: RepairListener): ControllerOptions {
  return {
    // The daemon locks its data directory and namespace: what no record names there is a lost run's.
    ...dirs, firewall: o.firewall ?? "nftables", utsNamespaces: true, onRepair, reclaimUnrecorded: true,
    defaultBridge: o.bridge ?? DEFAULT_BRIDGE_DEVICE,
    ...(o.defaultAddressPools === undefined ? {} : { defaultAddressPools: o.defaultAddressPools }),
    // --dns: the embedded resolver's upstreams (sandboxes on user networks get 127.0.0.11).
    ...(o.dns === undefined || o.dns.length === 0 ? {} : { dns: o.dns }),
    ...(o.dnsThreads === undefined ? {} : { dnsThreads: o.dnsThreads }),
    ...(o.dataPathPort === undefined ? {} : { vxlanPort: o.dataPathPort }),
    plugins: {
      ...(o.pluginName === undefined ? {} : { serve: o.pluginName }), ...(o.pluginsDir === undefined ? {} : { dir: o.pluginsDir }),
      ...(o.pluginTcpAllow === undefined ? {} : { tcpAllow: o.pluginTcpAllow }),
    },
  };
}

/** The API on the unix socket (mode 0660) and, with --tcp, on TCP too; each server is pushed as it listens. */
async function startApiServers(servers: Server[], o: DaemonOptions, http: Parameters<typeof createApiServer>[0], socketPath: string): Promise<void> {
  const unix = createApiServer(http);
  await listen(unix, { path: socketPath });
  servers.push(unix);
  chmodSync(socketPath, 0o660);
  if (o.tcp === undefined) return;
  const m = /^(.*):(\d+)$/.exec(o.tcp);
  const tcp = createApiServer(http);
  await listen(tcp, { host: (m?.[1] ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port: Number(m?.[2] ?? o.tcp) });
  servers.push(tcp);
  http.logger.warn("listening on TCP: anyone who can reach it controls the host's networking", { addr: o.tcp });
}

/** `shut` run once, however often the returned function is called. */
function shutdownOnce(shut: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= shut());
}

async function closeServers(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((r) => {
    s.close(() => r());
    s.closeIdleConnections();
    // In-flight requests get a moment to finish; event streams never do, so they are cut.
    setTimeout(() => s.closeAllConnections(), 2_000).unref();
  })));
}

/** SIGTERM and SIGINT stop the daemon cleanly, then the process. */
function exitOnSignals(close: () => Promise<void>, logger: Logger): void {
  const onSignal = (sig: string): void => {
    logger.info("signal received", { signal: sig });
    close().then(() => process.exit(0), (err: unknown) => { logger.error("shutdown failed", errorFields(err)); process.exit(1); });
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
}

/** The cluster link, the controller, the API socket file and the instance lock, in the order they must go. */
async function closeCore(
  cluster: ReturnType<typeof clusterLinkFor>, controller: NetworkController, lock: { release(): Promise<void> }, socketPath?: string,
): Promise<void> {
  await cluster?.stop();
  await controller.close();
  await cluster?.close();
  if (socketPath !== undefined) try { unlinkSync(socketPath); } catch { /* already gone */ }
  await lock.release();
}

/** The start line in the log (with what the restore did), its errors, and the `daemon start` event. */
function announceStart(
  logger: Logger, events: EventBus, controller: NetworkController,
  fields: { socket: string; dataDir: string; netnsDir: string; plugin: string | undefined; maxConnections: number },
): void {
  const report = controller.restoreReport;
  logger.info("dnet daemon started", {
    socket: fields.socket, dataDir: fields.dataDir, netnsDir: fields.netnsDir, pid: process.pid, plugin: fields.plugin,
    networks: controller.networks().length, sandboxes: controller.sandboxes().length, maxConnections: fields.maxConnections,
    restored: report === undefined ? undefined : restoreSummary(report),
  });
  if (report !== undefined) logRestoreErrors(report, logger);
  events.emit("daemon", "start", controller.id, { socket: fields.socket });
}

export async function runDaemon(o: DaemonOptions = {}): Promise<DaemonHandle> {
  const logger = new Logger(o.logLevel ?? "info", o.logFormat ?? "text");
  const unprivileged = privilegeError();
  if (unprivileged !== undefined) throw unprivileged;
  const cluster = clusterLinkFor(o, logger);
  const socketPath = o.socket ?? DEFAULT_SOCKET;
  const ui = o.ui === undefined ? undefined : parseUiAddress(o.ui, o.uiAllowRemote === true);
  const dataDir = o.dataDir ?? DEFAULT_DATA_DIR;
  const netnsDir = o.netnsDir ?? DEFAULT_NETNS_DIR;
  const etcNetnsDir = o.etcNetnsDir ?? etcDirOf(netnsDir);
  const { controller, lock, events, metrics, connections } = await openLocked({
    dataDir, claimSocket: () => claimSocket(socketPath), maxConnections: o.maxConnections,
    options: (onRepair) => controllerOptions(o, { dataDir, netnsDir, etcNetnsDir }, onRepair),
  }, logger);
  await removeOrphanEndpoints(controller, logger);
  cluster?.start(controller);
  const fd = new FdPressure(logger, metrics);
  const ops = new Operations(controller, events, metrics, logger);
  const router = new Router().add(dockerRoutes(ops)).add(nativeRoutes(ops, metrics, etcNetnsDir, o.eventBufferBytes));
  const http = {
    router, logger, metrics, connections, fd,
    ...(o.maxBodyBytes === undefined ? {} : { maxBodyBytes: o.maxBodyBytes }), ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }),
  };
  const servers: Server[] = [];
  try {
    await startApiServers(servers, o, http, socketPath);
    if (ui !== undefined) servers.push(await startUiServer({ address: ui, source: daemonUiSource(ops, metrics, etcNetnsDir), logger, connections }));
  } catch (err) {
    for (const s of servers) s.close();
    await closeCore(cluster, controller, lock);
    throw err;
  }
  announceStart(logger, events, controller, { socket: socketPath, dataDir, netnsDir, plugin: o.pluginName, maxConnections: connections.max });

  const firewallWatch = new FirewallWatch(controller, logger, fd, metrics, {
    ...(o.firewallCheckMs === undefined ? {} : { pollMs: o.firewallCheckMs }), ...(o.firewallWatch === undefined ? {} : { watch: o.firewallWatch }),
  });
  metrics.observe("firewall_own_commits", () => firewallWatch.ownCommits);
  metrics.observe("link_repair_runs", () => controller.linkRepairCounts.runs);
  metrics.observe("link_events_dismissed", () => controller.linkRepairCounts.dismissed);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => { resolveStopped = r; });
  const close = shutdownOnce(async () => {
    logger.info("dnet daemon stopping");
    firewallWatch.close();
    fd.close();
    await closeServers(servers);
    await closeCore(cluster, controller, lock, socketPath);
    logger.info("dnet daemon stopped");
    resolveStopped();
  });
  if (o.handleSignals === true) exitOnSignals(close, logger);
  return { socketPath, controller, close, stopped };
}
