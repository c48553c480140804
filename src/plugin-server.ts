// Composition root of dnet's plugin server: its own instances of dnet's drivers (sharing the process's
// kernel handles, firewall, host ports and default IPAM with the controller's, so the two never collide),
// its records in the controller's store, restored before the socket opens.

import { join } from "node:path";
import type { Ipam } from "./ipam-api/index.js";
import { builtinDrivers, type BuiltinDeps } from "./drivers/builtin.js";
import type { NetworkDriver } from "./driver-api/index.js";
import {
  IpamService, NetworkService, PluginInterfaces, PluginServer, ServedState, validatePluginName,
} from "./plugins/index.js";
import type { KVStore } from "./store/index.js";

/** Docker's directory for plugin sockets. */
export const DOCKER_PLUGIN_SOCKET_DIR = "/run/docker/plugins";
/** The driver a served network gets unless its `dnet.driver` option names another. */
export const DEFAULT_SERVED_DRIVER = "bridge";

export interface ServePluginOptions {
  readonly name: string;
  /** Where NAME.sock goes; default /run/docker/plugins. */
  readonly dir?: string;
}

export interface ServedPlugin {
  readonly socketPath: string;
  /** What could not be put back at start (each network or record that failed). */
  readonly restoreErrors: readonly unknown[];
  close(): Promise<void>;
}

export interface ServeDeps extends BuiltinDeps {
  readonly store: KVStore;
  readonly ipam: Ipam;
}

/** Drivers whose joins give a sandbox an interface of its own: what dockerd can use through a plugin. */
function servable(drivers: readonly NetworkDriver[]): Map<string, NetworkDriver> {
  return new Map(drivers.filter((d) => d.capability().noInterface !== true && d.capability().hostNamespace !== true).map((d) => [d.name, d]));
}

export async function servePlugin(deps: ServeDeps, o: ServePluginOptions): Promise<ServedPlugin> {
  const name = validatePluginName(o.name);
  const drivers = builtinDrivers(deps);
  const served = servable(drivers.registry.names().map((n) => drivers.registry.peek(n)).filter((d): d is NetworkDriver => d !== undefined));
  const state = new ServedState(deps.store, name);
  const network = new NetworkService({ drivers: served, defaultDriver: DEFAULT_SERVED_DRIVER, state, hostNetns: "/proc/self/ns/net" });
  const ipam = new IpamService({ ipam: deps.ipam, state });
  try {
    const records = await state.load();
    // Pools first: the drivers' networks carry addresses the IPAM must hold before anyone asks for more.
    const restoreErrors = [...await ipam.restore(records), ...await network.restore(records)];
    const server = await PluginServer.listen({
      name, socketPath: join(o.dir ?? DOCKER_PLUGIN_SOCKET_DIR, `${name}.sock`),
      services: [{ iface: PluginInterfaces.network, handlers: network.handlers() }, { iface: PluginInterfaces.ipam, handlers: ipam.handlers() }],
    });
    return {
      socketPath: server.socketPath, restoreErrors,
      close: async () => { await server.close(); await drivers.close(); },
    };
  } catch (err) {
    await drivers.close().catch(() => {});
    throw err;
  }
}
