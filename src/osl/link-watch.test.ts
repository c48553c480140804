// Link events from a monitor socket inside a scratch netns: creation, a change of master, deletion by
// someone else (`ip link del`), and no fd left behind once the watch is closed.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rootOnly, run } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { createBridge, createVeth } from "./link-create.js";
import { watchLinks, type AddressRemoved, type LinkEvent } from "./link-watch.js";

describe("link events of a netns (root)", rootOnly, () => {
  const ns = useScratchNamespaces();

  it("sees links created, un-enslaved and deleted, and addresses removed, behind our back", async () => {
    const { name, h } = ns.scratch();
    const seen: Array<LinkEvent | AddressRemoved | "overrun"> = [];
    const watch = watchLinks(h, (e) => seen.push(e));
    try {
      await createBridge(h, { name: "wbr0" });
      await createVeth(h, { name: "wv0", master: "wbr0", peer: { name: "wv1" } });
      run("ip", ["-n", name, "addr", "add", "10.77.0.1/24", "dev", "wbr0"]);
      run("ip", ["-n", name, "addr", "del", "10.77.0.1/24", "dev", "wbr0"]);
      run("ip", ["-n", name, "link", "set", "wv0", "nomaster"]);
      run("ip", ["-n", name, "link", "del", "wbr0"]);
      const deadline = Date.now() + 2_000;
      const has = (f: (e: LinkEvent) => boolean): boolean => seen.some((e) => e !== "overrun" && "link" in e && f(e));
      while (Date.now() < deadline && !has((e) => e.deleted && e.link.name === "wbr0")) await new Promise((r) => setTimeout(r, 10));
      assert.ok(has((e) => !e.deleted && e.link.name === "wbr0" && e.link.kind === "bridge"), "bridge created");
      assert.ok(has((e) => !e.deleted && e.link.name === "wv0" && e.link.master !== undefined), "veth attached");
      assert.ok(has((e) => !e.deleted && e.link.name === "wv0" && e.link.master === undefined), "veth released by someone else");
      assert.ok(has((e) => e.deleted && e.link.name === "wbr0"), "bridge deleted by someone else");
      const bridgeIndex = seen.find((e): e is LinkEvent => e !== "overrun" && "link" in e && e.link.name === "wbr0")?.link.index;
      assert.ok(seen.some((e) => e !== "overrun" && "addressRemovedFrom" in e && e.addressRemovedFrom === bridgeIndex), "address removed");
      assert.ok(!seen.includes("overrun"));
    } finally {
      watch.close();
    }
  });
});
