// Crash tests (root): for every fault point in the controller's sources, a child process builds a small
// world and dies by SIGKILL at that point; a restarted controller must report what it repaired and end
// with settled records that match the kernel, no IP or pool held twice or lost, and the operation either
// fully done (delete, leave) or fully undone (create, join). Also: a clean restart changes nothing, and a
// sandbox whose netns vanished is recreated with its endpoints joined again.

import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { forceCleanup, kernelMismatches, snapshotOf } from "../testing/controller-world.js";
import { BASE, modelOf, without, type Model } from "../testing/fault-model.js";
import {
  checkAddresses, checkPools, dumpStore, exercise, faultPoints, hostLinks, kernelView, open, readWorld, recordedLinks, reopenUnchanged,
  runScenario, scratch, tearDown, unsettled, type Dirs,
} from "../testing/fault-harness.js";
import { SCENARIO_OPERATIONS, buildWorld, runOperation, type World } from "../testing/fault-scenario.js";
import { rootOnly, run, tryRun } from "../testing/kernel.js";

/** Per operation: what the restart must have done, which object it names, and the world afterwards. */
const EXPECT: Readonly<Record<string, { outcome: "rolledBack" | "finished"; id?: (w: World) => string; after: (m: Model) => Model }>> = {
  "network-create": { outcome: "rolledBack", after: (m) => m },
  "network-delete": { outcome: "finished", id: (w) => w.networks.fe, after: (m) => ({ ...m, networks: m.networks.filter((n) => n !== "fe") }) },
  "endpoint-create": { outcome: "rolledBack", after: (m) => m },
  "endpoint-delete": { outcome: "finished", id: (w) => w.endpoints?.a1 ?? "?", after: (m) => ({ ...m, endpoints: without(m.endpoints, "a1") }) },
  "endpoint-join": { outcome: "rolledBack", id: (w) => w.endpoints?.a1 ?? "?", after: (m) => m },
  "endpoint-leave": {
    outcome: "finished", id: (w) => w.endpoints?.b1 ?? "?",
    after: (m) => ({ ...m, endpoints: { ...m.endpoints, b1: { network: "fb" } }, gatewayIf: { ...m.gatewayIf, "ctr-main": "eth1" } }),
  },
  "sandbox-create": { outcome: "rolledBack", after: (m) => m },
  "sandbox-delete": {
    outcome: "finished", id: (w) => w.sandboxes?.del ?? "?",
    after: (m) => ({ ...m, endpoints: without(m.endpoints, "a2", "b3"), sandboxes: ["ctr-main"], gatewayIf: without(m.gatewayIf, "ctr-del") }),
  },
};

describe("controller crash safety: SIGKILL at every fault point, then restart (root)", rootOnly, () => {
  const points = faultPoints();
  const used: Array<{ dirs: Dirs; ids: Set<string>; links?: Set<string> }> = [];
  let fdsBefore = 0;

  before(() => { fdsBefore = readdirSync("/proc/self/fd").length; });

  after(async () => {
    for (const { dirs, ids, links } of used) {
      const names = new Set([...(links ?? []), ...await recordedLinks(dirs)]);
      for (const name of hostLinks(names)) tryRun("ip", ["link", "del", name]);
      if (existsSync(dirs.root)) forceCleanup(dirs.root, dirs.netns, ids);
    }
    assert.equal(readdirSync("/proc/self/fd").length, fdsBefore, "fds left open");
  });

  it("finds the fault points in src/controller and has a scenario for each operation", () => {
    assert.ok(points.length >= 20, `only ${points.length} fault points found: ${points.join(", ")}`);
    for (const p of points) {
      const op = p.split(":")[0] ?? "";
      assert.ok(SCENARIO_OPERATIONS.includes(op), `no scenario operation for fault point ${p}`);
      assert.ok(EXPECT[op] !== undefined, `no expected outcome for operation ${op}`);
    }
  });

  // Joins once more with a driver that leaves the interface in the host's netns for the controller to move.
  const cases = [...points.map((p) => [p, false] as const), ...points.filter((p) => p.startsWith("endpoint-join:")).map((p) => [p, true] as const)];
  for (const [point, hostPlacement] of cases) {
    it(`${point}${hostPlacement ? " (interface made on the host side)" : ""}: killed there, the restart repairs it`, async () => {
      const d = scratch();
      const knownIds = new Set<string>();
      used.push({ dirs: d, ids: knownIds });
      const child = runScenario(d, point, hostPlacement ? { DNET_VETH_PLACEMENT: "host" } : {});
      // With an IPAM that the restart rebuilds from the records, an endpoint is recorded once, when ready:
      // a crash while creating one leaves nothing recorded, nothing to repair (and, checked below, no address lost).
      const recordsNothing = point.startsWith("endpoint-create:");
      assert.equal(child.status === 3 ? "never reached" : child.signal, "SIGKILL", `scenario did not die at ${point}: status ${child.status}\n${child.stderr}`);
      const world = readWorld(d, knownIds);
      const op = point.split(":")[0] ?? "";
      const expect = EXPECT[op];
      assert.ok(expect !== undefined);

      let c = await open(d);
      try {
        const report = c.restoreReport;
        assert.ok(report !== undefined);
        assert.deepEqual(report.errors.map(String), [], "restore errors");
        assert.deepEqual(report.repaired, []);
        if (recordsNothing) {
          assert.deepEqual([report.rolledBack, report.finished], [[], []], "nothing was recorded, nothing to repair");
        } else {
          const wanted = expect.id === undefined ? new RegExp(`^${op} [0-9a-f]{64}$`) : new RegExp(`^${op} ${expect.id(world)}$`);
          assert.ok(report[expect.outcome].some((e) => wanted.test(e)), `restore report ${JSON.stringify(report)} lacks ${expect.outcome} ${wanted}`);
          assert.deepEqual(report[expect.outcome === "finished" ? "rolledBack" : "finished"], [], "the restart both finished and rolled back");
        }
        for (const e of snapshotOf(c).endpoints) knownIds.add(e.id);
        await c.close();
        assert.deepEqual(unsettled(await dumpStore(d)), [], "records not in state ready after restart");
        c = await reopenUnchanged(d);

        const snap = snapshotOf(c);
        assert.deepEqual(kernelMismatches(snap, { netnsDir: d.netns, etcDir: d.etc }, knownIds), []);
        assert.deepEqual(modelOf(snap), expect.after(BASE), `the operation is not ${expect.outcome === "finished" ? "fully done" : "fully undone"}`);
        for (const n of c.networks()) if (n.name === "fa" || n.name === "fb") await checkAddresses(n, knownIds);
        await checkPools(c);
        await exercise(c, d, knownIds);
        await tearDown(c, d, knownIds);
      } finally {
        await c.close();
      }
      run("umount", ["-l", d.netns]);
      rmSync(d.root, { recursive: true, force: true });
    });
  }

  // Operations with a rollback stack must also undo themselves in-process when a step fails.
  for (const point of points.filter((p) => EXPECT[p.split(":")[0] ?? ""]?.outcome === "rolledBack")) {
    it(`${point}: a step failing there rolls the operation back in-process`, async () => {
      const d = scratch();
      const knownIds = new Set<string>();
      used.push({ dirs: d, ids: knownIds });
      let armed = false;
      let c = await open(d, (p) => { if (armed && p === point) throw new Error(`injected failure at ${p}`); });
      try {
        const { world, built } = await buildWorld(c);
        for (const id of Object.values(world.endpoints ?? {})) knownIds.add(id);
        armed = true;
        await assert.rejects(runOperation(point, c, built), /injected failure/);
        armed = false;
        const snap = snapshotOf(c);
        assert.deepEqual(kernelMismatches(snap, { netnsDir: d.netns, etcDir: d.etc }, knownIds), []);
        assert.deepEqual(modelOf(snap), BASE, "the operation is not fully undone");
        await c.close();
        assert.deepEqual(unsettled(await dumpStore(d)), [], "records not in state ready after the rollback");
        c = await reopenUnchanged(d);
        for (const n of c.networks()) if (n.name === "fa" || n.name === "fb") await checkAddresses(n, knownIds);
        await checkPools(c);
        await tearDown(c, d, knownIds);
      } finally {
        await c.close();
      }
      run("umount", ["-l", d.netns]);
      rmSync(d.root, { recursive: true, force: true });
    });
  }

  // The real bridge driver keeps state in memory: a restart must let it know a half created or half
  // deleted network before asking it to remove it, or its bridge stays behind.
  for (const point of points.filter((p) => p.startsWith("network-"))) {
    it(`${point} on the bridge driver: killed there, the restart leaves no bridge behind`, async () => {
      const d = scratch();
      const bridges = new Set<string>();
      used.push({ dirs: d, ids: new Set(), links: bridges });
      const child = runScenario(d, point, { DNET_NET_DRIVER: "bridge", DNET_WORLD: "networks" });
      assert.equal(child.status === 3 ? "never reached" : child.signal, "SIGKILL", `scenario did not die at ${point}: status ${child.status}\n${child.stderr}`);
      const world = readWorld(d, new Set());
      const op = point.split(":")[0] ?? "";
      const expect = EXPECT[op];
      assert.ok(expect !== undefined);
      let c = await open(d);
      try {
        const report = c.restoreReport;
        assert.deepEqual(report?.errors.map(String), []);
        const touched = [...(report?.rolledBack ?? []), ...(report?.finished ?? [])].map((e) => e.split(" ")[1] ?? "");
        assert.equal(touched.length, 1, JSON.stringify(report));
        const ids = [...Object.values(world.networks), ...touched];
        for (const id of ids) bridges.add(`br-${id.slice(0, 12)}`);
        await c.close();
        c = await reopenUnchanged(d);
        assert.deepEqual(c.networks().map((n) => n.name).sort(), expect.after(BASE).networks);
        const wanted = c.networks().filter((n) => n.type === "bridge").map((n) => `br-${n.id.slice(0, 12)}`);
        assert.deepEqual(hostLinks(bridges), wanted.sort(), "bridges on the host != bridge networks");
        await checkPools(c, "bridge");
        for (const n of c.networks()) if (n.type === "bridge") await n.delete();
        await c.close();
        assert.deepEqual(hostLinks(bridges), [], "bridges left after deleting every network");
      } finally {
        await c.close();
      }
      rmSync(d.root, { recursive: true, force: true });
    });
  }

  it("a restart with nothing half done changes nothing (store, kernel, files)", async () => {
    const d = scratch();
    const knownIds = new Set<string>();
    used.push({ dirs: d, ids: knownIds });
    const child = runScenario(d, "");
    assert.equal(child.status, 0, child.stderr);
    readWorld(d, knownIds);
    const kernelBefore = kernelView(d);
    const c = await reopenUnchanged(d);
    try {
      const snap = snapshotOf(c);
      assert.deepEqual(kernelMismatches(snap, { netnsDir: d.netns, etcDir: d.etc }, knownIds), []);
      assert.deepEqual(modelOf(snap), BASE);
      assert.deepEqual(kernelView(d), kernelBefore, "the restart touched the kernel or the files");
      await tearDown(c, d, knownIds);
    } finally {
      await c.close();
    }
    run("umount", ["-l", d.netns]);
    rmSync(d.root, { recursive: true, force: true });
  });

  it("a sandbox whose netns was deleted behind the controller's back is recreated and its endpoints rejoined", async () => {
    const d = scratch();
    const knownIds = new Set<string>();
    used.push({ dirs: d, ids: knownIds });
    const child = runScenario(d, "");
    assert.equal(child.status, 0, child.stderr);
    const world = readWorld(d, knownIds);
    const path = join(d.netns, "ctr-main");
    run("umount", [path]);
    rmSync(path);
    let c = await open(d);
    try {
      assert.deepEqual(c.restoreReport?.errors.map(String), []);
      assert.deepEqual(c.restoreReport?.repaired, [`sandbox ${world.sandboxes?.main}: netns recreated, 2 endpoint(s) joined again`]);
      const snap = snapshotOf(c);
      assert.deepEqual(kernelMismatches(snap, { netnsDir: d.netns, etcDir: d.etc }, knownIds), []);
      assert.deepEqual(modelOf(snap), BASE);
      await c.close();
      assert.deepEqual(unsettled(await dumpStore(d)), []);
      c = await reopenUnchanged(d);
      await tearDown(c, d, knownIds);
    } finally {
      await c.close();
    }
    run("umount", ["-l", d.netns]);
    rmSync(d.root, { recursive: true, force: true });
  });
});
