// `GET /events`: the event bus streamed as NDJSON to one subscriber, with a bounded buffer. The kernel
// buffers a socket's first ~200 KB; past that Node would queue every event in memory for a client that
// never reads, so a subscriber whose queue passes the bound is dropped (logged and counted).

import type { EventBus } from "./events.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";
import type { RouteContext } from "./server.js";

/** Bytes of events queued in the daemon for one subscriber before it is dropped (≈200 events). */
export const DEFAULT_EVENT_BUFFER_BYTES = 64 * 1024;

export interface EventStreamOptions {
  readonly events: EventBus;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly bufferBytes?: number;
}

export function streamEvents(o: EventStreamOptions, { req, res }: RouteContext): undefined {
  const limit = o.bufferBytes ?? DEFAULT_EVENT_BUFFER_BYTES;
  res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-cache" });
  res.flushHeaders();
  let sent = 0;
  const off = o.events.subscribe((e) => {
    // What Node holds for this client beyond the kernel's buffer: the subscriber is not reading.
    if (res.writableLength > limit) {
      off();
      o.metrics.count("event_subscribers_dropped");
      o.logger.warn("events subscriber dropped: it stopped reading", { queued: res.writableLength, limit, sent });
      res.destroy();
      return;
    }
    res.write(`${JSON.stringify(e)}\n`);
    sent++;
  });
  req.on("close", off);
  res.on("close", off);
  return undefined;
}
