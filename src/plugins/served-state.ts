// What the plugin server must remember across a restart of dnet (dockerd does not tell it again): the
// networks, endpoints, pools and addresses it serves, kept in the controller's store under `plugin/NAME/`.
// Requests are stored as their wire JSON, so a restart decodes them exactly as the first time.

import type { KVStore, TxnOptions } from "../store/index.js";
import type { Json } from "./wire-values.js";

export interface ServedNetwork {
  readonly id: string;
  /** Which of dnet's drivers serves it (the `dnet.driver` option, bridge by default). */
  readonly driver: string;
  /** The CreateNetwork request as received. */
  readonly request: Json;
}

export interface ServedEndpoint {
  readonly networkId: string;
  readonly endpointId: string;
  /** The CreateEndpoint request, with what the driver filled in (its MAC). */
  readonly request: Json;
  /** Joined: the name of the interface made for dockerd in the host's namespace. */
  readonly joined?: { readonly ifname: string };
  /** ProgramExternalConnectivity was called and not revoked: its ports are published. */
  readonly external: boolean;
}

export interface ServedPool {
  readonly poolId: string;
  /** The RequestPool request, with Pool set to the pool granted (so a replay asks for exactly it). */
  readonly request: Json;
  /** How many RequestPool calls hold it (the default IPAM counts references). */
  readonly refs: number;
}

export interface ServedAddress {
  readonly poolId: string;
  /** The address without its length. */
  readonly address: string;
}

export interface ServedRecords {
  readonly networks: ServedNetwork[];
  readonly endpoints: ServedEndpoint[];
  readonly pools: ServedPool[];
  readonly addresses: ServedAddress[];
}

const enc = encodeURIComponent;
/** Kernel objects of joins and addresses do not outlive a power loss either (the controller's choice for joins). */
const DEFERRED: TxnOptions = { durability: "deferred" };

export class ServedState {
  readonly #store: KVStore;
  readonly #base: string;

  constructor(store: KVStore, pluginName: string) {
    this.#store = store;
    this.#base = `plugin/${pluginName}/`;
  }

  async load(): Promise<ServedRecords> {
    const read = async <T>(kind: string): Promise<T[]> => (await this.#store.list(`${this.#base}${kind}/`)).map((e) => JSON.parse(e.value) as T);
    return {
      networks: await read<ServedNetwork>("network"), endpoints: await read<ServedEndpoint>("endpoint"),
      pools: await read<ServedPool>("pool"), addresses: await read<ServedAddress>("address"),
    };
  }

  putNetwork(n: ServedNetwork): Promise<void> {
    return this.#put(`network/${enc(n.id)}`, n);
  }

  deleteNetwork(id: string): Promise<void> {
    return this.#delete(`network/${enc(id)}`);
  }

  putEndpoint(e: ServedEndpoint): Promise<void> {
    return this.#put(`endpoint/${enc(e.endpointId)}`, e, DEFERRED);
  }

  deleteEndpoint(endpointId: string): Promise<void> {
    return this.#delete(`endpoint/${enc(endpointId)}`, DEFERRED);
  }

  putPool(p: ServedPool): Promise<void> {
    return this.#put(`pool/${enc(p.poolId)}`, p);
  }

  /** The pool and every address recorded in it. */
  async deletePool(poolId: string): Promise<void> {
    await this.#delete(`pool/${enc(poolId)}`);
    const prefix = `${this.#base}address/${enc(poolId)}/`;
    if ((await this.#store.list(prefix)).length > 0) await this.#store.deletePrefix(prefix);
  }

  putAddress(a: ServedAddress): Promise<void> {
    return this.#put(`address/${enc(a.poolId)}/${enc(a.address)}`, a, DEFERRED);
  }

  deleteAddress(poolId: string, address: string): Promise<void> {
    return this.#delete(`address/${enc(poolId)}/${enc(address)}`, DEFERRED);
  }

  async #put(key: string, value: unknown, options?: TxnOptions): Promise<void> {
    await this.#store.transaction([{ op: "put", key: `${this.#base}${key}`, value: JSON.stringify(value) }], options);
  }

  async #delete(key: string, options?: TxnOptions): Promise<void> {
    await this.#store.transaction([{ op: "delete", key: `${this.#base}${key}` }], options);
  }
}
