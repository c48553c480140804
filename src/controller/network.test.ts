// Root integration tests of networks (§1.2, §1.3, §1.6): IDs, lookup by name / ID / unique prefix, IPAM
// data, delete refused while endpoints exist, and the README's PascalCase names.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { HEX64, expectError, fdCount, hostTestLinks, openHarness, uniqueName, type Harness } from "./harness.test.js";

describe("networks (root)", rootOnly, () => {
  let h: Harness;
  before(async () => { h = await openHarness(); });
  after(async () => { await h?.close(); });

  const create = (name: string, subnet?: string, extra: { gateway?: string; internal?: boolean } = {}) => h.controller.createNetwork({
    name, driver: "testveth", ...(extra.internal === undefined ? {} : { internal: extra.internal }),
    ...(subnet === undefined ? {} : { ipam: { config: [{ subnet, ...(extra.gateway === undefined ? {} : { gateway: extra.gateway }) }] } }),
  });

  it("a new network has a random 64-hex ID, its name, type and IPAM data, and is listed", async () => {
    const name = uniqueName("net");
    const n = await create(name, "10.232.1.0/24", { gateway: "10.232.1.254" });
    try {
      assert.match(n.id, HEX64);
      assert.equal(n.name, name);
      assert.equal(n.type, "testveth");
      const info = n.info();
      assert.equal(info.state, "ready");
      assert.equal(info.predefined, false);
      assert.equal(info.scope, "local");
      assert.equal(info.ipam.driver, "default");
      assert.deepEqual(info.ipam.v4Info.map((p) => [p.pool, p.gateway]), [["10.232.1.0/24", "10.232.1.254/24"]]);
      assert.deepEqual(info.ipam.v6Info, []);
      assert.ok(!Number.isNaN(Date.parse(info.created)));
      assert.ok(h.controller.networks().some((x) => x.id === n.id));
      assert.ok(h.driver.calls.includes(`createNetwork ${n.id}`), "the driver was told, by ID");
      const other = await create(uniqueName("net"), "10.232.2.0/24");
      assert.notEqual(other.id, n.id);
      await other.delete();
    } finally {
      await n.delete();
    }
  });

  it("the gateway defaults to the subnet's first address; without a subnet the IPAM picks a pool", async () => {
    const a = await create(uniqueName("gw"), "10.232.3.0/24");
    const b = await create(uniqueName("auto"));
    try {
      assert.equal(a.info().ipam.v4Info[0]?.gateway, "10.232.3.1/24");
      const pool = b.info().ipam.v4Info[0];
      assert.ok(pool !== undefined && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(pool.pool), JSON.stringify(pool));
      assert.ok(pool.gateway !== undefined);
    } finally {
      await a.delete();
      await b.delete();
    }
  });

  it("is found by exact name, full ID and unique ID prefix; README aliases agree", async () => {
    const name = uniqueName("look");
    const n = await create(name, "10.232.4.0/24");
    try {
      assert.equal(h.controller.network(name).id, n.id);
      assert.equal(h.controller.network(n.id).id, n.id);
      // A prefix long enough to be unique among this controller's few networks.
      assert.equal(h.controller.network(n.id.slice(0, 12)).id, n.id);
      assert.equal(h.controller.NetworkByName(name).ID(), n.id);
      assert.equal(h.controller.NetworkByID(n.id).Name(), name);
      assert.equal(n.Type(), "testveth");
      assert.ok(h.controller.Networks().some((x) => x.ID() === n.id));
    } finally {
      await n.delete();
    }
  });

  it("a name wins over an ID prefix that happens to equal it; an ambiguous prefix is not found", async () => {
    const nets = [];
    try {
      for (let i = 0; i < 20; i++) nets.push(await create(uniqueName("amb"), `10.232.${10 + i}.0/24`));
      // With 20+ networks some two IDs share their first hex digit.
      const firsts = new Map<string, number>();
      for (const n of h.controller.networks()) firsts.set(n.id[0] as string, (firsts.get(n.id[0] as string) ?? 0) + 1);
      const shared = [...firsts].find(([, count]) => count > 1)?.[0] as string;
      await expectError(() => h.controller.network(shared), {
        kind: "not-found", code: "ERR_NETWORK_NOT_FOUND", message: new RegExp(`^network ${shared} is ambiguous \\(\\d+ matches\\)$`),
      });
      const target = nets[0]!;
      const named = await create(target.id.slice(0, 8), "10.232.40.0/24");
      nets.push(named);
      assert.equal(h.controller.network(target.id.slice(0, 8)).id, named.id, "exact name before ID prefix (Docker's order)");
      assert.equal(h.controller.network(target.id).id, target.id, "a full ID still finds its network");
    } finally {
      for (const n of nets) await n.delete();
    }
  });

  it("unknown and blank references are typed errors", async () => {
    await expectError(() => h.controller.network("no-such-network"), {
      kind: "not-found", code: "ERR_NETWORK_NOT_FOUND", message: "network no-such-network not found",
    });
    await expectError(() => h.controller.network("f".repeat(64)), { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND" });
    await expectError(() => h.controller.network(""), { kind: "invalid-argument", code: "ERR_INVALID_ID" });
    await expectError(() => h.controller.network("   "), { kind: "invalid-argument", code: "ERR_INVALID_ID" });
  });

  it("a second network with the same name is refused and the first is untouched", async () => {
    const name = uniqueName("dup");
    const n = await create(name, "10.232.50.0/24");
    try {
      await expectError(() => create(name, "10.232.51.0/24"), {
        kind: "conflict", code: "ERR_NETWORK_EXISTS", message: `network with name ${name} already exists`,
      });
      assert.deepEqual(h.controller.networks().filter((x) => x.name === name).map((x) => x.id), [n.id]);
      // The refused network's subnet was never taken: a third network can have it.
      const third = await create(uniqueName("dup"), "10.232.51.0/24");
      await third.delete();
    } finally {
      await n.delete();
    }
  });

  it("delete is refused while endpoints exist and allowed once they are gone; then its pool is free", async () => {
    const name = uniqueName("busy");
    const n = await create(name, "10.232.60.0/24");
    const ep = await n.createEndpoint({ name: "e1" });
    await expectError(() => n.delete(), {
      kind: "forbidden", code: "ERR_NETWORK_ACTIVE_ENDPOINTS", message: `network ${name} id ${n.id} has active endpoints`,
    });
    assert.equal(h.controller.network(n.id).info().state, "ready", "still there, unchanged");
    assert.equal(n.endpoints().length, 1);
    await ep.delete();
    await n.Delete();
    assert.ok(!h.controller.networks().some((x) => x.id === n.id));
    assert.ok(h.driver.calls.includes(`deleteNetwork ${n.id}`));
    await expectError(() => h.controller.network(name), { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND" });
    await expectError(() => n.info(), { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND" });
    await expectError(() => n.delete(), { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND" });
    const again = await create(name, "10.232.60.0/24"); // same name and subnet: both were released
    await again.delete();
  });

  it("the README's NewNetwork(type, name) creates the same kind of network", async () => {
    const name = uniqueName("readme");
    const n = await h.controller.NewNetwork("testveth", name, { ipam: { config: [{ subnet: "10.232.70.0/24" }] } });
    try {
      assert.equal(n.Name(), name);
      assert.equal(n.Type(), "testveth");
      assert.match(n.ID(), HEX64);
    } finally {
      await n.delete();
    }
  });
});

describe("controller lifecycle (root)", rootOnly, () => {
  it("close() after a half-finished test: opens a controller with only the predefined networks and leaves no fd, mount, netns or file behind", async () => {
    await openHarness().then((h) => h.close()); // first use loads the addon and the SQLite module
    const fds = fdCount();
    const h = await openHarness();
    let closed = false;
    try {
      assert.deepEqual(h.controller.networks().map((n) => n.name).sort(), ["host", "none"]);
      const n = await h.controller.createNetwork({ name: "n", driver: "testveth", ipam: { config: [{ subnet: "10.231.0.0/24" }] } });
      const sb = await h.controller.createSandbox({ containerId: uniqueName("c") });
      const ep = await n.createEndpoint({ name: "e" });
      await ep.join(sb);
      const hostSide = `tv${ep.id.slice(0, 10)}`;
      assert.ok(hostTestLinks().includes(hostSide));
      await h.close(); // a test that failed half way: the teardown removes all of it
      closed = true;
      assert.equal(existsSync(h.dir), false);
      assert.ok(!hostTestLinks().includes(hostSide), "the veth went with the sandbox");
      assert.equal(readFileSync("/proc/self/mountinfo", "utf8").includes(h.dir), false, "no mount left");
      assert.equal(fdCount(), fds, "no fd left open");
      await expectError(() => h.controller.createNetwork({ name: "late", driver: "testveth" }), {
        kind: "forbidden", code: "ERR_CONTROLLER_CLOSED", message: "the controller is closed",
      });
      await expectError(() => h.controller.createSandbox({ containerId: "late" }), { kind: "forbidden", code: "ERR_CONTROLLER_CLOSED" });
      await h.controller.close(); // idempotent
    } finally {
      if (!closed) await h.close();
    }
  });
});
