// For the controller's crash and concurrency tests: a veth test driver that survives restarts, and an
// independent kernel oracle (netns files, `nsenter … ip -j`, host-side links, hosts files) that checks
// what a controller says against what the kernel has. Controllers are taken structurally (no import).

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RestoreState } from "../driver-api/index.js";
import { tryRun } from "./kernel.js";
import { TestVethDriver } from "./veth-driver.js";

/** TestVethDriver plus `restore`: after a restart it learns the networks' gateways again. */
export class RestoringVethDriver extends TestVethDriver {
  async restore(state: RestoreState): Promise<void> {
    for (const n of state.networks) await this.createNetwork(n);
  }
}

/** Host-side name of an endpoint's veth (TestVethDriver's rule). */
export const hostVethName = (endpointId: string): string => `tv${endpointId.slice(0, 10)}`;

export interface EndpointView {
  readonly id: string;
  readonly name: string;
  readonly networkId: string;
  readonly address?: string;
  readonly sandboxId?: string;
  readonly ifname?: string;
  readonly gateway?: string;
}

export interface SandboxView {
  readonly id: string;
  readonly containerId: string;
  readonly name: string;
  readonly key: string;
  readonly hostNetns: boolean;
  readonly endpoints: ReadonlyArray<{ readonly endpointId: string; readonly ifname: string }>;
  readonly state: string;
}

/** What the tests need of a NetworkController (structural, so this file imports no controller). */
export interface ControllerLike {
  networks(): ReadonlyArray<{ readonly id: string; readonly name: string; endpoints(): ReadonlyArray<{ info(): EndpointView }> }>;
  sandboxes(): ReadonlyArray<{ info(): SandboxView }>;
}

export interface ControllerSnapshot {
  readonly networks: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  readonly endpoints: readonly EndpointView[];
  readonly sandboxes: readonly SandboxView[];
}

export function snapshotOf(c: ControllerLike): ControllerSnapshot {
  const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const networks = c.networks().map((n) => ({ id: n.id, name: n.name })).sort(byId);
  const endpoints = c.networks().flatMap((n) => n.endpoints().map((e) => e.info())).sort(byId);
  const sandboxes = c.sandboxes().map((s) => s.info()).sort(byId);
  return { networks, endpoints, sandboxes };
}

interface IpAddrJson { ifname: string; flags?: string[]; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }
interface IpRouteJson { dst: string; gateway?: string; dev?: string }

function nsJson<T>(key: string, args: readonly string[]): T {
  const out = execFileSync("nsenter", [`--net=${key}`, "ip", "-j", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return (out.trim() === "" ? [] : JSON.parse(out)) as T;
}

/** Interfaces of a netns other than lo, with their IPv4 addresses (CIDR) and whether they are up. */
export function sandboxInterfaces(key: string): Array<{ ifname: string; up: boolean; v4: string[] }> {
  return nsJson<IpAddrJson[]>(key, ["addr", "show"]).filter((l) => l.ifname !== "lo").map((l) => ({
    ifname: l.ifname, up: l.flags?.includes("UP") === true,
    v4: (l.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

export function defaultRoute(key: string): { gateway?: string; dev?: string } | undefined {
  const routes = nsJson<IpRouteJson[]>(key, ["-4", "route", "show", "default"]);
  const r = routes[0];
  return r === undefined ? undefined : { ...(r.gateway === undefined ? {} : { gateway: r.gateway }), ...(r.dev === undefined ? {} : { dev: r.dev }) };
}

/** Names of host links that are host sides of the given endpoints' veths. */
export function hostVeths(endpointIds: Iterable<string>): string[] {
  const wanted = new Set([...endpointIds].map(hostVethName));
  const links = JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname).filter((n) => wanted.has(n)).sort();
}

const STANDARD_HOSTS = new Set(["127.0.0.1", "::1", "fe00::0", "ff00::0", "ff02::1", "ff02::2"]);

function hostsFileIps(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").map((l) => l.split(/\s+/)[0] ?? "")
    .filter((ip) => ip !== "" && !ip.startsWith("#") && !STANDARD_HOSTS.has(ip)).sort();
}

export interface KernelDirs {
  readonly netnsDir: string;
  readonly etcDir: string;
}

const sorted = (a: Iterable<string>): string[] => [...a].sort();
const same = (a: Iterable<string>, b: Iterable<string>): boolean => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/**
 * Everything in which the kernel (and the sandbox files) disagree with the snapshot; empty when they match.
 * `knownEndpointIds` are every endpoint ID the test ever saw: a host veth of any of them must belong to a
 * joined endpoint.
 */
export function kernelMismatches(snap: ControllerSnapshot, dirs: KernelDirs, knownEndpointIds: Iterable<string>): string[] {
  const problems: string[] = [];
  const own = snap.sandboxes.filter((s) => !s.hostNetns);
  const files = existsSync(dirs.netnsDir) ? readdirSync(dirs.netnsDir) : [];
  if (!same(files, own.map((s) => s.name))) problems.push(`netns files ${JSON.stringify(sorted(files))} != sandboxes ${JSON.stringify(sorted(own.map((s) => s.name)))}`);
  // Each sandbox has its directory and, beside it, the resolv.conf hash (src/dns/files.ts); nothing else may be there.
  const etc = existsSync(dirs.etcDir) ? readdirSync(dirs.etcDir) : [];
  const etcWanted = own.flatMap((s) => [s.name, `.${s.name}.resolv.conf.hash`]);
  if (!same(etc, etcWanted)) problems.push(`etc entries ${JSON.stringify(sorted(etc))} != ${JSON.stringify(sorted(etcWanted))}`);
  for (const sb of own) problems.push(...sandboxMismatches(snap, sb, dirs));
  const joined = snap.endpoints.filter((e) => e.sandboxId !== undefined).map((e) => hostVethName(e.id));
  const veths = hostVeths(new Set([...knownEndpointIds, ...snap.endpoints.map((e) => e.id)]));
  if (!same(veths, joined)) problems.push(`host veths ${JSON.stringify(veths)} != joined endpoints ${JSON.stringify(sorted(joined))}`);
  problems.push(...addressMismatches(snap));
  return problems;
}

function sandboxMismatches(snap: ControllerSnapshot, sb: SandboxView, dirs: KernelDirs): string[] {
  const problems: string[] = [];
  const where = `sandbox ${sb.name}`;
  if (sb.state !== "ready") problems.push(`${where}: state ${sb.state}`);
  const joined = snap.endpoints.filter((e) => e.sandboxId === sb.id);
  if (!same(sb.endpoints.map((r) => r.endpointId), joined.map((e) => e.id))) problems.push(`${where}: record lists other endpoints than those joined to it`);
  if (!existsSync(sb.key)) return [...problems, `${where}: netns ${sb.key} missing`];
  const ifaces = sandboxInterfaces(sb.key);
  if (!same(ifaces.map((i) => i.ifname), joined.map((e) => e.ifname ?? "?"))) {
    problems.push(`${where}: interfaces ${JSON.stringify(ifaces.map((i) => i.ifname))} != joined ${JSON.stringify(joined.map((e) => e.ifname))}`);
  }
  for (const e of joined) {
    const i = ifaces.find((x) => x.ifname === e.ifname);
    if (i === undefined) continue;
    if (!i.up) problems.push(`${where}: ${e.ifname} is down`);
    if (!same(i.v4, e.address === undefined ? [] : [e.address])) problems.push(`${where}: ${e.ifname} has ${JSON.stringify(i.v4)}, endpoint ${e.name} has ${e.address}`);
  }
  const route = defaultRoute(sb.key);
  const withGateway = joined.filter((e) => e.gateway !== undefined);
  if (withGateway.length === 0 && route !== undefined) problems.push(`${where}: default route ${JSON.stringify(route)} without a gateway endpoint`);
  if (withGateway.length > 0) {
    const via = joined.find((e) => e.ifname === route?.dev);
    if (via === undefined || via.gateway !== route?.gateway) problems.push(`${where}: default route ${JSON.stringify(route)} does not match a joined endpoint's gateway`);
  }
  const hosts = join(dirs.etcDir, sb.name, "hosts");
  if (!existsSync(hosts)) problems.push(`${where}: no hosts file`);
  else if (!same(hostsFileIps(hosts), joined.flatMap((e) => (e.address === undefined ? [] : [e.address.split("/")[0] ?? ""])))) {
    problems.push(`${where}: hosts file lists ${JSON.stringify(hostsFileIps(hosts))}, joined endpoints are ${JSON.stringify(joined.map((e) => e.address))}`);
  }
  return problems;
}

/**
 * No address held twice. (Whether every record settled is the store's to say, and a restarted
 * controller's: its restore report lists what it had to finish or roll back.)
 */
export function addressMismatches(snap: ControllerSnapshot): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const e of snap.endpoints) {
    if (e.address === undefined) continue;
    const ip = e.address.split("/")[0] ?? "";
    const other = seen.get(ip);
    if (other !== undefined) problems.push(`address ${ip} held by both ${other} and ${e.name}`);
    seen.set(ip, e.name);
  }
  return problems;
}

/** Last-resort cleanup after a failed test: detach every netns under the directory, drop the veths, remove the tree. */
export function forceCleanup(root: string, netnsDir: string, endpointIds: Iterable<string>): void {
  for (const name of hostVeths(endpointIds)) tryRun("ip", ["link", "del", name]);
  if (existsSync(netnsDir)) {
    for (const f of readdirSync(netnsDir)) tryRun("umount", [join(netnsDir, f)]);
    tryRun("umount", ["-l", netnsDir]);
  }
  tryRun("rm", ["-rf", root]);
}
