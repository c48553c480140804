// The macvlan driver (Docker's): each sandbox gets a macvlan child of the network's parent link, with a
// MAC of its own, straight on the parent's LAN. The host cannot reach its own children through the parent
// (the kernel hands frames from a lower device to its macvlans only when they come in from the wire).

import { macvlanRequest, type MacvlanMode } from "../../osl/index.js";
import { LanDriver, type LanDriverDeps } from "../lan/driver.js";
import type { LanKind } from "../lan/kind.js";
import { parseMacvlanMode } from "./config.js";

export const macvlanKind: LanKind<MacvlanMode> = Object.freeze<LanKind<MacvlanMode>>({
  name: "macvlan",
  dummyPrefix: "dm-",
  kernelConfig: "CONFIG_MACVLAN",
  ownMac: true,
  parseMode: (options: ReadonlyMap<string, string>) => parseMacvlanMode(options),
  childRequest: (host, spec, parentIndex, mode) => macvlanRequest(host, { ...spec, parent: parentIndex, mode }, parentIndex),
  routedOnLink: () => false,
  // passthru hands the parent to one child (the kernel refuses any other macvlan on it).
  sharing: (mode) => (mode === "passthru" ? { exclusive: true } : {}),
});

export class MacvlanDriver extends LanDriver<MacvlanMode> {
  constructor(deps: LanDriverDeps) {
    super(macvlanKind, deps);
  }
}
