// The daemon's way into a cluster (`--cluster-store`, `--cluster-store-opt`, `--advertise-addr`): options
// checked at start, then the etcd store opened and the controller attached, retried until etcd answers.

import { networkInterfaces } from "node:os";
import { invalidArgument } from "./errors/index.js";
import type { NetworkController } from "./controller/index.js";
import { openEtcdStore, parseClusterStoreOptions, parseEtcdUrl, type EtcdStore, type EtcdTlsFiles } from "./store/index.js";
import { formatIp, parseIp } from "./types/index.js";

export interface ClusterOptions {
  /** `etcd://HOST:PORT[,HOST:PORT…]`. */
  readonly clusterStore: string;
  /** This host's address as other hosts reach it (VXLAN tunnels end there). */
  readonly advertiseAddr?: string;
  /** `--cluster-store-opt` pairs: kv.cacertfile, kv.certfile, kv.keyfile. */
  readonly storeOptions?: ReadonlyMap<string, string>;
  /** Wait between attempts while etcd is unreachable; default 5000 ms. */
  readonly retryMs?: number;
}

export interface ClusterConfig {
  readonly url: string;
  readonly advertise: string;
  readonly tls?: EtcdTlsFiles;
  readonly retryMs: number;
}

export interface ClusterLogger {
  info(message: string, fields?: Readonly<Record<string, string>>): void;
  warn(message: string, fields?: Readonly<Record<string, string>>): void;
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

/** Checks every option before the daemon starts: a bad one is a clear error, not a retry loop. */
export function checkClusterOptions(o: ClusterOptions): ClusterConfig {
  const tls = parseClusterStoreOptions(o.storeOptions ?? new Map());
  parseEtcdUrl(o.clusterStore, tls !== undefined);
  if (o.advertiseAddr === undefined || o.advertiseAddr === "") {
    throw invalidArgument("ERR_CLUSTER_STORE", "--cluster-store needs --advertise-addr IP: the address other hosts reach this one on");
  }
  const advertise = formatIp(parseIp(o.advertiseAddr, "--advertise-addr"));
  const local = localAddresses();
  if (!local.includes(advertise)) {
    throw invalidArgument("ERR_CLUSTER_STORE", `--advertise-addr ${advertise} is not an address of this host (it has ${local.join(", ") || "none"})`);
  }
  return { url: o.clusterStore, advertise, retryMs: o.retryMs ?? 5000, ...(tls === undefined ? {} : { tls }) };
}

/** The daemon's side of the cluster: attaches when etcd answers, and owns the store. */
export class ClusterLink {
  readonly #config: ClusterConfig;
  readonly #log: ClusterLogger;
  #store: EtcdStore | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #attempt: Promise<void> | undefined;
  #attached = false;

  constructor(config: ClusterConfig, log: ClusterLogger) {
    this.#config = config;
    this.#log = log;
  }

  get attached(): boolean {
    return this.#attached;
  }

  /** Tries now and, while etcd is unreachable, again every retryMs; the daemon serves local scope meanwhile. */
  start(controller: NetworkController): void {
    this.#attempt = this.#try(controller);
  }

  async #try(controller: NetworkController): Promise<void> {
    const { url, advertise, tls, retryMs } = this.#config;
    try {
      const store = await openEtcdStore({ url, ...(tls === undefined ? {} : { tls }) });
      if (this.#closed) return void (await store.close());
      this.#store = store;
      await controller.attachCluster(store, advertise, (message) => this.#log.info(message, { clusterStore: url }));
      this.#attached = true;
      this.#log.info("joined the cluster: global-scope networks are shared", { clusterStore: url, advertiseAddr: advertise });
    } catch (err) {
      await this.#store?.close();
      this.#store = undefined;
      if (this.#closed) return;
      this.#log.warn(`cluster store unreachable; running with local scope only, retrying in ${retryMs / 1000}s`, {
        clusterStore: url, error: err instanceof Error ? err.message : String(err),
      });
      this.#timer = setTimeout(() => { this.#attempt = this.#try(controller); }, retryMs);
    }
  }

  /** Stops retrying and waits for an attempt in flight: call before closing the controller. */
  async stop(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#attempt?.catch(() => undefined);
  }

  /** Call after the controller is closed (it leaves the cluster itself, ending its lease): closes the store. */
  async close(): Promise<void> {
    await this.stop();
    await this.#store?.close();
  }
}
