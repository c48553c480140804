// Composition root for drivers and IPAMs: the only place that names concrete implementations.

import { DriverRegistry, type DhcpLeaser, type DriverLoader, type NetworkDriver } from "../driver-api/index.js";
import type { Ipam } from "../ipam-api/index.js";
import { IpamDriverNames } from "../ipam-api/index.js";
import { DefaultIpam, parseAddressPools, type AddressPoolConfig } from "../ipam/default/index.js";
import { NullIpam } from "../ipam/null/index.js";
import { DhcpClient, DhcpIpam, socketTransports, type OpenDhcpSocket } from "../ipam/dhcp/index.js";
import type { IpPrefix } from "../types/index.js";
import type { FirewallBackend } from "../firewall/contract.js";
import { linkIndex, openInterfaceUdpSocket, type HandleCache, type NetnsDirectory } from "../osl/index.js";
import { BridgeDriver } from "./bridge/driver.js";
import { PortAllocator } from "./bridge/ports.js";
import { LinkOwners } from "./bridge/reclaim.js";
import { HostDriver } from "./host/driver.js";
import { IpvlanDriver } from "./ipvlan/driver.js";
import { ParentLinks } from "./lan/parents.js";
import { MacvlanDriver } from "./macvlan/driver.js";
import { NullDriver } from "./null/driver.js";
import { OverlayDriver } from "./overlay/driver.js";

export interface BuiltinDeps {
  readonly handles: HandleCache;
  readonly firewall: FirewallBackend;
  /** Where overlay networks' namespaces go; without it there is no overlay driver. */
  readonly overlayNetns?: NetnsDirectory;
  /** Host ports handed out: one allocator for every bridge driver instance of the process. */
  readonly ports?: PortAllocator;
  /** The bridges and veths each bridge driver instance of the process holds (see LinkOwners). */
  readonly owners?: LinkOwners;
}

export interface BuiltinOptions {
  /** `--default-address-pool base=CIDR,size=N`; Docker's pools when omitted. */
  readonly defaultAddressPools?: readonly AddressPoolConfig[];
  /** Routes and addresses already on the host, so automatic pools avoid them. */
  readonly hostPrefixes?: () => Promise<readonly IpPrefix[]>;
  /** Extra drivers (tests, embedders), registered after the built-ins. */
  readonly extraDrivers?: readonly NetworkDriver[];
  /** The drivers own the host namespace alone: at restore they remove what no record names. */
  readonly reclaimUnrecorded?: boolean;
  /** Finds drivers that are not built in (Docker plugins). */
  readonly loader?: DriverLoader;
  /** UDP port of overlay networks' VXLAN devices (`--data-path-port`); default 4789. */
  readonly vxlanPort?: number;
}

export interface BuiltinDrivers {
  readonly registry: DriverRegistry;
  /** Flushes deferred kernel work of the drivers that have some. */
  readonly close: () => Promise<void>;
}

const DHCP_CLIENT_PORT = 68;

/** The DHCP client's sockets: UDP 0.0.0.0:68 on the interface, inside the sandbox's netns. */
function dhcpSockets(handles: HandleCache): OpenDhcpSocket {
  return async (netnsPath, ifname) => {
    const h = handles.get(netnsPath);
    return openInterfaceUdpSocket(h, await linkIndex(h, ifname), DHCP_CLIENT_PORT);
  };
}

export function builtinDrivers(deps: BuiltinDeps, options: BuiltinOptions = {}): BuiltinDrivers {
  const registry = new DriverRegistry(options.loader);
  const bridge = new BridgeDriver({
    handles: deps.handles, firewall: deps.firewall, reclaimUnrecorded: options.reclaimUnrecorded === true,
    ...(deps.ports === undefined ? {} : { ports: deps.ports }), ...(deps.owners === undefined ? {} : { owners: deps.owners }),
  });
  const dhcpClient = new DhcpClient({ openTransport: socketTransports(dhcpSockets(deps.handles)) });
  // The contract's view of the client (ipam/ may not import driver-api: the compiler checks the fit here).
  const dhcp: DhcpLeaser = dhcpClient;
  // One set of parent links for both kinds: the kernel lets a parent carry macvlan or ipvlan children, not both.
  const parents = new ParentLinks();
  const macvlan = new MacvlanDriver({ handles: deps.handles, parents, dhcp });
  const ipvlan = new IpvlanDriver({ handles: deps.handles, parents, dhcp });
  for (const d of [bridge, new NullDriver(), new HostDriver(), macvlan, ipvlan]) registry.register(d);
  if (deps.overlayNetns !== undefined) registry.register(new OverlayDriver({
    handles: deps.handles, netns: deps.overlayNetns, ...(options.vxlanPort === undefined ? {} : { vxlanPort: options.vxlanPort }),
  }));
  for (const d of options.extraDrivers ?? []) registry.register(d);
  const close = async (): Promise<void> => {
    // Leases are not released: a restarted daemon takes them back.
    await dhcpClient.close();
    const results = await Promise.allSettled([bridge.close(), macvlan.close(), ipvlan.close()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  };
  return { registry, close };
}

export function builtinIpams(options: BuiltinOptions = {}): Map<string, Ipam> {
  const pools = options.defaultAddressPools === undefined ? {} : { localPools: parseAddressPools(options.defaultAddressPools) };
  const hostPrefixes = options.hostPrefixes === undefined ? {} : { hostPrefixes: options.hostPrefixes };
  return new Map<string, Ipam>([
    [IpamDriverNames.default, new DefaultIpam({ ...pools, ...hostPrefixes })],
    [IpamDriverNames.null, new NullIpam()],
    [IpamDriverNames.dhcp, new DhcpIpam()],
  ]);
}

/** A host-port allocator to share between the bridge driver instances of one process. */
export function sharedPorts(): PortAllocator {
  return new PortAllocator();
}

/** One per process, like the ports: a served plugin's bridges and veths are not the controller's to reclaim. */
export function sharedLinkOwners(): LinkOwners {
  return new LinkOwners();
}
