// The ipvlan driver (Docker's): each sandbox gets an ipvlan child of the network's parent link, sharing
// the parent's MAC. l2: on the parent's LAN with the subnet's gateway; l3 and l3s: routed by the host, so
// no gateway, a default route on the link (`default dev eth0`), and no broadcast (no DHCP) leaves it.

import { ipvlanRequest } from "../../osl/index.js";
import { LanDriver, type LanDriverDeps } from "../lan/driver.js";
import type { LanKind } from "../lan/kind.js";
import { parseIpvlanConfig, type IpvlanConfig } from "./config.js";

export const ipvlanKind: LanKind<IpvlanConfig> = Object.freeze<LanKind<IpvlanConfig>>({
  name: "ipvlan",
  dummyPrefix: "di-",
  kernelConfig: "CONFIG_IPVLAN",
  ownMac: false,
  parseMode: (options: ReadonlyMap<string, string>, dhcp: boolean) => parseIpvlanConfig(options, dhcp),
  childRequest: (host, spec, parentIndex, c) => ipvlanRequest(host, { ...spec, parent: parentIndex, mode: c.mode, flag: c.flag }, parentIndex),
  routedOnLink: (c: IpvlanConfig) => c.mode !== "l2",
  // The kernel keeps the mode per parent: a child in another mode would switch every child of the parent.
  sharing: (c: IpvlanConfig) => ({ mode: `ipvlan_mode=${c.mode}` }),
});

export class IpvlanDriver extends LanDriver<IpvlanConfig> {
  constructor(deps: LanDriverDeps) {
    super(ipvlanKind, deps);
  }
}
