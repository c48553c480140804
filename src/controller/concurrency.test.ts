// Concurrency (root): 200 endpoint lifecycles (create endpoint → create sandbox → join → leave → delete
// endpoint → delete sandbox) run interleaved on one network, some stopping half way and some sharing one
// sandbox; no IP may be handed out twice at any moment, and the store, the kernel and a restarted
// controller must agree at the end. (KeyedMutex itself: locks.test.ts.)

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Controller } from "../libnetwork.js";
import {
  RestoringVethDriver, addressMismatches, forceCleanup, kernelMismatches, snapshotOf,
} from "../testing/controller-world.js";
import { rootOnly } from "../testing/kernel.js";
import type { Network, Sandbox } from "./index.js";

const CHAINS = 200;
const SUBNET = "10.232.0.0/24";

/** How far chain i goes: 0 stays joined (own sandbox), 1 stays joined to the shared sandbox, 2 stops after
 *  leave, 3 runs to the end, 4 runs to the end through the shared sandbox. */
const kindOf = (i: number): number => i % 5;

const yieldSome = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

describe("controller concurrency: 200 interleaved endpoint lifecycles on one network (root)", rootOnly, () => {
  const root = mkdtempSync("/tmp/dnet-conc-");
  const dirs = { netnsDir: join(root, "netns"), etcDir: join(root, "etc") };
  const resolvConf = join(root, "resolv.conf");
  const knownIds = new Set<string>();
  let c: Controller | undefined;
  let fdsBefore = 0;

  const open = (): Promise<Controller> => Controller.create({
    dns: ["127.0.0.1"], dataDir: join(root, "data"), netnsDir: dirs.netnsDir, etcNetnsDir: dirs.etcDir, hostResolvConf: resolvConf, firewall: "none",
    drivers: ({ handles }) => [new RestoringVethDriver(handles)],
  });

  before(async () => {
    fdsBefore = readdirSync("/proc/self/fd").length;
    writeFileSync(resolvConf, "nameserver 192.0.2.53\n");
    c = await open();
  });

  after(async () => {
    await c?.close();
    forceCleanup(root, dirs.netnsDir, knownIds);
    assert.equal(readdirSync("/proc/self/fd").length, fdsBefore, "fds left open");
  });

  /** One lifecycle; checks online that no live endpoint shares its address with another. */
  async function chain(i: number, net: Network, shared: Sandbox, live: Map<string, string>, problems: string[]): Promise<void> {
    const ctl = c as Controller;
    const kind = kindOf(i);
    let seed = i * 7919;
    const jitter = (): Promise<void> => yieldSome((seed = (seed * 31 + 7) % 101) % 4);
    await jitter();
    const ep = await net.createEndpoint({ name: `ep${i}` });
    knownIds.add(ep.id);
    const ip = ep.info().address ?? "";
    const holder = live.get(ip);
    if (holder !== undefined) problems.push(`${ip} handed to ep${i} while ${holder} holds it`);
    live.set(ip, `ep${i}`);
    await jitter();
    const viaShared = kind === 1 || kind === 4;
    const sb = viaShared ? shared : await ctl.createSandbox({ containerId: `ctr${i}` });
    await jitter();
    await ep.join(sb);
    if (kind <= 1) return;
    await jitter();
    await ep.leave(sb);
    if (kind === 2) return;
    await jitter();
    live.delete(ip); // before the delete: from here on the address may be handed out again
    await ep.delete();
    await jitter();
    if (!viaShared) await sb.delete();
  }

  it("hands out no IP twice, and the store, the kernel and a restarted controller agree", async () => {
    let ctl = c as Controller;
    const net = await ctl.createNetwork({ name: "conc", driver: "testveth", ipam: { config: [{ subnet: SUBNET }] } });
    const shared = await ctl.createSandbox({ containerId: "ctr-shared" });
    const live = new Map<string, string>();
    const problems: string[] = [];
    const results = await Promise.allSettled(Array.from({ length: CHAINS }, (_, i) => chain(i, net, shared, live, problems)));
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`chain ${i}: ${String(r.reason)}`] : []));
    assert.deepEqual(failed, [], "operations failed");
    assert.deepEqual(problems, [], "an address was handed out twice");

    const snap = snapshotOf(ctl);
    const count = (k: number[]): number => Array.from({ length: CHAINS }, (_, i) => kindOf(i)).filter((x) => k.includes(x)).length;
    const mine = snap.endpoints.filter((e) => e.networkId === net.id);
    assert.equal(mine.length, count([0, 1, 2]), "live endpoints");
    assert.equal(mine.filter((e) => e.sandboxId !== undefined).length, count([0, 1]), "joined endpoints");
    assert.equal(snap.sandboxes.length, count([0, 2]) + 1, "sandboxes");
    assert.equal(snap.sandboxes.find((s) => s.id === shared.id)?.endpoints.length, count([1]), "endpoints in the shared sandbox");
    assert.deepEqual(addressMismatches(snap), []);
    assert.deepEqual(kernelMismatches(snap, dirs, knownIds), []);

    await ctl.close();
    c = ctl = await open();
    assert.deepEqual(ctl.restoreReport, { rolledBack: [], finished: [], repaired: [], errors: [], repairs: [], reclaimed: [] });
    assert.deepEqual(snapshotOf(ctl), snap, "the restarted controller sees another state");
    const again = ctl.network("conc");
    const taken = new Set(mine.map((e) => e.address));
    const probe = await again.createEndpoint({ name: "probe" });
    knownIds.add(probe.id);
    assert.ok(!taken.has(probe.info().address), `after the restart ${probe.info().address} was handed out again`);
    for (const e of mine.slice(0, 10)) {
      await assert.rejects(again.createEndpoint({ name: `dup-${e.name}`, ip: (e.address ?? "").split("/")[0] ?? "" }), /./, `${e.address} is not reserved after the restart`);
    }

    await Promise.all(ctl.sandboxes().map((s) => s.delete()));
    await Promise.all(again.endpoints().map((e) => e.delete()));
    await again.delete();
    assert.deepEqual(kernelMismatches(snapshotOf(ctl), dirs, knownIds), []);
    assert.deepEqual(existsSync(dirs.netnsDir) ? readdirSync(dirs.netnsDir) : [], []);
  });
});
