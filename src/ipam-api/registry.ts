// The IPAM registry: built-in IPAMs by name; unknown names go to a loader (Docker IPAM plugins).

import type { Ipam } from "./contract.js";

/** Finds an IPAM that is not built in (the plugin loader implements this); undefined when none exists. */
export type IpamLoader = (name: string) => Promise<Ipam | undefined>;

export class IpamRegistry {
  readonly #ipams: Map<string, Ipam>;
  readonly #loader: IpamLoader | undefined;
  /** Loads under way, so concurrent first uses of one plugin share one activation. */
  readonly #loading = new Map<string, Promise<Ipam | undefined>>();

  constructor(builtins: ReadonlyMap<string, Ipam>, loader?: IpamLoader) {
    this.#ipams = new Map(builtins);
    this.#loader = loader;
  }

  /** The IPAM named `name`, loading it (plugins) when it is not built in; undefined when none exists. */
  async get(name: string): Promise<Ipam | undefined> {
    const known = this.#ipams.get(name);
    if (known !== undefined || this.#loader === undefined) return known;
    let pending = this.#loading.get(name);
    if (pending === undefined) {
      pending = this.#loader(name).finally(() => this.#loading.delete(name));
      this.#loading.set(name, pending);
    }
    const loaded = await pending;
    if (loaded !== undefined) this.#ipams.set(name, loaded);
    return loaded;
  }

  /** An IPAM already known, without trying the loader. */
  peek(name: string): Ipam | undefined {
    return this.#ipams.get(name);
  }
}
