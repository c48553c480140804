// Everything an operation needs, built once by the controller and passed to each operation.

import type { Capability, DriverRegistry, NetworkDriver } from "../driver-api/index.js";
import type { Ipam, IpamRegistry } from "../ipam-api/index.js";
import type { HandleCache, NetnsDirectory, UtsDirectory } from "../osl/index.js";
import type { ClusterSlot } from "./cluster-contract.js";
import { errUnknownDriver, errUnknownIpam } from "./errors.js";
import type { KeyedMutex } from "./locks.js";
import type { ControllerState } from "./state.js";
import type { FaultHook } from "./steps.js";
import type { DnsFilesCache, DnsServer, ResolvConfCache, ServiceRecords } from "../dns/index.js";

/** The embedded resolver: the records it answers from and the per-sandbox listeners. */
export interface EmbeddedDns {
  readonly records: ServiceRecords;
  readonly server: DnsServer;
}

export interface ControllerContext {
  readonly state: ControllerState;
  readonly locks: KeyedMutex;
  readonly drivers: DriverRegistry;
  readonly ipams: IpamRegistry;
  readonly handles: HandleCache;
  readonly netns: NetnsDirectory;
  /** Where sandboxes' UTS namespaces (their hostnames) are bound; absent: sandboxes share the host's names. */
  readonly uts?: UtsDirectory;
  /** Where sandbox hosts/resolv.conf go: `<etcNetnsDir>/<sandbox name>/`. */
  readonly etcNetnsDir: string;
  /** The host's resolv.conf, and the sandbox resolv.conf contents computed from it, read again only when it changes. */
  readonly resolvConf: ResolvConfCache;
  /** What this controller remembers of the sandbox files it wrote (paths, hashes, contents): its own, never shared. */
  readonly dnsFiles: DnsFilesCache;
  readonly fault: FaultHook;
  /** The embedded resolver; absent: sandboxes get the host's resolvers in their resolv.conf. */
  readonly dns?: EmbeddedDns;
  /**
   * In-sandbox interface index of each endpoint joined during this process's life (endpoint id → index),
   * so leaving needs no lookup by name. Not persisted: after a restart the name is looked up.
   */
  readonly ifindexes: Map<string, number>;
  /**
   * Objects ("network:<id>", "endpoint:<id>") whose addresses or pools this process gave back while their
   * delete did not finish (the store refused its last write): a retry must not release them again, as
   * another object may hold them by then. A restart releases nothing (it replays only what stays).
   */
  readonly released: Set<string>;
  /** This controller owns its namespace and netns directory alone: restore removes what no record names. */
  readonly reclaimUnrecorded: boolean;
  /** The cluster (global-scope networks), once its store is attached. */
  readonly cluster: ClusterSlot;
}

export async function driverOf(ctx: ControllerContext, name: string): Promise<NetworkDriver> {
  const driver = await ctx.drivers.get(name);
  if (driver === undefined) throw errUnknownDriver(name);
  return driver;
}

/**
 * What the controller knows of a network's driver: its declared capability. The driver is loaded by the
 * time a network of it exists (creating or restoring the network loads it).
 */
export function capabilityOf(ctx: ControllerContext, driverName: string): Capability {
  const driver = ctx.drivers.peek(driverName);
  // Only a plugin can be missing here (built-ins are always registered): one that could not be loaded at
  // start. Plugin drivers always give their endpoints an interface, which is all the callers ask.
  return driver?.capability() ?? PLUGIN_NOT_LOADED;
}

const PLUGIN_NOT_LOADED: Capability = Object.freeze({ dataScope: "local", connectivityScope: "local" });

/** The IPAM named `name`, loading it when it is a plugin not used yet. */
export async function ipamOf(ctx: ControllerContext, name: string): Promise<Ipam> {
  const ipam = await ctx.ipams.get(name);
  if (ipam === undefined) throw errUnknownIpam(name);
  return ipam;
}

/** Lock keys: one per object, plus "names" keys guarding name uniqueness. */
export const lockKeys = {
  network: (id: string): string => `network:${id}`,
  endpoint: (id: string): string => `endpoint:${id}`,
  sandbox: (id: string): string => `sandbox:${id}`,
  networkNames: "names:network",
  sandboxNames: "names:sandbox",
} as const;
