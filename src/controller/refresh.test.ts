// Sandbox.refresh(): options reset and re-applied, files and the resolver's view rebuilt, endpoints left
// joined; bad input changes nothing; the new configuration survives a restart.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { rootOnly } from "../testing/kernel.js";
import { linkNamesIn, openHarness, readEtc, uniqueName, type Harness } from "./harness.test.js";

describe("Sandbox.refresh (root)", rootOnly, () => {
  let h: Harness;
  before(async () => { h = await openHarness({ embeddedDns: false }); });
  after(async () => { await h?.close(); });

  it("rewrites hosts and resolv.conf from the new options, keeps the endpoint joined, and persists", async () => {
    const net = await h.controller.createNetwork({ name: uniqueName("rf"), driver: "testveth", ipam: { config: [{ subnet: "10.238.1.0/24" }] } });
    const sb = await h.controller.createSandbox({ containerId: uniqueName("ctr"), hostname: "before", dns: ["192.0.2.1"], extraHosts: ["old:192.0.2.7"] });
    const ep = await net.createEndpoint({ name: "rf0" });
    await ep.join(sb);
    const address = (ep.info().address ?? "").split("/")[0];
    await sb.Refresh({ hostname: "after", domainname: "example.test", dns: ["192.0.2.9"], dnsSearch: ["corp.test"] });
    const hosts = readEtc(h, sb.name, "hosts");
    assert.match(hosts, new RegExp(`^${address?.replace(/\./g, "\\.")}\\tafter\\.example\\.test after$`, "m"));
    assert.doesNotMatch(hosts, /before|old/, "the old hostname and extra host are gone (reset, then applied)");
    const resolv = readEtc(h, sb.name, "resolv.conf");
    assert.match(resolv, /^nameserver 192\.0\.2\.9$/m);
    assert.match(resolv, /^search corp\.test$/m);
    assert.doesNotMatch(resolv, /192\.0\.2\.1\b/, "the old DNS server is gone");
    assert.deepEqual(linkNamesIn(sb.key).filter((n) => n !== "lo"), ["eth0"], "still joined, not re-plumbed");
    assert.equal(ep.info().sandboxId, sb.id);

    await assert.rejects(sb.refresh({ hostname: "bad host" }), (e: unknown) => isLibnetworkError(e) && e.kind === "invalid-argument");
    assert.equal(sb.info().hostname, "after", "bad input changes nothing");

    await h.reopen();
    const again = h.controller.sandbox(sb.id);
    assert.deepEqual([again.info().hostname, again.info().domainname, again.info().dns], ["after", "example.test", ["192.0.2.9"]]);
    assert.match(readEtc(h, sb.name, "hosts"), /after\.example\.test after/);
    const ep2 = h.controller.network(net.id).endpoint(ep.id);
    await ep2.leave(again);
    await ep2.delete();
    await again.delete();
    await h.controller.network(net.id).delete();
  });
});
