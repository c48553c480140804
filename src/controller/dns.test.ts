// Root tests of the embedded DNS as the controller drives it: names follow join, leave and delete, are
// scoped to the networks a sandbox is on, and come back after a restart. Checked with `dig` in the sandbox.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rootOnly, tryRun } from "../testing/kernel.js";
import type { Network, Sandbox } from "./objects.js";
import { openHarness, readEtc, uniqueName, type Harness } from "./harness.test.js";

/** `dig +short` from inside the sandbox against its resolver; "" when the name does not resolve. */
function dig(sb: Sandbox, ...args: string[]): string {
  const out = tryRun("nsenter", [`--net=${sb.key}`, "dig", "+short", "+time=2", "+tries=1", "@127.0.0.11", ...args]);
  assert.ok(out !== undefined, `dig ${args.join(" ")} failed to run`);
  return out.trim().split("\n").filter((l) => l !== "").sort().join(" ");
}

describe("embedded DNS through the controller (root)", rootOnly, () => {
  let h: Harness;
  let front: Network;
  let back: Network;
  const p = uniqueName("d");
  before(async () => {
    h = await openHarness();
    front = await h.controller.createNetwork({ name: `${p}-front`, driver: "testveth", ipam: { config: [{ subnet: "10.238.1.0/24" }] } });
    back = await h.controller.createNetwork({ name: `${p}-back`, driver: "testveth", ipam: { config: [{ subnet: "10.238.2.0/24" }] } });
  });
  after(async () => { await h?.close(); });

  it("a sandbox on a user network gets 127.0.0.11 and resolves names, aliases and sandbox names of its networks only", async () => {
    const web = await h.controller.createSandbox({ containerId: `${p}-web` });
    const db = await h.controller.createSandbox({ containerId: `${p}-db` });
    const lone = await h.controller.createSandbox({ containerId: `${p}-lone` });
    const webFront = await front.createEndpoint({ name: "web", aliases: ["www"] });
    const webBack = await back.createEndpoint({ name: "web-b" });
    const dbBack = await back.createEndpoint({ name: "db" });
    const loneFront = await front.createEndpoint({ name: "lone" });
    await webFront.join(web);
    await webBack.join(web);
    await dbBack.join(db);
    await loneFront.join(lone);
    assert.match(readEtc(h, web.name, "resolv.conf"), /^nameserver 127\.0\.0\.11$/m);
    assert.equal(dig(db, "web-b"), "10.238.2.2", "db sees web on the network they share");
    assert.equal(dig(db, "WEB-B"), "10.238.2.2", "names are case-insensitive");
    assert.equal(dig(db, "web"), "", "db does not see web's name on a network db is not on");
    assert.equal(dig(lone, "www"), "10.238.1.2", "aliases resolve");
    assert.equal(dig(lone, `${p}-web`), "10.238.1.2", "the sandbox name resolves on each of its networks");
    assert.equal(dig(lone, "db"), "", "scoped: lone is not on back");
    assert.equal(dig(web, `www.${p}-front`), "10.238.1.2", "name.network");
    assert.equal(dig(db, "-x", "10.238.2.3"), `db.${p}-back.`, "PTR on the asker's network");
    assert.equal(dig(db, "AAAA", "db"), "", "AAAA of a v4-only name: no answer");
  });

  it("leave removes the sandbox's names from that network; delete removes the endpoint's; a restart restores the rest", async () => {
    const a = await h.controller.createSandbox({ containerId: `${p}-a` });
    const b = await h.controller.createSandbox({ containerId: `${p}-b` });
    const ea = await front.createEndpoint({ name: "ea" });
    const eb = await front.createEndpoint({ name: "eb" });
    await ea.join(a);
    await eb.join(b);
    const ip = (ea.info().address ?? "").split("/")[0] as string;
    assert.equal(dig(b, `${p}-a`), ip);
    await h.reopen();
    const b2 = h.controller.sandbox(b.id);
    assert.equal(dig(b2, "ea"), ip, "records and the listener come back after a restart");
    const ea2 = h.controller.network(front.id).endpoint("ea");
    await ea2.leave(h.controller.sandbox(a.id));
    assert.equal(dig(b2, `${p}-a`), "", "the sandbox name went with the leave");
    assert.equal(dig(b2, "ea"), ip, "the endpoint keeps its name while it exists (Docker: records follow create/delete)");
    await ea2.rename("ea-renamed");
    assert.equal(dig(b2, "ea-renamed"), ip, "a rename answers to the new name");
    assert.equal(dig(b2, "ea"), "", "and no longer to the old one");
    await assert.rejects(ea2.rename("eb"), (e: { code?: string }) => e.code === "ERR_ENDPOINT_EXISTS", "names stay unique");
    await ea2.delete();
    assert.equal(dig(b2, "ea-renamed"), "", "gone with the endpoint");
  });
});
