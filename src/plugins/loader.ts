// The client side's entry: finds Docker plugins by name (as the driver and IPAM registries' loaders) and
// keeps one connection per plugin, shared by its NetworkDriver and IpamDriver sides.

import type { DriverLoader } from "../driver-api/index.js";
import type { IpamLoader } from "../ipam-api/index.js";
import { PluginClient } from "./client.js";
import {
  DOCKER_BACKOFF, DOCKER_PLUGIN_DIRS, findPlugin, locatePlugin, pluginDirsUnder, type Backoff, type DiscoveryPolicy, type PluginDirs,
} from "./discovery.js";
import { RemoteDriver } from "./remote-driver.js";
import { RemoteIpam } from "./remote-ipam.js";
import { PluginTransport } from "./transport.js";

/** How plugins are found and called (library option `plugins`, daemon flags `--plugins-dir`, `--plugin-tcp-allow`). */
export interface PluginClientOptions {
  /** One directory replacing Docker's (/run/docker/plugins, /etc/docker/plugins, /usr/lib/docker/plugins): sockets, specs and json files. */
  readonly dir?: string;
  /** Directories in full (wins over `dir`). */
  readonly dirs?: PluginDirs;
  /** TCP addresses spec files may name besides loopback (`HOST` or `HOST:PORT`). */
  readonly tcpAllow?: readonly string[];
  /** How long a missing plugin is looked for (Docker: back-off 1, 2, 4, 8 s, then "not found"). */
  readonly lookup?: Backoff;
  /** How long a plugin that refuses connections is retried (Docker: the same back-off). */
  readonly retry?: Backoff;
  /** Time limit of one call, answer included (default 30 s; Docker has none for v1 plugins). */
  readonly callTimeoutMs?: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export class PluginLoader {
  readonly #policy: DiscoveryPolicy;
  readonly #options: PluginClientOptions;
  readonly #clients = new Map<string, PluginClient>();
  readonly #finding = new Map<string, Promise<PluginClient | undefined>>();

  constructor(options: PluginClientOptions = {}) {
    this.#options = options;
    this.#policy = {
      dirs: options.dirs ?? (options.dir === undefined ? DOCKER_PLUGIN_DIRS : pluginDirsUnder(options.dir)),
      tcpAllow: options.tcpAllow ?? [],
    };
  }

  /** For the driver registry: a RemoteDriver for a plugin that implements NetworkDriver. */
  readonly driver: DriverLoader = async (name) => {
    const client = await this.client(name);
    return client === undefined ? undefined : RemoteDriver.open(client);
  };

  /** For the IPAM registry: a RemoteIpam for a plugin that implements IpamDriver. */
  readonly ipam: IpamLoader = async (name) => {
    const client = await this.client(name);
    return client === undefined ? undefined : RemoteIpam.open(client);
  };

  /** The plugin's client, looking for it with Docker's back-off first; undefined when it never showed up. */
  async client(name: string): Promise<PluginClient | undefined> {
    const known = this.#clients.get(name);
    if (known !== undefined) return known;
    let pending = this.#finding.get(name);
    if (pending === undefined) {
      pending = this.#find(name).finally(() => this.#finding.delete(name));
      this.#finding.set(name, pending);
    }
    return pending;
  }

  /** Closes every plugin connection (the controller is closing). */
  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }

  async #find(name: string): Promise<PluginClient | undefined> {
    const location = await findPlugin(name, this.#policy, this.#options.lookup ?? DOCKER_BACKOFF);
    if (location === undefined) return undefined;
    const transport = new PluginTransport(location, () => locatePlugin(name, this.#policy), {
      callTimeoutMs: this.#options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, retry: this.#options.retry ?? DOCKER_BACKOFF,
    });
    const client = new PluginClient(transport);
    this.#clients.set(name, client);
    return client;
  }
}
