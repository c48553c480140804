// Entry point of a DNS serving thread: an engine fed with records changes and attach/detach requests.

import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import { DnsEngine } from "./engine.js";
import { OpLogReader } from "./op-log.js";
import { ServiceRecords } from "./records.js";
import type { RecordsOp } from "./records-types.js";
import type { WorkerData, WorkerReply, WorkerRequest } from "./serving-thread.js";

async function handle(engine: DnsEngine, records: ServiceRecords, msg: WorkerRequest): Promise<void> {
  switch (msg.type) {
    case "ops": return applyAll(records, msg.ops);
    case "attach": return engine.attach(msg.sandboxId, msg.udpFds, msg.tcpFd);
    case "detach": return engine.detach(msg.sandboxId);
    case "sync": return;
    case "close": return engine.close();
  }
}

/** The main thread applied these already, so they cannot fail here; if one did, skip it, do not die. */
function applyAll(records: ServiceRecords, ops: readonly RecordsOp[]): void {
  for (const op of ops) { try { records.apply(op); } catch { /* see above */ } }
}

/**
 * Runs the worker side. Records changes come through the shared log, read before every query and every
 * request (the log holds only changes made before the request was sent), and by message when the log
 * was full; every request is answered by seq.
 */
export function runDnsWorker(port: MessagePort, data: WorkerData): void {
  const records = new ServiceRecords();
  applyAll(records, data.ops);
  const log = new OpLogReader<RecordsOp>(data.log);
  const catchUp = (): void => applyAll(records, log.drain());
  const engine = new DnsEngine(records, data.options, catchUp);
  port.on("message", (msg: WorkerRequest) => {
    catchUp();
    handle(engine, records, msg).then(
      () => port.postMessage({ type: "done", seq: msg.seq } satisfies WorkerReply),
      (err: unknown) => port.postMessage({ type: "done", seq: msg.seq, error: String(err) } satisfies WorkerReply),
    );
  });
}

if (!isMainThread && parentPort !== null && (workerData as Partial<WorkerData> | undefined)?.dnsWorker === true) {
  runDnsWorker(parentPort, workerData as WorkerData);
}
