// Stand-ins a test builds its object under test with, where a composition root would pass the real thing.

import type { FirewallBackend } from "../firewall/contract.js";
import { NoneBackend } from "../firewall/none.js";

/**
 * A firewall that programs nothing, for driver and controller tests: they may depend on the firewall
 * contract only (docs/architecture.md), so the concrete backend comes from here.
 */
export function noFirewall(): FirewallBackend {
  return new NoneBackend();
}
