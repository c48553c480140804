// Composition root for drivers and IPAMs: the only place that names concrete implementations.

import { DriverRegistry, type NetworkDriver } from "../driver-api/index.js";
import type { Ipam } from "../ipam-api/index.js";
import { IpamDriverNames } from "../ipam-api/index.js";
import { DefaultIpam, parseAddressPools, type AddressPoolConfig } from "../ipam/default/index.js";
import { NullIpam } from "../ipam/null/index.js";
import type { IpPrefix } from "../types/index.js";
import { HostDriver } from "./host/driver.js";
import { NullDriver } from "./null/driver.js";

export interface BuiltinOptions {
  /** `--default-address-pool base=CIDR,size=N`; Docker's pools when omitted. */
  readonly defaultAddressPools?: readonly AddressPoolConfig[];
  /** Routes and addresses already on the host, so automatic pools avoid them. */
  readonly hostPrefixes?: () => Promise<readonly IpPrefix[]>;
  /** Extra drivers (tests, embedders), registered after the built-ins. */
  readonly extraDrivers?: readonly NetworkDriver[];
}

export function builtinDrivers(options: BuiltinOptions = {}): DriverRegistry {
  const registry = new DriverRegistry();
  registry.register(new NullDriver());
  registry.register(new HostDriver());
  for (const d of options.extraDrivers ?? []) registry.register(d);
  return registry;
}

export function builtinIpams(options: BuiltinOptions = {}): Map<string, Ipam> {
  const pools = options.defaultAddressPools === undefined ? {} : { localPools: parseAddressPools(options.defaultAddressPools) };
  const hostPrefixes = options.hostPrefixes === undefined ? {} : { hostPrefixes: options.hostPrefixes };
  return new Map<string, Ipam>([
    [IpamDriverNames.default, new DefaultIpam({ ...pools, ...hostPrefixes })],
    [IpamDriverNames.null, new NullIpam()],
  ]);
}
