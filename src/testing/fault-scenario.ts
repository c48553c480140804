// Child process of the controller's crash tests (src/controller/fault.test.ts): builds a small world of
// networks, endpoints and sandboxes, then runs the one operation that owns the fault point DNET_FAULT with
// the fault armed, so the process SIGKILLs itself in the middle of it.
//
// Env: DNET_DATA_DIR, DNET_NETNS_DIR, DNET_ETC_DIR, DNET_RESOLV_CONF (the controller's paths), DNET_WORLD_FILE
// (the world's IDs are written there as JSON before the fault is armed), DNET_FAULT (empty: build the
// world, close cleanly, exit 0), DNET_NET_DRIVER (the networks' driver, default the veth test driver),
// DNET_WORLD=networks (networks only, no sandboxes or endpoints), DNET_VETH_PLACEMENT=host (the veth test
// driver leaves a join's interface in the host's netns, for the controller to move, as remote plugins
// do). Exit code 3: the operation finished without reaching its fault point.

import { writeFileSync } from "node:fs";
import { Controller, type Endpoint, type Network, type Sandbox } from "../index.js";
import { RestoringVethDriver } from "./controller-world.js";

/** Subnets of the world's networks (fixed: the networks live only inside scratch namespaces). */
export const WORLD_SUBNETS = {
  fa: "10.231.2.0/24", fb: "10.231.1.0/24", fe: "10.231.3.0/24", fn: "10.231.4.0/24",
} as const;

export interface WorldOptions {
  readonly driver: string;
  readonly networksOnly: boolean;
}

export const FULL_WORLD: WorldOptions = { driver: "testveth", networksOnly: false };

/** What the scenario built before arming the fault (all IDs); sandboxes and endpoints only in the full world. */
export interface World {
  readonly networks: { readonly fa: string; readonly fb: string; readonly fe: string };
  readonly sandboxes?: { readonly main: string; readonly del: string };
  readonly endpoints?: { readonly b1: string; readonly b2: string; readonly a1: string; readonly b3: string; readonly a2: string };
}

/** The world's objects, for running an operation on it. */
export interface Built {
  readonly options: WorldOptions;
  readonly fa: Network; readonly fb: Network; readonly fe: Network;
  readonly full?: { readonly main: Sandbox; readonly del: Sandbox; readonly b1: Endpoint; readonly a1: Endpoint };
}

const net = (name: keyof typeof WORLD_SUBNETS, driver: string) => ({ name, driver, ipam: { config: [{ subnet: WORLD_SUBNETS[name] }] } });

/**
 * The world: networks fa, fb (and empty fe); sandbox ctr-main with b1 (eth0, gateway) and b2 (eth1);
 * sandbox ctr-del with b3 (eth0) and a2 (eth1, the gateway since "fa" sorts first); a1 on fa, not joined.
 */
export async function buildWorld(c: Controller, o: WorldOptions = FULL_WORLD): Promise<{ world: World; built: Built }> {
  const fb = await c.createNetwork(net("fb", o.driver));
  const fa = await c.createNetwork(net("fa", o.driver));
  const fe = await c.createNetwork(net("fe", o.driver));
  const networks = { fa: fa.id, fb: fb.id, fe: fe.id };
  if (o.networksOnly) return { world: { networks }, built: { options: o, fa, fb, fe } };
  const main = await c.createSandbox({ containerId: "ctr-main" });
  const del = await c.createSandbox({ containerId: "ctr-del" });
  const b1 = await fb.createEndpoint({ name: "b1" });
  await b1.join(main);
  const b2 = await fb.createEndpoint({ name: "b2" });
  await b2.join(main);
  const a1 = await fa.createEndpoint({ name: "a1" });
  const b3 = await fb.createEndpoint({ name: "b3" });
  await b3.join(del);
  const a2 = await fa.createEndpoint({ name: "a2" });
  await a2.join(del);
  const world: World = {
    networks, sandboxes: { main: main.id, del: del.id },
    endpoints: { b1: b1.id, b2: b2.id, a1: a1.id, b3: b3.id, a2: a2.id },
  };
  return { world, built: { options: o, fa, fb, fe, full: { main, del, b1, a1 } } };
}

function full(w: Built): NonNullable<Built["full"]> {
  if (w.full === undefined) throw new Error("fault-scenario: this operation needs the full world");
  return w.full;
}

/** The operation each fault point's prefix names, run against the world. */
const OPERATIONS: Readonly<Record<string, (c: Controller, w: Built) => Promise<unknown>>> = {
  "network-create": (c, w) => c.createNetwork(net("fn", w.options.driver)),
  "network-delete": (_c, w) => w.fe.delete(),
  "endpoint-create": (_c, w) => w.fb.createEndpoint({ name: "bn" }),
  "endpoint-delete": (_c, w) => full(w).a1.delete(),
  "endpoint-join": (_c, w) => full(w).a1.join(full(w).main),
  "endpoint-leave": (_c, w) => full(w).b1.leave(full(w).main),
  "sandbox-create": (c) => c.createSandbox({ containerId: "ctr-new" }),
  "sandbox-delete": (_c, w) => full(w).del.delete(),
};

export const SCENARIO_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

/** Runs the operation that owns a fault point ("endpoint-join:driver" → endpoint-join). */
export function runOperation(point: string, c: Controller, w: Built): Promise<unknown> {
  const op = OPERATIONS[point.split(":")[0] ?? ""];
  if (op === undefined) throw new Error(`fault-scenario: no operation for fault point ${point}`);
  return op(c, w);
}

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`fault-scenario: ${name} is not set`);
  return v;
}

async function main(): Promise<void> {
  const point = process.env["DNET_FAULT"] ?? "";
  const options: WorldOptions = { driver: process.env["DNET_NET_DRIVER"] ?? "testveth", networksOnly: process.env["DNET_WORLD"] === "networks" };
  let armed = false;
  const c = await Controller.create({
    dns: ["127.0.0.1"], dataDir: env("DNET_DATA_DIR"), netnsDir: env("DNET_NETNS_DIR"), etcNetnsDir: env("DNET_ETC_DIR"),
    hostResolvConf: env("DNET_RESOLV_CONF"), firewall: "none",
    drivers: ({ handles }) => [new RestoringVethDriver(handles, { placement: process.env["DNET_VETH_PLACEMENT"] === "host" ? "host" : "sandbox" })],
    fault: (p) => { if (armed && p === point) process.kill(process.pid, "SIGKILL"); },
  });
  const { world, built } = await buildWorld(c, options);
  writeFileSync(env("DNET_WORLD_FILE"), JSON.stringify(world));
  if (point !== "") {
    armed = true;
    await runOperation(point, c, built);
    console.error(`fault-scenario: the operation finished without reaching fault point ${point}`);
    process.exit(3);
  }
  await c.close();
}

const isMainModule = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMainModule) await main();
