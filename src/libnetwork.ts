// The library's composition root: `Controller.create(options)` wires the store, the kernel layer, the
// built-in drivers and IPAMs into a NetworkController. (INTERFACES.md: the TypeScript library.)

import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { NetworkController, type FaultHook } from "./controller/index.js";
import type { NetworkDriver } from "./driver-api/index.js";
import { builtinDrivers, builtinIpams, sharedLinkOwners, sharedPorts } from "./drivers/builtin.js";
import { validateVxlanPort } from "./drivers/overlay/config.js";
import { IpamDriverNames, type Ipam } from "./ipam-api/index.js";
import { PluginLoader, type PluginClientOptions } from "./plugins/index.js";
import { servePlugin, type ServeDeps, type ServedPlugin } from "./plugin-server.js";
import type { AddressPoolConfig } from "./ipam/default/index.js";
import { loadNative, type NativeAddon } from "./native/index.js";
import { DnsServer, HostUpstreamsWatcher, ServiceRecords, validateDnsThreads } from "./dns/index.js";
import type { EmbeddedDns, RepairListener } from "./controller/index.js";
import { NETLINK_NETFILTER } from "./netlink/index.js";
import { DEFAULT_NETNS_DIR, HandleCache, NetnsDirectory, UtsDirectory, listAddresses, listRoutes, utsDirOf } from "./osl/index.js";
import { SqliteStore, type KVStore } from "./store/index.js";
import type { IpPrefix } from "./types/index.js";
import { notImplemented } from "./errors/index.js";
import { NftablesBackend } from "./firewall/nftables.js";
import type { NetfilterOpener } from "./firewall/nfnl-writer.js";
import type { NftMonitorOpener } from "./firewall/nft-watch.js";
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
  /** @internal Crash tests: a hook called at each named step of an operation. */
  readonly fault?: FaultHook;
  /** Serve the embedded resolver (127.0.0.11) in sandboxes on user networks; default true. */
  readonly embeddedDns?: boolean;
  /** Upstream DNS servers for the embedded resolver (`--dns`); default: the host's resolv.conf, followed. */
  readonly dns?: readonly string[];
  /**
   * Threads serving DNS, 0–16 (0: the controller's own event loop, the smallest footprint: each thread holds
   * a V8 isolate of ~11 MiB); default 2, or 1 on a one-core machine.
   */
  readonly dnsThreads?: number;
  /**
   * Told of each repair of kernel objects deleted behind the controller's back (a bridge, a veth), at
   * start and while it runs (it watches the host namespace's links).
   */
  readonly onRepair?: RepairListener;
  /** Watch the host's links and repair what is deleted behind the controller's back (default true; `dnet system cleanup` does not). */
  readonly watchLinks?: boolean;
  /**
   * This controller owns its network namespace and netns directory alone (the daemon locks both): at
   * start, kernel objects of dnet's making that no record names — bridges, veths, netns files, firewall
   * elements, what a lost or emptied database leaves — are removed and listed in `restoreReport.reclaimed`.
   * Off by default: two controllers sharing a namespace would remove each other's.
   */
  readonly reclaimUnrecorded?: boolean;
  /**
   * Give each sandbox a UTS namespace with its hostname, bound at `<netnsDir>-uts/<name>` (so
   * `nsenter --uts=` enters it), as a container runtime does; the daemon does. Default false (Docker's
   * libnetwork leaves the UTS namespace to the runtime): sandboxes see the host's hostname.
   */
  readonly utsNamespaces?: boolean;
  /**
   * Docker's default network: a predefined bridge network named `bridge` on this bridge device (the
   * daemon gives `dnet0`), with a free default pool. `"none"`: no such network, and one left by an earlier
   * start is removed when nothing is connected to it (Docker's `--bridge none`). Absent: whatever the
   * store has is left as it is.
   */
  readonly defaultBridge?: string;
  /** Docker plugins: where driver and IPAM names that are not built in are looked for, and the plugin this process serves. */
  readonly plugins?: PluginOptions;
  /** UDP port of overlay networks' VXLAN devices (Docker's `--data-path-port`, 1024–49151); default 4789. Every host of a network must use the same. */
  readonly vxlanPort?: number;
}

/** `dir` replaces Docker's plugin directories for both sides (`--plugins-dir`). */
export interface PluginOptions extends PluginClientOptions {
  /** Serve dnet's drivers and default IPAM to dockerd as the plugin NAME (`--plugin-name`): `<dir>/NAME.sock`. */
  readonly serve?: string;
}

/** What a driver gets from the composition root. */
export interface DriverDeps {
  readonly handles: HandleCache;
}

export const DEFAULT_DATA_DIR = "/var/lib/dnet";
/** The database file in the data directory. */
export { SQLITE_FILE_NAME as STORE_FILE_NAME } from "./store/index.js";
export type { FirewallChange, FirewallChangeWatch } from "./firewall/contract.js";

function defaultEtcDir(netnsDir: string): string {
  return netnsDir === DEFAULT_NETNS_DIR ? "/etc/netns" : join(dirname(netnsDir), `${basename(netnsDir)}-etc`);
}

/** The host's IPv4 routes and addresses, which automatic pools avoid. */
async function hostPrefixes(handles: HandleCache): Promise<IpPrefix[]> {
  const host = handles.host();
  const routes = (await listRoutes(host, { family: 4 })).filter((r) => r.destination.length > 0).map((r) => r.destination);
  const addrs = (await listAddresses(host, { family: 4 })).map((a) => a.address);
  return [...routes, ...addrs];
}

async function openController(options: ControllerOptions = {}): Promise<NetworkController> {
  // Refused before anything is opened, so nothing is left half-made.
  if (options.vxlanPort !== undefined) validateVxlanPort(options.vxlanPort);
  if (options.dnsThreads !== undefined) validateDnsThreads(options.dnsThreads);
  const native = loadNative();
  const netnsDir = options.netnsDir ?? DEFAULT_NETNS_DIR;
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const store = options.store ?? await SqliteStore.open({ dataDir });
  const handles = new HandleCache(native);
  const etcNetnsDir = options.etcNetnsDir ?? defaultEtcDir(netnsDir);
  mkdirSync(etcNetnsDir, { recursive: true });
  const driverOptions = {
    hostPrefixes: () => hostPrefixes(handles),
    ...(options.defaultAddressPools === undefined ? {} : { defaultAddressPools: options.defaultAddressPools }),
    ...(options.drivers === undefined ? {} : { extraDrivers: options.drivers({ handles }) }),
    reclaimUnrecorded: options.reclaimUnrecorded === true,
  };
  const firewall = openFirewall(options.firewall ?? "nftables", handles);
  const ports = sharedPorts();
  const owners = sharedLinkOwners();
  const ipams = builtinIpams(driverOptions);
  const plugins = new PluginLoader(options.plugins);
  let services: Services;
  try {
    services = await startServices(native, options, { handles, firewall, ports, owners, store, ipam: ipams.get(IpamDriverNames.default) });
  } catch (err) {
    plugins.close();
    await firewall.close();
    if (options.store === undefined) await store.close();
    handles.closeAll();
    throw err;
  }
  // Overlay networks' namespaces: beside the sandboxes' directory, never in it (nothing there may claim them).
  const overlayNetns = new NetnsDirectory(native, `${netnsDir}-overlay`);
  const drivers = builtinDrivers({ handles, firewall, ports, owners, overlayNetns }, {
    ...driverOptions, loader: plugins.driver, ...(options.vxlanPort === undefined ? {} : { vxlanPort: options.vxlanPort }),
  });
  return NetworkController.open({
    store, handles, netns: new NetnsDirectory(native, netnsDir), etcNetnsDir,
    ...(options.utsNamespaces === true ? { uts: new UtsDirectory(native, utsDirOf(netnsDir)) } : {}),
    ...(options.defaultBridge === undefined ? {} : { defaultBridge: options.defaultBridge }),
    drivers: drivers.registry, ipams, ipamLoader: plugins.ipam, firewall,
    ...(services.dns === undefined ? {} : { dns: services.dns.embedded }),
    hostResolvConf: options.hostResolvConf ?? "/etc/resolv.conf",
    ...(options.fault === undefined ? {} : { fault: options.fault }),
    ...(options.onRepair === undefined ? {} : { onRepair: options.onRepair }),
    ...(options.watchLinks === undefined ? {} : { watchLinks: options.watchLinks }),
    reclaimUnrecorded: options.reclaimUnrecorded === true,
    startErrors: services.startErrors,
    onClose: async () => {
      await services.close();
      plugins.close();
      await drivers.close().catch(() => {});
      await firewall.close();
      if (options.store === undefined) await store.close();
    },
  });
}

interface Services {
  readonly dns: RunningDns | undefined;
  /** What the served plugin could not put back at start. */
  readonly startErrors: readonly unknown[];
  close(): Promise<void>;
}

/**
 * The served plugin, first: its pools go back into the shared IPAM before the controller can hand out
 * new ones (and its socket is up when the controller's restore looks for plugins); then the DNS server.
 */
async function startServices(native: NativeAddon, options: ControllerOptions, deps: Omit<ServeDeps, "ipam"> & { ipam: Ipam | undefined }): Promise<Services> {
  let served: ServedPlugin | undefined;
  try {
    const serve = options.plugins?.serve;
    if (serve !== undefined && deps.ipam !== undefined) {
      served = await servePlugin({ ...deps, ipam: deps.ipam }, { name: serve, ...(options.plugins?.dir === undefined ? {} : { dir: options.plugins.dir }) });
    }
    const dns = options.embeddedDns === false ? undefined : await startDns(native, options);
    return {
      dns, startErrors: (served?.restoreErrors ?? []).map((e) => new Error(`plugin ${serve ?? ""}: restore: ${String(e)}`, { cause: e })),
      close: async () => { await served?.close().catch(() => {}); await dns?.close(); },
    };
  } catch (err) {
    await served?.close().catch(() => {});
    throw err;
  }
}

function openFirewall(kind: "nftables" | "iptables" | "none", handles: HandleCache): FirewallBackend {
  // Sysctls go through the netns handle (/proc/sys opened in place) instead of one `sysctl` exec each.
  const writeSysctls = async (entries: ReadonlyArray<readonly [string, string]>): Promise<void> => {
    for (const [key, value] of entries) handles.host().writeSysctl(key, value);
  };
  // Port-map changes go through the backend's own nfnetlink socket (closed by firewall.close()).
  const openNetfilter: NetfilterOpener = (o) => handles.host().openSocket(NETLINK_NETFILTER, o);
  // Its commits are watched on a monitor socket of the same netns (nft-watch.ts), closed with the watch.
  const openMonitor: NftMonitorOpener = (o) => handles.host().openMonitor(NETLINK_NETFILTER, o);
  if (kind === "nftables") return new NftablesBackend({ writeSysctls, openNetfilter, openMonitor });
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
