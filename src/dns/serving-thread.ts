// Where sandboxes are served: an engine on the calling thread, or one in a worker thread behind messages.

import { Worker } from "node:worker_threads";
import { internal } from "../errors/index.js";
import { DnsEngine, type EngineOptions } from "./engine.js";
import { createOpLog, DEFAULT_OP_LOG_BYTES, OpEncoder, OpLogWriter } from "./op-log.js";
import type { ServiceRecords } from "./records.js";
import type { RecordsOp } from "./records-types.js";

export interface ServingThread {
  /** Serves the sandbox from the given fds; ownership of the fds passes to the thread. */
  attach(sandboxId: string, udpFds: readonly number[], tcpFd: number | undefined): Promise<void>;
  detach(sandboxId: string): Promise<void>;
  /** Resolves once every records change made before the call is visible to the thread. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The engine runs on the caller's event loop and reads the caller's records directly. */
export class LocalThread implements ServingThread {
  readonly engine: DnsEngine;

  constructor(records: ServiceRecords, options: EngineOptions) {
    this.engine = new DnsEngine(records, options);
  }

  attach(sandboxId: string, udpFds: readonly number[], tcpFd: number | undefined): Promise<void> {
    this.engine.attach(sandboxId, udpFds, tcpFd);
    return Promise.resolve();
  }

  detach(sandboxId: string): Promise<void> {
    return this.engine.detach(sandboxId);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

/** Messages to a worker (worker.ts). */
export type WorkerRequest =
  | { readonly type: "ops"; readonly seq: number; readonly ops: readonly RecordsOp[] }
  | { readonly type: "attach"; readonly seq: number; readonly sandboxId: string; readonly udpFds: readonly number[]; readonly tcpFd: number | undefined }
  | { readonly type: "detach"; readonly seq: number; readonly sandboxId: string }
  | { readonly type: "sync"; readonly seq: number }
  | { readonly type: "close"; readonly seq: number };

export interface WorkerReply {
  readonly type: "done";
  readonly seq: number;
  readonly error?: string;
}

export interface WorkerData {
  readonly dnsWorker: true;
  readonly options: EngineOptions;
  readonly ops: readonly RecordsOp[];
  /** Records changes after `ops` (op-log.ts); the thread reads them before every query and request. */
  readonly log: SharedArrayBuffer;
}

/** The code of errors that mean the worker is gone (and with it whatever fds it had taken). */
export const WORKER_DIED = "ERR_DNS_WORKER_DIED";

type Distributive<T> = T extends unknown ? Omit<T, "seq"> : never;

/**
 * An engine in a worker thread with its own copy of the records, kept in step through a shared op log
 * (no wake-up per change); by message only when the log is full, e.g. after many changes and no query.
 */
export class WorkerThread implements ServingThread {
  readonly #worker: Worker;
  readonly #log: OpLogWriter<RecordsOp>;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  readonly #unsubscribe: () => void;
  #seq = 0;
  #dead: Error | undefined;
  #ops: RecordsOp[] = [];
  /** Changes sent by message and not yet applied: until then none go to the log (order). */
  #opsMessages = 0;

  /**
   * `onDeath` is called once if the worker stops without being closed (its sockets are then gone);
   * `encoder` is shared by the threads of one server, which receive the same ops.
   */
  constructor(
    records: ServiceRecords, options: EngineOptions, onDeath: (err: Error) => void, logBytes = DEFAULT_OP_LOG_BYTES, encoder = new OpEncoder(),
  ) {
    const log = createOpLog(logBytes);
    this.#log = new OpLogWriter(log, encoder);
    const workerData: WorkerData = { dnsWorker: true, options, ops: records.snapshot(), log };
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), { workerData });
    this.#unsubscribe = records.subscribe((op) => this.#queue(op));
    this.#worker.on("message", (m: WorkerReply) => this.#settle(m));
    const die = (err: Error): void => {
      if (this.#dead !== undefined) return;
      this.#dead = err;
      this.#unsubscribe();
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      onDeath(err);
    };
    this.#worker.on("error", (err) => die(internal(WORKER_DIED, `DNS worker thread failed: ${err.message}`, err)));
    this.#worker.on("exit", (code) => die(internal(WORKER_DIED, `DNS worker thread exited with code ${code}`)));
  }

  /** Changes made in one synchronous run (a join updates several endpoints and the sandbox) are written together. */
  #queue(op: RecordsOp): void {
    this.#ops.push(op);
    if (this.#ops.length === 1) queueMicrotask(() => this.#flush());
  }

  /**
   * Into the log, as much as fits. The rest goes by message: the log is full (the thread has not needed its
   * records for a while) or an op is larger than the log; and while such a message is on its way, every
   * change follows it by message too, so the thread applies them in the order they were made.
   */
  #flush(): void {
    if (this.#ops.length === 0 || this.#dead !== undefined) return;
    const taken = this.#opsMessages > 0 ? 0 : this.#log.append(this.#ops);
    const rest = taken === 0 ? this.#ops : this.#ops.slice(taken);
    this.#ops = [];
    if (rest.length === 0) return;
    this.#opsMessages++;
    const applied = (): void => { this.#opsMessages--; };
    this.#request({ type: "ops", ops: rest }).then(applied, applied);
  }

  /** The worker reads the log before any request, and changes that went by message were posted before it. */
  #call(msg: Distributive<Exclude<WorkerRequest, { type: "ops" }>>): Promise<void> {
    this.#flush();
    return this.#request(msg);
  }

  #request(msg: Distributive<WorkerRequest>): Promise<void> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#worker.postMessage({ ...msg, seq });
    });
  }

  #settle(m: WorkerReply): void {
    const p = this.#pending.get(m.seq);
    if (p === undefined) return;
    this.#pending.delete(m.seq);
    if (m.error === undefined) p.resolve();
    else p.reject(internal("ERR_DNS_WORKER", m.error));
  }

  attach(sandboxId: string, udpFds: readonly number[], tcpFd: number | undefined): Promise<void> {
    return this.#call({ type: "attach", sandboxId, udpFds, tcpFd });
  }

  detach(sandboxId: string): Promise<void> {
    return this.#dead === undefined ? this.#call({ type: "detach", sandboxId }) : Promise.resolve();
  }

  sync(): Promise<void> {
    return this.#call({ type: "sync" });
  }

  /** Closes the worker's sockets, then ends the thread. */
  async close(): Promise<void> {
    if (this.#dead === undefined) {
      try { await this.#call({ type: "close" }); } catch { /* it died meanwhile: its sockets died with it */ }
    }
    this.#dead ??= internal(WORKER_DIED, "DNS worker closed");
    this.#unsubscribe();
    await this.#worker.terminate();
  }
}
