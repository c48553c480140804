// The crash tests' harness (src/controller/fault.test.ts): scratch directories, the scenario child that
// dies by SIGKILL at a fault point, store dumps, and the checks a restarted controller must pass (no
// address or pool lost or held twice, the world still works, a second restart does nothing, nothing left
// in the kernel after tear-down).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Controller } from "../libnetwork.js";
import type { Network } from "../controller/index.js";
import { SqliteStore } from "../store/index.js";
import { RestoringVethDriver, kernelMismatches, snapshotOf } from "./controller-world.js";
import { WORLD_SUBNETS, type World } from "./fault-scenario.js";
import { run } from "./kernel.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const SCENARIO = fileURLToPath(new URL("./fault-scenario.js", import.meta.url));

/** Every `ctx.fault("…")` in src/controller/*.ts, read now, so a new fault point is covered without editing this test. */
export function faultPoints(): string[] {
  const dir = join(REPO, "src", "controller");
  const points = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts"))) {
    for (const m of readFileSync(join(dir, f), "utf8").matchAll(/ctx\.fault\(\s*"([^"]+)"\s*\)/g)) points.add(m[1] as string);
  }
  return [...points].sort();
}

export interface Dirs {
  readonly root: string; readonly data: string; readonly netns: string; readonly etc: string;
  readonly resolvConf: string; readonly worldFile: string;
}

export function scratch(): Dirs {
  const root = mkdtempSync("/tmp/dnet-fault-");
  const resolvConf = join(root, "resolv.conf");
  writeFileSync(resolvConf, "nameserver 192.0.2.53\nsearch example.test\n");
  return { root, data: join(root, "data"), netns: join(root, "netns"), etc: join(root, "etc"), resolvConf, worldFile: join(root, "world.json") };
}

/** Runs the scenario child; returns how it ended. */
export function runScenario(d: Dirs, point: string, extraEnv: Readonly<Record<string, string>> = {}): { signal: NodeJS.Signals | null; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SCENARIO], {
    encoding: "utf8", timeout: 60_000,
    env: {
      ...process.env, ...extraEnv, DNET_DATA_DIR: d.data, DNET_NETNS_DIR: d.netns, DNET_ETC_DIR: d.etc,
      DNET_RESOLV_CONF: d.resolvConf, DNET_WORLD_FILE: d.worldFile, DNET_FAULT: point,
    },
  });
  return { signal: r.signal, status: r.status, stderr: `${r.stderr ?? ""}${r.error === undefined ? "" : String(r.error)}` };
}

/** The world the child wrote, with its endpoint IDs added to `knownIds`. */
export function readWorld(d: Dirs, knownIds: Set<string>): World {
  const world = JSON.parse(readFileSync(d.worldFile, "utf8")) as World;
  for (const id of Object.values(world.endpoints ?? {})) knownIds.add(id);
  return world;
}

export const open = (d: Dirs, fault: (point: string) => void = () => {}): Promise<Controller> => Controller.create({
  dns: ["127.0.0.1"], dataDir: d.data, netnsDir: d.netns, etcNetnsDir: d.etc, hostResolvConf: d.resolvConf, firewall: "none", fault,
  drivers: ({ handles }) => [new RestoringVethDriver(handles)],
});

export type StoreDump = Record<string, { value: unknown; revision: number }>;

export async function dumpStore(d: Dirs): Promise<StoreDump> {
  const store = await SqliteStore.open({ dataDir: d.data });
  try {
    const out: StoreDump = {};
    for (const e of await store.list("")) out[e.key] = { value: JSON.parse(e.value) as unknown, revision: e.revision };
    return out;
  } finally {
    await store.close();
  }
}

/**
 * Host-side link names (bridges `br-…`, veths `veth…`) of every network and endpoint the scenario's store
 * records, finished or not: what an after hook removes even when a test failed before it learnt the names.
 */
export async function recordedLinks(d: Dirs): Promise<Set<string>> {
  const names = new Set<string>();
  if (!existsSync(d.data)) return names;
  for (const key of Object.keys(await dumpStore(d).catch(() => ({})))) {
    const [kind, first, second] = key.split("/");
    if (kind === "network" && first !== undefined) names.add(`br-${first.slice(0, 12)}`);
    if (kind === "endpoint" && second !== undefined) names.add(`veth${second.slice(0, 11)}`);
  }
  return names;
}

/** Records still mid-operation (state other than ready, or a pending join/leave). */
export function unsettled(dump: StoreDump): string[] {
  return Object.entries(dump).filter(([, e]) => {
    const r = e.value as { state?: string; pending?: unknown };
    return r.state !== "ready" || r.pending !== undefined;
  }).map(([k, e]) => `${k}: ${JSON.stringify(e.value)}`);
}
export const v4 = (cidr: string | undefined): string => (cidr ?? "").split("/")[0] ?? "";

/** Lowest host address of a /24 that is neither the gateway (.1) nor held. */
export function lowestFree(subnet: string, held: ReadonlySet<string>): string {
  const base = v4(subnet).split(".").slice(0, 3).join(".");
  for (let i = 2; i < 255; i++) if (!held.has(`${base}.${i}`)) return `${base}.${i}`;
  throw new Error(`${subnet} is full`);
}

/** A new endpoint gets the lowest free address (none lost), and asking for any held address fails (none lost from IPAM). */
export async function checkAddresses(n: Network, knownIds: Set<string>): Promise<void> {
  const subnet = WORLD_SUBNETS[n.name as keyof typeof WORLD_SUBNETS];
  const held = new Set(n.endpoints().map((e) => v4(e.info().address)));
  const probe = await n.createEndpoint({ name: "probe" });
  knownIds.add(probe.id);
  const got = v4(probe.info().address);
  assert.ok(!held.has(got), `network ${n.name}: new endpoint got ${got}, which another endpoint holds`);
  assert.equal(got, lowestFree(subnet, held), `network ${n.name}: an address was lost (not the lowest free one)`);
  for (const ip of held) {
    await assert.rejects(n.createEndpoint({ name: `dup-${ip}`, ip }), (err: Error) => /./.test(err.message), `${ip} is not reserved in ${n.name}`);
  }
  await probe.delete();
}

/** Pools: a subnet in use cannot be taken again; a subnet not in use can (nothing leaked). */
export async function checkPools(c: Controller, driver = "testveth"): Promise<void> {
  const live = new Set(c.networks().map((n) => n.name));
  for (const [name, subnet] of Object.entries(WORLD_SUBNETS)) {
    const attempt = c.createNetwork({ name: `pool-${name}`, driver, ipam: { config: [{ subnet }] } });
    if (live.has(name)) await assert.rejects(attempt, /./, `pool ${subnet} of ${name} is not reserved`);
    else await (await attempt).delete();
  }
}

/** The restarted world still works: a new sandbox joins, and a1 (when free) joins ctr-main and leaves again. */
export async function exercise(c: Controller, d: Dirs, knownIds: Set<string>): Promise<void> {
  const fb = c.network("fb");
  const sb = await c.createSandbox({ containerId: "ctr-probe" });
  const ep = await fb.createEndpoint({ name: "probe-join" });
  knownIds.add(ep.id);
  await ep.join(sb);
  const a1 = c.endpoints().find((e) => e.name === "a1");
  const main = c.sandboxes().find((s) => s.containerId === "ctr-main");
  if (a1 !== undefined && main !== undefined && a1.info().sandboxId === undefined) {
    await a1.join(main);
    assert.deepEqual(kernelMismatches(snapshotOf(c), { netnsDir: d.netns, etcDir: d.etc }, knownIds), [], "after a1 joined ctr-main");
    await a1.leave(main);
  }
  assert.deepEqual(kernelMismatches(snapshotOf(c), { netnsDir: d.netns, etcDir: d.etc }, knownIds), [], "after the probe joined");
  await sb.delete();
}

/** Deletes everything the test made, through the API, then checks nothing is left in the kernel. */
export async function tearDown(c: Controller, d: Dirs, knownIds: Set<string>): Promise<void> {
  for (const s of c.sandboxes()) await s.delete();
  for (const e of c.endpoints()) await e.delete();
  for (const n of c.networks()) if (!["host", "none"].includes(n.name)) await n.delete();
  await c.close();
  assert.deepEqual(readdirSync(d.netns), [], "netns files left");
  assert.deepEqual(kernelMismatches({ networks: [], endpoints: [], sandboxes: [] }, { netnsDir: d.netns, etcDir: d.etc }, knownIds), []);
}

/** Restarts once more and checks that a restart after the repair finds nothing to do and writes nothing. */
export async function reopenUnchanged(d: Dirs): Promise<Controller> {
  const before = await dumpStore(d);
  const c = await open(d);
  assert.deepEqual(c.restoreReport, { rolledBack: [], finished: [], repaired: [], errors: [], repairs: [], reclaimed: [] }, "second restart had work to do");
  assert.deepEqual(await dumpStore(d), before, "second restart changed the store");
  return c;
}
/** Interfaces (with ifindex and addresses), routes and files of every sandbox: what a no-op restart must leave alone. */
export function kernelView(d: Dirs): unknown {
  mkdirSync(d.etc, { recursive: true });
  return readdirSync(d.netns).sort().map((name) => {
    const key = join(d.netns, name);
    const links = JSON.parse(run("nsenter", [`--net=${key}`, "ip", "-j", "-4", "addr", "show"])) as Array<{ ifindex: number; ifname: string; addr_info: unknown[] }>;
    return {
      name,
      links: links.map((l) => ({ ifindex: l.ifindex, ifname: l.ifname, addr: l.addr_info })),
      routes: run("nsenter", [`--net=${key}`, "ip", "-j", "-4", "route", "show"]),
      hosts: readFileSync(join(d.etc, name, "hosts"), "utf8"),
      resolv: readFileSync(join(d.etc, name, "resolv.conf"), "utf8"),
    };
  });
}

/** Which of the named links exist on the host. */
export function hostLinks(names: ReadonlySet<string>): string[] {
  const links = JSON.parse(run("ip", ["-j", "link", "show"])) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname).filter((n) => names.has(n)).sort();
}
