// The daemon's way into a cluster (`--cluster-store`, `--cluster-store-opt`, `--advertise-addr`): options
// checked at start, then the etcd store opened and the controller attached, retried until etcd answers.

import { networkInterfaces } from "node:os";
import { invalidArgument, isLibnetworkError } from "./errors/index.js";
import type { NetworkController } from "./controller/index.js";
import { openEtcdStore, parseClusterStoreOptions, parseEtcdUrl, type EtcdStore, type EtcdTlsFiles } from "./store/index.js";
import { formatIp, parseIp } from "./types/index.js";

export interface ClusterOptions {
  /** `etcd://HOST:PORT[,HOST:PORT…]`. */
  readonly clusterStore: string;
  /** This host's address as other hosts reach it (VXLAN tunnels end there). */
  readonly advertiseAddr?: string;
  /** `--cluster-store-opt` pairs: kv.cacertfile, kv.certfile, kv.keyfile (TLS), discovery.ttl (seconds). */
  readonly storeOptions?: ReadonlyMap<string, string>;
  /** Wait between attempts while etcd is unreachable; default 5000 ms. */
  readonly retryMs?: number;
}

export interface ClusterConfig {
  readonly url: string;
  readonly advertise: string;
  readonly tls?: EtcdTlsFiles;
  readonly retryMs: number;
  /** This host's liveness lease (discovery.ttl), in seconds; undefined: the controller's default. */
  readonly ttlSeconds?: number;
}

export interface ClusterLogger {
  info(message: string, fields?: Readonly<Record<string, string>>): void;
  warn(message: string, fields?: Readonly<Record<string, string>>): void;
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

const TTL_OPTION = "discovery.ttl";

/** Docker's discovery.ttl: whole seconds ("20" or "20s"), at least 1. */
function parseTtl(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{1,6})s?$/.exec(text.trim());
  const n = m === null ? NaN : Number(m[1]);
  if (!(n >= 1)) throw invalidArgument("ERR_CLUSTER_STORE", `cluster store option ${TTL_OPTION}=${JSON.stringify(text)}: must be a whole number of seconds, at least 1`);
  return n;
}

/** Checks every option before the daemon starts: a bad one is a clear error, not a retry loop. */
export function checkClusterOptions(o: ClusterOptions): ClusterConfig {
  const storeOptions = new Map(o.storeOptions ?? []);
  const ttlSeconds = parseTtl(storeOptions.get(TTL_OPTION));
  storeOptions.delete(TTL_OPTION);
  const tls = parseClusterStoreOptions(storeOptions);
  parseEtcdUrl(o.clusterStore, tls !== undefined);
  if (o.advertiseAddr === undefined || o.advertiseAddr === "") {
    throw invalidArgument("ERR_CLUSTER_STORE", "--cluster-store needs --advertise-addr IP: the address other hosts reach this one on");
  }
  const advertise = formatIp(parseIp(o.advertiseAddr, "--advertise-addr"));
  const local = localAddresses();
  if (!local.includes(advertise)) {
    throw invalidArgument("ERR_CLUSTER_STORE", `--advertise-addr ${advertise} is not an address of this host (it has ${local.join(", ") || "none"})`);
  }
  return { url: o.clusterStore, advertise, retryMs: o.retryMs ?? 5000, ...(tls === undefined ? {} : { tls }), ...(ttlSeconds === undefined ? {} : { ttlSeconds }) };
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
    const { url, advertise, tls, retryMs, ttlSeconds } = this.#config;
    try {
      const store = await openEtcdStore({ url, ...(tls === undefined ? {} : { tls }) });
      if (this.#closed) return void (await store.close());
      this.#store = store;
      const log = (message: string): void => this.#log.info(message, { clusterStore: url });
      await controller.attachCluster(store, advertise, log, { storeAddress: url, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
      this.#attached = true;
      this.#log.info("joined the cluster: global-scope networks are shared", { clusterStore: url, advertiseAddr: advertise });
    } catch (err) {
      await this.#store?.close();
      this.#store = undefined;
      if (this.#closed) return;
      const error = err instanceof Error ? err.message : String(err);
      if (isLibnetworkError(err) && err.code === "ERR_CLUSTER_STORE_VERSION") {
        // Retrying cannot help: the data stays as it is until someone changes it. Local scope goes on.
        this.#log.warn("cluster store holds data this dnet cannot read; running with local scope only, not retrying", { clusterStore: url, error });
        return;
      }
      this.#log.warn(`cluster store unreachable; running with local scope only, retrying in ${retryMs / 1000}s`, { clusterStore: url, error });
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
