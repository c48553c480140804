// The library's composition root: `Controller.create(options)` wires the store, the kernel layer, the
// built-in drivers and IPAMs into a NetworkController. (INTERFACES.md: the TypeScript library.)

import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { NetworkController, type FaultHook } from "./controller/index.js";
import type { NetworkDriver } from "./driver-api/index.js";
import { builtinDrivers, builtinIpams } from "./drivers/builtin.js";
import type { AddressPoolConfig } from "./ipam/default/index.js";
import { loadNative, type NativeAddon } from "./native/index.js";
import { DnsServer, HostUpstreamsWatcher, ServiceRecords } from "./dns/index.js";
import type { EmbeddedDns, RepairListener } from "./controller/index.js";
import { NETLINK_NETFILTER } from "./netlink/index.js";
import { DEFAULT_NETNS_DIR, HandleCache, NetnsDirectory, listAddresses, listRoutes } from "./osl/index.js";
import { SqliteStore, type KVStore } from "./store/index.js";
import type { IpPrefix } from "./types/index.js";
import { notImplemented } from "./errors/index.js";
import { NftablesBackend } from "./firewall/nftables.js";
import type { NetfilterOpener } from "./firewall/nfnl-writer.js";
import { NoneBackend } from "./firewall/none.js";
import type { FirewallBackend } from "./firewall/contract.js";

export interface ControllerOptions {
  /** State directory (SQLite database inside); default /var/lib/dnet. */
  readonly dataDir?: string;
  /** Where sandbox netns files go; default /run/netns (so `ip netns exec NAME` works). */
  readonly netnsDir?: string;
  /** Where sandbox hosts/resolv.conf go; default /etc/netns with the default netns dir, else `<netnsDir>-etc`. */
  readonly etcNetnsDir?: string;
  readonly firewall?: "nftables" | "iptables" | "none";
  readonly defaultAddressPools?: readonly AddressPoolConfig[];
  /** The host resolv.conf sandboxes' files start from; default /etc/resolv.conf. */
  readonly hostResolvConf?: string;
  /** A store to use instead of the SQLite database in dataDir. */
  readonly store?: KVStore;
  /** Extra network drivers (registered after the built-ins), built with the controller's kernel handles. */
  readonly drivers?: (deps: DriverDeps) => readonly NetworkDriver[];
  readonly fault?: FaultHook;
  /** Serve the embedded resolver (127.0.0.11) in sandboxes on user networks; default true. */
  readonly embeddedDns?: boolean;
  /** Upstream DNS servers for the embedded resolver (`--dns`); default: the host's resolv.conf, followed. */
  readonly dns?: readonly string[];
  /** Threads serving DNS (0: the controller's own event loop); default 2 on this kind of machine. */
  readonly dnsThreads?: number;
  /**
   * Told of each repair of kernel objects deleted behind the controller's back (a bridge, a veth), at
   * start and while it runs (it watches the host namespace's links).
   */
  readonly onRepair?: RepairListener;
  /**
   * This controller owns its network namespace and netns directory alone (the daemon locks both): at
   * start, kernel objects of dnet's making that no record names — bridges, veths, netns files, firewall
   * elements, what a lost or emptied database leaves — are removed and listed in `restoreReport.reclaimed`.
   * Off by default: two controllers sharing a namespace would remove each other's.
   */
  readonly reclaimUnrecorded?: boolean;
}

/** What a driver gets from the composition root. */
export interface DriverDeps {
  readonly handles: HandleCache;
}

export const DEFAULT_DATA_DIR = "/var/lib/dnet";
/** The database file in the data directory. */
export { SQLITE_FILE_NAME as STORE_FILE_NAME } from "./store/index.js";

function defaultEtcDir(netnsDir: string): string {
  return netnsDir === DEFAULT_NETNS_DIR ? "/etc/netns" : join(dirname(netnsDir), `${basename(netnsDir)}-etc`);
}

async function openController(options: ControllerOptions = {}): Promise<NetworkController> {
  const native = loadNative();
  const netnsDir = options.netnsDir ?? DEFAULT_NETNS_DIR;
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const store = options.store ?? await SqliteStore.open({ dataDir });
  const handles = new HandleCache(native);
  const hostPrefixes = async (): Promise<IpPrefix[]> => {
    const host = handles.host();
    const routes = (await listRoutes(host, { family: 4 })).filter((r) => r.destination.length > 0).map((r) => r.destination);
    const addrs = (await listAddresses(host, { family: 4 })).map((a) => a.address);
    return [...routes, ...addrs];
  };
  const etcNetnsDir = options.etcNetnsDir ?? defaultEtcDir(netnsDir);
  mkdirSync(etcNetnsDir, { recursive: true });
  const driverOptions = {
    hostPrefixes,
    ...(options.defaultAddressPools === undefined ? {} : { defaultAddressPools: options.defaultAddressPools }),
    ...(options.drivers === undefined ? {} : { extraDrivers: options.drivers({ handles }) }),
    reclaimUnrecorded: options.reclaimUnrecorded === true,
  };
  const firewall = openFirewall(options.firewall ?? "nftables", handles);
  const dns = options.embeddedDns === false ? undefined : await startDns(native, options);
  const drivers = builtinDrivers({ handles, firewall }, driverOptions);
  return NetworkController.open({
    store, handles, netns: new NetnsDirectory(native, netnsDir), etcNetnsDir,
    drivers: drivers.registry, ipams: builtinIpams(driverOptions), firewall,
    ...(dns === undefined ? {} : { dns: dns.embedded }),
    hostResolvConf: options.hostResolvConf ?? "/etc/resolv.conf",
    ...(options.fault === undefined ? {} : { fault: options.fault }),
    ...(options.onRepair === undefined ? {} : { onRepair: options.onRepair }),
    reclaimUnrecorded: options.reclaimUnrecorded === true,
    onClose: async () => {
      await dns?.close();
      await drivers.close().catch(() => {});
      await firewall.close();
      if (options.store === undefined) await store.close();
    },
  });
}

function openFirewall(kind: "nftables" | "iptables" | "none", handles: HandleCache): FirewallBackend {
  // Sysctls go through the netns handle (/proc/sys opened in place) instead of one `sysctl` exec each.
  const writeSysctls = async (entries: ReadonlyArray<readonly [string, string]>): Promise<void> => {
    for (const [key, value] of entries) handles.host().writeSysctl(key, value);
  };
  // Port-map changes go through the backend's own nfnetlink socket (closed by firewall.close()).
  const openNetfilter: NetfilterOpener = (o) => handles.host().openSocket(NETLINK_NETFILTER, o);
  if (kind === "nftables") return new NftablesBackend({ writeSysctls, openNetfilter });
  if (kind === "none") return new NoneBackend();
  throw notImplemented("ERR_FIREWALL_BACKEND", `the ${kind} firewall backend is not implemented; use nftables or none`);
}

interface RunningDns {
  readonly embedded: EmbeddedDns;
  close(): Promise<void>;
}

async function startDns(native: NativeAddon, options: ControllerOptions): Promise<RunningDns> {
  const records = new ServiceRecords();
  const server = await DnsServer.start({ native, records, ...(options.dnsThreads === undefined ? {} : { threads: options.dnsThreads }) });
  const watcher = new HostUpstreamsWatcher(records, {
    ...(options.dns === undefined ? {} : { daemonDns: options.dns }),
    ...(options.hostResolvConf === undefined ? {} : { paths: { path: options.hostResolvConf } }),
  });
  watcher.start();
  return { embedded: { records, server }, close: async () => { watcher.close(); await server.close(); } };
}

/** `Controller.create(options)`, and `Controller` as the type of what it returns. */
export const Controller = { create: openController } as const;
export type Controller = NetworkController;

/** The original README's `libnetwork.New()`. */
export function New(options: ControllerOptions = {}): Promise<NetworkController> {
  return openController(options);
}

/** The original README's join options: they become the sandbox's options. */
export const JoinOptionHostname = (hostname: string): { hostname: string } => ({ hostname });
export const JoinOptionDomainname = (domainname: string): { domainname: string } => ({ domainname });
/** Higher priority wins the sandbox's default gateway (Docker's first ordering key). */
export const JoinOptionPriority = (priority: number): { priority: number } => ({ priority });
