// Composition root for drivers and IPAMs: the only place that names concrete implementations.

import { DriverRegistry, type NetworkDriver } from "../driver-api/index.js";
import type { Ipam } from "../ipam-api/index.js";
import { IpamDriverNames } from "../ipam-api/index.js";
import { DefaultIpam, parseAddressPools, type AddressPoolConfig } from "../ipam/default/index.js";
import { NullIpam } from "../ipam/null/index.js";
import type { IpPrefix } from "../types/index.js";
import type { FirewallBackend } from "../firewall/contract.js";
import type { HandleCache } from "../osl/index.js";
import { BridgeDriver } from "./bridge/driver.js";
import { HostDriver } from "./host/driver.js";
import { NullDriver } from "./null/driver.js";

export interface BuiltinDeps {
  readonly handles: HandleCache;
  readonly firewall: FirewallBackend;
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
}

export interface BuiltinDrivers {
  readonly registry: DriverRegistry;
  /** Flushes deferred kernel work of the drivers that have some. */
  readonly close: () => Promise<void>;
}

export function builtinDrivers(deps: BuiltinDeps, options: BuiltinOptions = {}): BuiltinDrivers {
  const registry = new DriverRegistry();
  const bridge = new BridgeDriver({ handles: deps.handles, firewall: deps.firewall, reclaimUnrecorded: options.reclaimUnrecorded === true });
  registry.register(bridge);
  registry.register(new NullDriver());
  registry.register(new HostDriver());
  for (const d of options.extraDrivers ?? []) registry.register(d);
  return { registry, close: () => bridge.close() };
}

export function builtinIpams(options: BuiltinOptions = {}): Map<string, Ipam> {
  const pools = options.defaultAddressPools === undefined ? {} : { localPools: parseAddressPools(options.defaultAddressPools) };
  const hostPrefixes = options.hostPrefixes === undefined ? {} : { hostPrefixes: options.hostPrefixes };
  return new Map<string, Ipam>([
    [IpamDriverNames.default, new DefaultIpam({ ...pools, ...hostPrefixes })],
    [IpamDriverNames.null, new NullIpam()],
  ]);
}
