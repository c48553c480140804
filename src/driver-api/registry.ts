// The driver registry: built-in drivers by name; unknown names go to a loader (Docker plugins).

import { conflict, invalidArgument } from "../errors/index.js";
import type { NetworkDriver } from "./contract.js";

/** Finds a driver that is not registered (the plugin loader implements this). */
export type DriverLoader = (name: string) => Promise<NetworkDriver | undefined>;

export class DriverRegistry {
  readonly #drivers = new Map<string, NetworkDriver>();
  readonly #loader: DriverLoader | undefined;
  /** Loads under way, so concurrent first uses of one plugin share one activation. */
  readonly #loading = new Map<string, Promise<NetworkDriver | undefined>>();

  constructor(loader?: DriverLoader) {
    this.#loader = loader;
  }

  register(driver: NetworkDriver): void {
    if (driver.name.trim() === "") throw invalidArgument("ERR_INVALID_DRIVER", "a driver needs a name");
    if (this.#drivers.has(driver.name)) {
      throw conflict("ERR_DRIVER_EXISTS", `a driver named ${JSON.stringify(driver.name)} is already registered`);
    }
    this.#drivers.set(driver.name, driver);
  }

  /** The driver named `name`, loading it (plugins) when it is not built in; undefined when none exists. */
  async get(name: string): Promise<NetworkDriver | undefined> {
    const builtin = this.#drivers.get(name);
    if (builtin !== undefined || this.#loader === undefined) return builtin;
    let pending = this.#loading.get(name);
    if (pending === undefined) {
      pending = this.#loader(name).finally(() => this.#loading.delete(name));
      this.#loading.set(name, pending);
    }
    const loaded = await pending;
    if (loaded !== undefined && !this.#drivers.has(name)) this.#drivers.set(name, loaded);
    return loaded;
  }

  /** A driver already registered or loaded, without trying the loader. */
  peek(name: string): NetworkDriver | undefined {
    return this.#drivers.get(name);
  }

  names(): string[] {
    return [...this.#drivers.keys()];
  }
}
