// createVeth's indexes from the kernel's echo (NLM_F_ECHO) against `ip -j link` in both namespaces.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadNative } from "../native/index.js";
import { ipJson, rootOnly, uniqueName } from "../testing/kernel.js";
import { HandleCache } from "./handle.js";
import { createVeth } from "./link-create.js";
import { NetnsDirectory } from "./namespace.js";

describe("createVeth echo (root)", rootOnly, () => {
  let dir: NetnsDirectory;
  let cache: HandleCache;
  const host = uniqueName("dne");
  const sandbox = uniqueName("dns");
  const paths: Record<string, string> = {};

  before(() => {
    const native = loadNative();
    dir = new NetnsDirectory(native);
    cache = new HandleCache(native);
    paths.host = dir.create(host);
    paths.sandbox = dir.create(sandbox);
  });

  after(() => {
    cache.closeAll();
    for (const n of [host, sandbox]) if (dir.exists(n)) dir.delete(n);
  });

  it("gives the host end's index and the peer's index in its own netns, as ip -j link shows them", async () => {
    const h = cache.get(paths.host as string);
    const sb = cache.get(paths.sandbox as string);
    const got = await createVeth(h, { name: "vh0", peer: { name: "eth7", netns: sb } });
    const hostLink = ipJson<Array<{ ifindex: number }>>(["link", "show", "vh0"], host)[0];
    const peerLink = ipJson<Array<{ ifindex: number }>>(["link", "show", "eth7"], sandbox)[0];
    assert.ok(got !== undefined, "this kernel (6.3+) echoes new links");
    assert.deepEqual(got, { index: hostLink?.ifindex, peerIndex: peerLink?.ifindex });
  });
});
