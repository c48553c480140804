// Shared fixture of the controller's root integration tests: a controller on scratch directories with the
// test veth driver, kernel oracles (`nsenter --net=KEY ip -j …`), error matchers. Holds no tests itself
// (network.test.ts checks that a harness leaves nothing behind).

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LibnetworkError } from "../errors/index.js";
// Test files use the composition root like any user of the library; the only import of it in these tests.
import { Controller, JoinOptionDomainname, JoinOptionHostname } from "../libnetwork.js";
import type { KVStore } from "../store/index.js";
import type { NetworkDriver } from "../driver-api/index.js";
import type { HandleCache } from "../osl/index.js";
import { run, tryRun, uniqueName } from "../testing/kernel.js";
import { TestVethDriver } from "../testing/veth-driver.js";
import type { NetworkController } from "./controller.js";

/** What the sandboxes' resolv.conf starts from, unless a test gives its own: never the machine's file. */
export const TEST_RESOLV_CONF = "nameserver 192.0.2.53\nsearch example.test\noptions timeout:2\n";

export interface HarnessOptions {
  readonly resolvConf?: string;
  readonly store?: KVStore;
  /** Run without the embedded resolver: sandboxes' resolv.conf then lists the host's servers. */
  readonly embeddedDns?: boolean;
  /** Where the veth driver makes a join's interface (default: in the sandbox). */
  readonly placement?: "sandbox" | "host";
  /** More drivers, made again at each (re)open with that controller's handles. */
  readonly extraDrivers?: (handles: HandleCache) => readonly NetworkDriver[];
}

export interface Harness {
  readonly dir: string;
  readonly netnsDir: string;
  readonly etcNetnsDir: string;
  readonly hostResolvConf: string;
  readonly controller: NetworkController;
  readonly driver: TestVethDriver;
  /** Closes the controller and opens a new one on the same directories (a restart). */
  reopen(): Promise<void>;
  /** Tears down whatever a (failed) test left through the API, closes the controller, unmounts, removes the dir. */
  close(): Promise<void>;
}

export const fdCount = (): number => readdirSync("/proc/self/fd").length;

/** A controller with its own dataDir, netnsDir, etcNetnsDir and host resolv.conf under a fresh temp dir. */
export async function openHarness(o: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "dnet-ctl-"));
  const netnsDir = join(dir, "netns");
  const etcNetnsDir = join(dir, "netns-etc");
  const hostResolvConf = join(dir, "resolv.conf");
  writeFileSync(hostResolvConf, o.resolvConf ?? TEST_RESOLV_CONF);
  let driver: TestVethDriver | undefined;
  const open = (): Promise<NetworkController> => Controller.create({
    dataDir: join(dir, "data"), netnsDir, etcNetnsDir, hostResolvConf, firewall: "none",
    ...(o.store === undefined ? {} : { store: o.store }),
    ...(o.embeddedDns === undefined ? {} : { embeddedDns: o.embeddedDns }),
    // Names the resolver does not know are forwarded: only ever to loopback in tests (nothing listens
    // on 127.0.0.1:53 here, so they fail fast), never to the test resolv.conf's documentation address.
    dns: ["127.0.0.1"],
    drivers: ({ handles }) => [
      driver = new TestVethDriver(handles, o.placement === undefined ? {} : { placement: o.placement }), ...(o.extraDrivers?.(handles) ?? []),
    ],
  });
  let controller: NetworkController;
  try {
    controller = await open();
  } catch (err) {
    cleanupDir(dir, netnsDir);
    throw err;
  }
  return {
    dir, netnsDir, etcNetnsDir, hostResolvConf,
    get controller() { return controller; },
    get driver() { return driver as TestVethDriver; },
    reopen: async () => {
      await controller.close();
      controller = await open();
    },
    close: async () => {
      try {
        await teardown(controller);
      } finally {
        try { await controller.close(); } finally { cleanupDir(dir, netnsDir); }
      }
    },
  };
}

/** Best effort: every sandbox, endpoint and user network still there is deleted through the API. */
async function teardown(c: NetworkController): Promise<void> {
  const failures: unknown[] = [];
  const attempt = async (fn: () => Promise<void>): Promise<void> => { await fn().catch((err: unknown) => failures.push(err)); };
  for (const sb of c.sandboxes()) await attempt(() => sb.delete());
  for (const ep of c.endpoints()) await attempt(() => ep.delete(true));
  for (const n of c.networks()) if (!n.info().predefined) await attempt(() => n.delete());
  if (failures.length > 0) console.error("harness teardown:", failures);
}

function cleanupDir(dir: string, netnsDir: string): void {
  // Netns files a crashed test left are bind mounts; the directory itself became a mount of itself.
  for (const name of existsSync(netnsDir) ? readdirSync(netnsDir) : []) {
    tryRun("umount", ["-l", join(netnsDir, name)]);
    rmSync(join(netnsDir, name), { force: true });
  }
  tryRun("umount", ["-l", netnsDir]);
  rmSync(dir, { recursive: true, force: true });
}

/** `nsenter --net=KEY ip -j ARGS`, parsed: the independent oracle for a sandbox's kernel state. */
export function nsJson<T = unknown>(key: string, args: readonly string[]): T {
  const out = run("nsenter", [`--net=${key}`, "ip", "-j", ...args]);
  return (out.trim() === "" ? [] : JSON.parse(out)) as T;
}

export interface IpLink { ifname: string; flags: string[]; address?: string; operstate?: string }
interface IpAddr { ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }
interface IpRoute { dst: string; gateway?: string; dev: string }

export function linksIn(key: string): IpLink[] {
  return nsJson<IpLink[]>(key, ["link", "show"]);
}

export function linkNamesIn(key: string): string[] {
  return linksIn(key).map((l) => l.ifname).sort();
}

/** IPv4 addresses ("a.b.c.d/len") of one interface in the sandbox, or of all when ifname is omitted. */
export function ipv4In(key: string, ifname?: string): string[] {
  return nsJson<IpAddr[]>(key, ["-4", "addr", "show"])
    .filter((a) => ifname === undefined || a.ifname === ifname)
    .flatMap((a) => a.addr_info.filter((i) => i.family === "inet").map((i) => `${i.local}/${i.prefixlen}`));
}

export function defaultRoute(key: string): { gateway: string | undefined; dev: string } | undefined {
  const r = nsJson<IpRoute[]>(key, ["-4", "route", "show", "default"])[0];
  return r === undefined ? undefined : { gateway: r.gateway, dev: r.dev };
}

/** Host-side links of the test veth driver ("tv…"). */
export function hostTestLinks(): string[] {
  return (JSON.parse(run("ip", ["-j", "link", "show"])) as IpLink[]).map((l) => l.ifname).filter((n) => n.startsWith("tv")).sort();
}

export interface ExpectedError { readonly kind: string; readonly code: string; readonly message?: string | RegExp }

/** Asserts a typed LibnetworkError with this kind, code and (exact or matching) message. */
export function isError(e: ExpectedError): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof LibnetworkError, `expected a LibnetworkError, got ${err instanceof Error ? err.stack : String(err)}`);
    assert.equal(err.kind, e.kind, err.message);
    assert.equal(err.code, e.code, err.message);
    if (typeof e.message === "string") assert.equal(err.message, e.message);
    else if (e.message !== undefined) assert.match(err.message, e.message);
    return true;
  };
}

export async function expectError(fn: () => Promise<unknown> | unknown, e: ExpectedError): Promise<void> {
  await assert.rejects(async () => { await fn(); }, isError(e));
}

export const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Everything bad input must leave unchanged: the store (when the test gave one), the controller's lists,
 * the netns and etc directories, a sandbox's kernel state, the test driver's calls and host links.
 */
export async function worldSnapshot(h: Harness, store: KVStore | undefined, sandboxKey: string): Promise<unknown> {
  const c = h.controller;
  const ids = [...c.endpoints().map((e) => e.id), ...h.driver.calls.map((call) => call.split(" ")[1] ?? "")];
  const ours = new Set(ids.map((id) => `tv${id.slice(0, 10)}`));
  return {
    store: store === undefined ? [] : (await store.list("")).map((e) => [e.key, e.value]),
    networks: c.networks().map((n) => n.info()),
    endpoints: c.endpoints().map((e) => e.info()),
    sandboxes: c.sandboxes().map((s) => s.info()),
    netnsDir: readdirSync(h.netnsDir).sort(),
    etcNetnsDir: readdirSync(h.etcNetnsDir).sort(),
    etcFiles: readdirSync(h.etcNetnsDir).filter((n) => !n.startsWith(".")).map((n) => readdirSync(join(h.etcNetnsDir, n)).sort()),
    sandboxLinks: linksIn(sandboxKey),
    // Address flags (DAD's "tentative") and lifetimes change by themselves; the addresses must not.
    sandboxAddrs: nsJson<IpAddr[]>(sandboxKey, ["addr", "show"]).map((a) => [a.ifname, a.addr_info.map((i) => `${i.local}/${i.prefixlen}`)]),
    sandboxRoutes: [nsJson(sandboxKey, ["-4", "route", "show"]), nsJson(sandboxKey, ["-6", "route", "show"])],
    // Other test runs on this machine make "tv…" links too: look only at the ones of this controller's endpoints.
    hostLinks: hostTestLinks().filter((l) => ours.has(l)),
    driverCalls: [...h.driver.calls],
  };
}

export function readEtc(h: Harness, sandboxName: string, file: "hosts" | "resolv.conf"): string {
  return readFileSync(join(h.etcNetnsDir, sandboxName, file), "utf8");
}

export { uniqueName };

/** The composition root and the README's join options, for tests that open their own controller. */
export { Controller, JoinOptionDomainname, JoinOptionHostname };
