// nftGeneration against the kernel: the ruleset generation of a scratch netns moves with every nftables
// commit made there (by `nft`, the independent tool).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadNative } from "../native/index.js";
import { rootOnly, run, uniqueName } from "../testing/kernel.js";
import { HandleCache } from "./handle.js";
import { NetnsDirectory } from "./namespace.js";
import { nftGeneration } from "./nft-generation.js";

describe("nftGeneration (root)", rootOnly, () => {
  const native = rootOnly.skip === false ? loadNative() : undefined;
  let dir: NetnsDirectory;
  let cache: HandleCache;
  const name = uniqueName("dng");
  let path = "";

  before(() => {
    dir = new NetnsDirectory(native!);
    cache = new HandleCache(native!);
    path = dir.create(name);
  });

  after(() => {
    cache.closeAll();
    if (dir.exists(name)) dir.delete(name);
  });

  it("moves on every nft commit in the netns, not on reads", async () => {
    const h = cache.get(path);
    const g0 = await nftGeneration(h);
    assert.equal(await nftGeneration(h), g0, "reading does not move it");
    run("ip", ["netns", "exec", name, "nft", "add", "table", "inet", "dngtest"]);
    const g1 = await nftGeneration(h);
    assert.ok(g1 > g0, `${g1} > ${g0}`);
    run("ip", ["netns", "exec", name, "nft", "list", "ruleset"]);
    assert.equal(await nftGeneration(h), g1);
    run("ip", ["netns", "exec", name, "nft", "delete", "table", "inet", "dngtest"]);
    assert.ok(await nftGeneration(h) > g1);
  });
});
