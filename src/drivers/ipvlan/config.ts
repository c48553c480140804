// The ipvlan driver's own options, parsed once: its mode (l2, l3, l3s) and flag (bridge, private, vepa).

import { invalidArgument } from "../../errors/index.js";
import type { IpvlanFlag, IpvlanMode } from "../../osl/index.js";
import { IpvlanLabels } from "./labels.js";

export interface IpvlanConfig {
  readonly mode: IpvlanMode;
  readonly flag: IpvlanFlag;
}

const MODES: readonly IpvlanMode[] = ["l2", "l3", "l3s"];
const FLAGS: readonly IpvlanFlag[] = ["bridge", "private", "vepa"];

export function parseIpvlanConfig(options: ReadonlyMap<string, string>, dhcp: boolean): IpvlanConfig {
  const modeText = options.get(IpvlanLabels.mode);
  const flagText = options.get(IpvlanLabels.flag);
  const mode = modeText === undefined || modeText === "" ? "l2" : MODES.find((m) => m === modeText);
  // Docker's messages.
  if (mode === undefined) throw invalidArgument("ERR_INVALID_IPVLAN_MODE", `requested ipvlan mode '${modeText ?? ""}' is not valid, 'l2' mode is the ipvlan driver default`);
  const flag = flagText === undefined || flagText === "" ? "bridge" : FLAGS.find((f) => f === flagText);
  if (flag === undefined) throw invalidArgument("ERR_INVALID_IPVLAN_FLAG", `requested ipvlan flag '${flagText ?? ""}' is not valid, 'bridge' is the ipvlan driver default`);
  if (dhcp && mode !== "l2") {
    throw invalidArgument("ERR_DHCP_UNREACHABLE", `${IpvlanLabels.mode}=${mode} cannot use DHCP: in layer 3 no broadcast leaves the sandbox, so no DHCP server can answer (use l2)`);
  }
  return Object.freeze({ mode, flag });
}
