// Crash tests (root) of a join on the real bridge driver: the child builds the crash tests' world on
// bridge networks and dies by SIGKILL at each of the join's fault points, while a1 (network fa, which
// sorts first) joins ctr-main. Its veth pair is created and configured in one go (random ifindex, default
// route replaced with the interface's creation, ports published during the creation): the restart must
// undo all of it — a1 not joined, ctr-main's default route back via eth0, no interface of a1 left in the
// sandbox or on the host — and the world must still work.

import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, it } from "node:test";
import { snapshotOf } from "../testing/controller-world.js";
import { checkPools, faultPoints, hostLinks, open, readWorld, recordedLinks, reopenUnchanged, runScenario, scratch, type Dirs } from "../testing/fault-harness.js";
import { BASE, modelOf } from "../testing/fault-model.js";
import { rootOnly, run, tryRun } from "../testing/kernel.js";

const linksIn = (nsPath: string): string[] =>
  (JSON.parse(run("nsenter", [`--net=${nsPath}`, "ip", "-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname).sort();

describe("controller crash safety on the bridge driver: SIGKILL inside a join, then restart (root)", rootOnly, () => {
  const used: Array<{ dirs: Dirs; links: Set<string> }> = [];

  after(async () => {
    for (const { dirs, links } of used) {
      for (const name of hostLinks(new Set([...links, ...await recordedLinks(dirs)]))) tryRun("ip", ["link", "del", name]);
      tryRun("umount", ["-l", dirs.netns]);
      rmSync(dirs.root, { recursive: true, force: true });
    }
  });

  for (const point of faultPoints().filter((p) => p.startsWith("endpoint-join:"))) {
    it(`${point}: the restart undoes the join, kernel included`, async () => {
      const d = scratch();
      const links = new Set<string>();
      used.push({ dirs: d, links });
      const child = runScenario(d, point, { DNET_NET_DRIVER: "bridge" });
      assert.equal(child.status === 3 ? "never reached" : child.signal, "SIGKILL", `scenario did not die at ${point}: status ${child.status}\n${child.stderr}`);
      const world = readWorld(d, new Set());
      for (const id of Object.values(world.networks)) links.add(`br-${id.slice(0, 12)}`);
      for (const id of Object.values(world.endpoints ?? {})) links.add(`veth${id.slice(0, 11)}`);
      const a1 = world.endpoints?.a1 ?? "?";

      let c = await open(d);
      try {
        assert.deepEqual(c.restoreReport?.errors.map(String), []);
        assert.deepEqual(c.restoreReport?.rolledBack, [`endpoint-join ${a1}`]);
        const snap = snapshotOf(c);
        assert.deepEqual(modelOf(snap), BASE, "the join is not fully undone (a1 joined, or ctr-main's default route moved)");
        await c.close(); // the bridge driver destroys its detached veths on close
        const main = snap.sandboxes.find((s) => s.containerId === "ctr-main");
        assert.deepEqual(linksIn(main?.key ?? "?"), ["eth0", "eth1", "lo"], "a1's interface left in ctr-main");
        assert.deepEqual(hostLinks(new Set([`veth${a1.slice(0, 11)}`])), [], "a1's host end left on the host");

        c = await reopenUnchanged(d);
        await checkPools(c, "bridge");
        // The world still works: a1 joins now, and takes ctr-main's default route (as eth2, the lowest
        // free number: the crashed join's eth2 is gone).
        const ep = c.endpoints().find((e) => e.name === "a1");
        const sb = c.sandboxes().find((s) => s.containerId === "ctr-main");
        assert.ok(ep !== undefined && sb !== undefined);
        await ep.join(sb);
        assert.deepEqual(modelOf(snapshotOf(c)).gatewayIf["ctr-main"], "eth2");
        for (const s of c.sandboxes()) await s.delete();
        for (const e of c.endpoints()) await e.delete();
        for (const n of c.networks()) if (n.type === "bridge") await n.delete();
        await c.close();
        assert.deepEqual(hostLinks(links), [], "bridges or veths left after deleting everything");
      } finally {
        await c.close();
      }
    });
  }
});
