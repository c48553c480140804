// A macvlan or ipvlan network's configuration, parsed once from the create request into frozen typed
// config; errors name the option. The driver's own options (its mode) are parsed by its LanKind.

import type { CreateNetworkRequest, DhcpNetwork, IpamData } from "../../driver-api/index.js";
import { invalidArgument } from "../../errors/index.js";
import type { IpPrefix } from "../../types/index.js";
import type { LanKind } from "./kind.js";
import { LanLabels } from "./labels.js";
import { dummyParentName, parseParent, type ParentSpec } from "./parent.js";

export interface Subnet {
  readonly pool: IpPrefix;
  /** The LAN's router for this subnet (`--gateway`), with the pool's length. */
  readonly gateway: IpPrefix | undefined;
}

export interface LanNetworkConfig<M> {
  readonly id: string;
  readonly parent: ParentSpec;
  readonly mode: M;
  /** No parent (or --internal): a dummy parent, sandboxes reach each other only, no gateway. */
  readonly internal: boolean;
  readonly dhcp: DhcpNetwork | undefined;
  readonly v4: readonly Subnet[];
  readonly v6: readonly Subnet[];
}

const isPlaceholder = (d: IpamData): boolean => d.pool.length === 0 && d.pool.address === 0n;
const subnets = (data: readonly IpamData[]): Subnet[] => data.filter((d) => !isPlaceholder(d)).map((d) => ({ pool: d.pool, gateway: d.gateway }));

export function parseLanConfig<M>(kind: LanKind<M>, req: CreateNetworkRequest): LanNetworkConfig<M> {
  const dhcp = req.dhcp;
  const v4 = subnets(req.ipv4);
  const v6 = req.enableIPv6 ? subnets(req.ipv6) : [];
  // Docker's rule; a DHCP network's pool is a placeholder: the server hands out the addresses.
  if (dhcp === undefined && v4.length === 0) throw invalidArgument("ERR_IPV4_POOL_EMPTY", "ipv4 pool is empty");
  const mode = kind.parseMode(req.options, dhcp !== undefined);
  const parent = parseParent(LanLabels.parent, req.options.get(LanLabels.parent), req.internal, dummyParentName(kind.dummyPrefix, req.networkId));
  const internal = parent.kind === "dummy";
  if (dhcp !== undefined && internal) {
    throw invalidArgument("ERR_DHCP_UNREACHABLE", `a ${kind.name} network without a parent (or internal) cannot use DHCP: no DHCP server is reachable through its dummy parent`);
  }
  return Object.freeze({ id: req.networkId, parent, mode, internal, dhcp, v4, v6 });
}
