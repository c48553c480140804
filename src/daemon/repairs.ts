// Repairs of kernel objects deleted or changed behind the daemon's back (a bridge, an address, a veth),
// as the daemon tells them: a log line, a `network` event with action "repair" on /events, and a count
// in /metrics (dnet_repairs_total / dnet_repair_failures_total by object: network or endpoint).

import type { RepairNotice } from "../controller/index.js";
import type { EventBus } from "./events.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";

export function reportRepair(n: RepairNotice, logger: Logger, events: EventBus, metrics: Metrics): void {
  const object = n.endpointId === undefined ? "network" : "endpoint";
  const fields = { network: n.networkId, ...(n.endpointId === undefined ? {} : { endpoint: n.endpointId }) };
  if (n.failed) {
    logger.error("repair failed (tried again on the next change)", { ...fields, error: n.message });
    metrics.count("repair_failures", object, "object");
  } else {
    logger.warn("repaired", { ...fields, repair: n.message });
    metrics.count("repairs", object, "object");
  }
  events.emit("network", n.failed ? "repair_failed" : "repair", n.networkId, { repair: n.message, ...fields });
}
