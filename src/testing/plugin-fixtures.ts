// dnet's plugin server in-process for tests and benchmarks: the default IPAM (and any drivers given)
// served on a unix socket, and a client loader that finds it, with short back-offs.

import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { NetworkDriver } from "../driver-api/index.js";
import type { Ipam } from "../ipam-api/index.js";
import { DefaultIpam } from "../ipam/default/index.js";
import {
  IpamService, NetworkService, PluginInterfaces, PluginLoader, PluginServer, ServedState, type PluginClientOptions, type ServedInterface,
} from "../plugins/index.js";
import { MemoryStore, type KVStore } from "../store/index.js";

/** Back-offs short enough for tests: a missing plugin is given up after ~150 ms. */
export const QUICK_PLUGIN_CLIENT: PluginClientOptions = Object.freeze({
  lookup: { timeoutMs: 160, firstDelayMs: 10 }, retry: { timeoutMs: 160, firstDelayMs: 10 }, callTimeoutMs: 2_000,
});

export interface ServedForTest {
  readonly dir: string;
  readonly name: string;
  readonly server: PluginServer;
  readonly store: KVStore;
  readonly ipam: Ipam;
  /** A client loader looking in `dir` only. */
  readonly loader: PluginLoader;
  close(): Promise<void>;
}

export interface ServeForTestOptions {
  readonly name?: string;
  readonly dir?: string;
  readonly store?: KVStore;
  readonly ipam?: Ipam;
  /** Drivers to serve as NetworkDriver (none: the plugin is an IPAM only). */
  readonly drivers?: ReadonlyMap<string, NetworkDriver>;
  readonly defaultDriver?: string;
  readonly hostNetns?: string;
  readonly client?: PluginClientOptions;
}

/** Serves the default IPAM (and the drivers given) as plugin `name` in a temp dir, restored from `store`. */
export async function serveForTest(o: ServeForTestOptions = {}): Promise<ServedForTest> {
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync("/tmp/dnet-plugins-");
  const name = o.name ?? "dnettest";
  const store = o.store ?? new MemoryStore();
  const ipam = o.ipam ?? new DefaultIpam();
  const state = new ServedState(store, name);
  const records = await state.load();
  const ipamService = new IpamService({ ipam, state });
  await ipamService.restore(records);
  const services: ServedInterface[] = [{ iface: PluginInterfaces.ipam, handlers: ipamService.handlers() }];
  if (o.drivers !== undefined) {
    const network = new NetworkService({ drivers: o.drivers, defaultDriver: o.defaultDriver ?? [...o.drivers.keys()][0] ?? "", state, hostNetns: o.hostNetns ?? "/proc/self/ns/net" });
    await network.restore(records);
    services.unshift({ iface: PluginInterfaces.network, handlers: network.handlers() });
  }
  const server = await PluginServer.listen({ name, socketPath: join(dir, `${name}.sock`), services });
  const loader = new PluginLoader({ ...QUICK_PLUGIN_CLIENT, ...o.client, dir });
  return {
    dir, name, server, store, ipam, loader,
    close: async () => {
      loader.close();
      await server.close();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
