// Entry point of a DNS serving thread: an engine fed with records changes and attach/detach requests.

import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import { DnsEngine } from "./engine.js";
import { ServiceRecords } from "./records.js";
import type { WorkerData, WorkerReply, WorkerRequest } from "./serving-thread.js";

async function handle(engine: DnsEngine, msg: Exclude<WorkerRequest, { type: "ops" }>): Promise<void> {
  switch (msg.type) {
    case "attach": return engine.attach(msg.sandboxId, msg.udpFds, msg.tcpFd);
    case "detach": return engine.detach(msg.sandboxId);
    case "sync": return;
    case "close": return engine.close();
  }
}

/** Runs the worker side: records changes are applied in order, every other request is answered by seq. */
export function runDnsWorker(port: MessagePort, data: WorkerData): void {
  const records = new ServiceRecords();
  for (const op of data.ops) records.apply(op);
  const engine = new DnsEngine(records, data.options);
  port.on("message", (msg: WorkerRequest) => {
    if (msg.type === "ops") {
      // The main thread applied these already, so they cannot fail here; if one did, skip it, do not die.
      for (const op of msg.ops) { try { records.apply(op); } catch { /* see above */ } }
      return;
    }
    handle(engine, msg).then(
      () => port.postMessage({ type: "done", seq: msg.seq } satisfies WorkerReply),
      (err: unknown) => port.postMessage({ type: "done", seq: msg.seq, error: String(err) } satisfies WorkerReply),
    );
  });
}

if (!isMainThread && parentPort !== null && (workerData as Partial<WorkerData> | undefined)?.dnsWorker === true) {
  runDnsWorker(parentPort, workerData as WorkerData);
}
