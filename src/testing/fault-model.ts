// The crash tests' world as names (src/testing/fault-scenario.ts builds it): which endpoints exist, where
// they are joined, and which interface has each sandbox's default route.

import { existsSync } from "node:fs";
import { defaultRoute, type ControllerSnapshot } from "./controller-world.js";

/** The world as names: which endpoints exist, where they are joined, and which interface has the default route. */
export interface Model {
  networks: string[];
  endpoints: Record<string, { network: string; sandbox?: string; ifname?: string }>;
  sandboxes: string[];
  gatewayIf: Record<string, string | undefined>;
}

export const BASE: Model = {
  networks: ["fa", "fb", "fe", "host", "none"],
  endpoints: {
    a1: { network: "fa" }, a2: { network: "fa", sandbox: "ctr-del", ifname: "eth1" },
    b1: { network: "fb", sandbox: "ctr-main", ifname: "eth0" }, b2: { network: "fb", sandbox: "ctr-main", ifname: "eth1" },
    b3: { network: "fb", sandbox: "ctr-del", ifname: "eth0" },
  },
  sandboxes: ["ctr-del", "ctr-main"],
  gatewayIf: { "ctr-del": "eth1", "ctr-main": "eth0" },
};

export function without<T>(rec: Record<string, T>, ...keys: string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(rec).filter(([k]) => !keys.includes(k)));
}

/** The model of a controller's state, the default routes read from the kernel. */
export function modelOf(s: ControllerSnapshot): Model {
  const netName = new Map(s.networks.map((n) => [n.id, n.name]));
  const sb = new Map(s.sandboxes.map((x) => [x.id, x]));
  const endpoints: Model["endpoints"] = {};
  for (const e of s.endpoints) {
    const joined = e.sandboxId === undefined ? undefined : sb.get(e.sandboxId);
    endpoints[e.name] = {
      network: netName.get(e.networkId) ?? "?",
      ...(joined === undefined ? {} : { sandbox: joined.containerId, ifname: e.ifname ?? "?" }),
    };
  }
  const gatewayIf: Model["gatewayIf"] = {};
  for (const x of s.sandboxes) gatewayIf[x.containerId] = existsSync(x.key) ? defaultRoute(x.key)?.dev : "(no netns)";
  return { networks: s.networks.map((n) => n.name).sort(), endpoints, sandboxes: s.sandboxes.map((x) => x.containerId).sort(), gatewayIf };
}
