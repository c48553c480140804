// Two controllers in one process share nothing (root): each has its own sandbox-files cache, a file
// rewritten behind one's back is noticed by it alone; and no module of dns/ or types/ keeps mutable state
// at module level, where two controllers would share it (a static scan of the compiled modules).

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it, mock } from "node:test";
import { DnsFilesCache } from "../dns/index.js";
import { rootOnly } from "../testing/kernel.js";
import type { Network, Sandbox } from "./objects.js";
import { openHarness, readEtc, uniqueName, type Harness } from "./harness.test.js";

interface Side {
  readonly h: Harness;
  readonly net: Network;
  readonly sb: Sandbox;
  /** The cache objects the controller's sandbox-file writes used. */
  readonly caches: Set<DnsFilesCache>;
}

describe("two controllers in one process (root)", rootOnly, () => {
  const paths = mock.method(DnsFilesCache.prototype, "paths");
  const harnesses: Harness[] = [];
  // Both controllers name their sandbox the same: only their directories tell them apart.
  const sandboxName = uniqueName("iso");
  let a: Side;
  let b: Side;

  /** A controller with a network, and a sandbox with one joined endpoint; the caches its writes went through. */
  const side = async (subnet: string): Promise<Side> => {
    const h = await openHarness();
    harnesses.push(h);
    const before = paths.mock.callCount();
    const net = await h.controller.createNetwork({ name: uniqueName("isonet"), driver: "testveth", ipam: { config: [{ subnet }] } });
    const sb = await h.controller.createSandbox({ containerId: sandboxName });
    await (await net.createEndpoint({ name: uniqueName("ep") })).join(sb);
    const caches = new Set(paths.mock.calls.slice(before).map((c) => c.this as DnsFilesCache));
    return { h, net, sb, caches };
  };
  const resolvConfOf = (s: Side): string => join(s.h.etcNetnsDir, sandboxName, "resolv.conf");
  const cacheOf = (s: Side): DnsFilesCache => [...s.caches][0] as DnsFilesCache;

  before(async () => {
    a = await side("10.240.1.0/24");
    b = await side("10.240.2.0/24");
  });
  after(async () => {
    for (const h of harnesses) await h.close().catch((err: unknown) => console.error("isolation cleanup:", err));
    paths.mock.restore();
  });

  it("each controller writes its sandbox files through one cache of its own", () => {
    assert.equal(a.caches.size, 1);
    assert.equal(b.caches.size, 1);
    assert.notEqual(cacheOf(a), cacheOf(b));
    assert.notEqual(a.h.etcNetnsDir, b.h.etcNetnsDir);
    assert.equal(cacheOf(a).written.recall(resolvConfOf(a)), readFileSync(resolvConfOf(a), "utf8"));
    assert.equal(cacheOf(b).written.recall(resolvConfOf(b)), readFileSync(resolvConfOf(b), "utf8"));
    assert.equal(cacheOf(a).written.recall(resolvConfOf(b)), undefined, "A knows nothing of B's file");
    assert.equal(cacheOf(b).written.recall(resolvConfOf(a)), undefined, "B knows nothing of A's file");
  });

  it("a resolv.conf rewritten behind A's back is noticed by A (kept as the user's) while B's memory is untouched", async () => {
    const bBefore = readFileSync(resolvConfOf(b), "utf8");
    const edited = "nameserver 192.0.2.99\n";
    writeFileSync(resolvConfOf(a), edited);
    const callsBefore = paths.mock.callCount();
    const epA = await a.net.createEndpoint({ name: uniqueName("ep") });
    await epA.join(a.sb);
    assert.deepEqual(new Set(paths.mock.calls.slice(callsBefore).map((c) => c.this)), a.caches, "A's work went through A's cache only");
    assert.equal(readFileSync(resolvConfOf(a), "utf8"), edited, "A kept the user's edit");
    assert.equal(cacheOf(a).written.recall(resolvConfOf(a)), undefined, "A no longer claims the file");
    const ip = (epA.info().address ?? "?").split("/")[0] ?? "?";
    assert.ok(readEtc(a.h, sandboxName, "hosts").includes(`\n${ip}\t`), "A's hosts still follows its joins");
    assert.equal(readFileSync(resolvConfOf(b), "utf8"), bBefore);
    assert.equal(cacheOf(b).written.recall(resolvConfOf(b)), bBefore, "B still knows its file as it wrote it");
    const epB = await b.net.createEndpoint({ name: uniqueName("ep") });
    await epB.join(b.sb);
    assert.equal(cacheOf(b).written.recall(resolvConfOf(b)), readFileSync(resolvConfOf(b), "utf8"), "B goes on from its own memory");
  });
});

/** Module-level allocations that are constants: never written after the module loads. */
const CONSTANTS: ReadonlySet<string> = new Set([
  "dns/message.js: const NAME_TYPES = new Set([DnsType.NS, DnsType.CNAME, DnsType.PTR]);",
  "dns/engine.js: const NO_REPLY = Buffer.alloc(0);",
]);

/**
 * Top-level statements of compiled modules (tsc puts them at column 0; class fields and function bodies are
 * indented) that declare a variable or allocate a mutable container or buffer.
 */
function moduleLevelState(folder: string): string[] {
  const dir = fileURLToPath(new URL(`../${folder}/`, import.meta.url));
  const mutable = /^(export )?(let|var) |^(export )?const \w+\s*(:[^=]+)?=.*(new (Map|Set|WeakMap|WeakSet)\b|Buffer\.alloc)/;
  return readdirSync(dir).filter((f) => f.endsWith(".js") && !f.endsWith(".test.js")).flatMap((f) =>
    readFileSync(join(dir, f), "utf8").split("\n").filter((line) => mutable.test(line)).map((line) => `${folder}/${f}: ${line.trim()}`));
}

describe("no module-level mutable state in dns/ and types/", () => {
  it("the compiled modules declare no top-level let/var and allocate no top-level Map, Set, WeakMap or buffer (constants aside)", () => {
    const found = [...moduleLevelState("dns"), ...moduleLevelState("types")];
    assert.ok(found.filter((f) => CONSTANTS.has(f)).length === CONSTANTS.size, `allow-list out of date: ${JSON.stringify(found)}`);
    assert.deepEqual(found.filter((f) => !CONSTANTS.has(f)), []);
  });
});
