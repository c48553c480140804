// Docker's default network: the predefined `bridge` network, made at start on a bridge device of its own
// (the daemon's `dnet0`, so it never collides with Docker's docker0), or taken away again (`--bridge none`).

import type { ControllerContext } from "./context.js";
import { finishNetworkDelete } from "./network-delete.js";
import { createNetwork, type CreateNetworkOptions } from "./network-create.js";
import type { NetworkRecord } from "./records.js";

export const DEFAULT_BRIDGE_NETWORK = "bridge";
const BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";

/**
 * Docker's default bridge options as `docker network inspect bridge` shows them (20.10): ICC on (the
 * daemon's --icc default), masquerade on, every host address, MTU 1500; no IPAM options (shown as null).
 */
export function defaultBridgeOptions(device: string): CreateNetworkOptions {
  return {
    name: DEFAULT_BRIDGE_NETWORK, driver: "bridge", predefined: true,
    options: {
      "com.docker.network.bridge.default_bridge": "true",
      "com.docker.network.bridge.enable_icc": "true",
      "com.docker.network.bridge.enable_ip_masquerade": "true",
      "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
      [BRIDGE_NAME_OPTION]: device,
      "com.docker.network.driver.mtu": "1500",
    },
  };
}

/** `defaultBridge` that asks for no default network (the daemon's `--bridge none`). */
export const NO_DEFAULT_BRIDGE = "none";

/**
 * Makes the predefined network match `wanted`: created when missing; one on another device, or one not
 * wanted any more ("none"), is removed first when nothing is connected to it; undefined (a library user
 * who did not ask, or `dnet system cleanup` looking around) leaves whatever there is alone (Docker re-creates its
 * default network at every start). In use, it stays as it is. A user network already named `bridge`
 * (made by an older version) keeps the name: no default network then. Returns what it did, for the report.
 */
export async function reconcileDefaultBridge(ctx: ControllerContext, wanted: string | undefined): Promise<string | undefined> {
  if (wanted === undefined) return undefined;
  const device = wanted === NO_DEFAULT_BRIDGE ? undefined : wanted;
  const existing = [...ctx.state.networks.values()].map((n) => n.record).find((n) => n.name === DEFAULT_BRIDGE_NETWORK && n.state === "ready");
  if (existing !== undefined && existing.options[BRIDGE_NAME_OPTION] === device) return undefined;
  if (existing !== undefined) {
    if (!existing.predefined) return `a user network is named ${DEFAULT_BRIDGE_NETWORK}: no default bridge network`;
    if (ctx.state.endpointsOf(existing.id).length > 0) return `the default bridge network is in use: kept on ${existing.options[BRIDGE_NAME_OPTION] ?? "?"}`;
    await removePredefined(ctx, existing);
  }
  if (device === undefined) return existing === undefined ? undefined : "default bridge network removed";
  await createNetwork(ctx, defaultBridgeOptions(device));
  return existing === undefined ? undefined : `default bridge network moved to ${device}`;
}

async function removePredefined(ctx: ControllerContext, record: NetworkRecord): Promise<void> {
  await ctx.state.putNetwork({ ...record, state: "deleting" });
  await finishNetworkDelete(ctx, record, true);
}
