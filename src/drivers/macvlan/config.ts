// The macvlan driver's own option, parsed once: the mode its children talk to each other in.

import { invalidArgument } from "../../errors/index.js";
import type { MacvlanMode } from "../../osl/index.js";
import { MacvlanLabels } from "./labels.js";

const MODES: readonly MacvlanMode[] = ["bridge", "private", "vepa", "passthru"];

export function parseMacvlanMode(options: ReadonlyMap<string, string>): MacvlanMode {
  const value = options.get(MacvlanLabels.mode);
  if (value === undefined || value === "") return "bridge";
  const mode = MODES.find((m) => m === value);
  // Docker's message.
  if (mode === undefined) throw invalidArgument("ERR_INVALID_MACVLAN_MODE", `requested macvlan mode '${value}' is not valid, 'bridge' mode is the macvlan driver default`);
  return mode;
}
