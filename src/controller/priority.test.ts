// JoinOptionPriority: Docker's first endpoint-ordering key. The higher priority wins the default route
// over network-name order, and the route moves back when that endpoint leaves.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { JoinOptionPriority } from "../libnetwork.js";
import { rootOnly } from "../testing/kernel.js";
import { defaultRoute, openHarness, uniqueName, type Harness } from "./harness.test.js";

describe("join priority (root)", rootOnly, () => {
  let h: Harness;
  before(async () => { h = await openHarness(); });
  after(async () => { await h?.close(); });

  it("a higher priority takes the default gateway from a network whose name sorts first", async () => {
    const p = uniqueName("pr");
    const a = await h.controller.createNetwork({ name: `${p}-a`, driver: "testveth", ipam: { config: [{ subnet: "10.239.1.0/24" }] } });
    const b = await h.controller.createNetwork({ name: `${p}-b`, driver: "testveth", ipam: { config: [{ subnet: "10.239.2.0/24" }] } });
    const sb = await h.controller.createSandbox({ containerId: `${p}-c` });
    const ea = await a.createEndpoint({ name: "ea" });
    const eb = await b.createEndpoint({ name: "eb" });
    await ea.join(sb);
    assert.equal(defaultRoute(sb.key)?.gateway, "10.239.1.1");
    await eb.Join(sb, JoinOptionPriority(10));
    assert.equal(eb.info().priority, 10);
    assert.equal(defaultRoute(sb.key)?.gateway, "10.239.2.1", "priority beats name order");
    await eb.leave(sb);
    assert.equal(eb.info().priority, undefined, "priority lasts as long as the join");
    assert.equal(defaultRoute(sb.key)?.gateway, "10.239.1.1", "back to the name order");
    await assert.rejects(eb.join(sb, { priority: 1.5 }), (e: { code?: string }) => e.code === "ERR_INVALID_PRIORITY");
    assert.equal(eb.info().sandboxId, undefined, "a refused join changes nothing");
  });
});
