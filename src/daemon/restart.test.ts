// Restarts: a graceful stop (SIGTERM) keeps every network and sandbox in place for the next start, and a
// SIGKILL in the middle of a load of creates/connects/removes is repaired on restart: the daemon's view
// and the kernel agree, and everything can still be removed cleanly.

import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { DnetClient } from "../api/client.js";
import { TestDaemon, assertConsistent, kernelAddrs } from "../testing/test-daemon.js";

describe("daemon restarts", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  it("serves on a 0660 socket and SIGTERM keeps networks and sandboxes for the next start", async () => {
    assert.equal(statSync(d.socket).mode & 0o777, 0o660);
    await d.client.createNetwork({ Name: "keep", IPAM: { Config: [{ Subnet: "10.140.0.0/24" }] } });
    const a = await d.client.createSandbox({ Name: "ka", Networks: [{ Network: "keep", IPv4Address: "10.140.0.10" }] });
    await d.client.createSandbox({ Name: "kb", Networks: [{ Network: "keep", IPv4Address: "10.140.0.11" }] });
    assert.equal(await d.stop("SIGTERM"), 0);
    assert.throws(() => statSync(d.socket), "the socket is removed on a graceful stop");
    assert.ok(kernelAddrs((c, x) => d.inNetns(a.Key, c, x)).get("eth0")?.includes("10.140.0.10/24"), "the sandbox stays while the daemon is down");
    await d.start();
    const again = await d.client.inspectSandbox("ka");
    assert.equal(again.Id, a.Id);
    assert.equal(again.Endpoints[0]?.IPv4Address, "10.140.0.10/24");
    d.inNetns(a.Key, "ping", ["-c1", "-W2", "10.140.0.11"]);
    await assertConsistent(d);
    await d.client.connect("keep", { Container: "ka" }).then(() => assert.fail("double connect must fail"), () => {});
    await d.client.removeSandbox("ka", true);
    await d.client.removeSandbox("kb", true);
    await d.client.removeNetwork("keep");
  });

  it("SIGKILL mid-load, restart: everything consistent and removable", { timeout: 240_000 }, async () => {
    await d.client.createNetwork({ Name: "base", IPAM: { Config: [{ Subnet: "10.141.0.0/24" }] } });
    const clients = Array.from({ length: 8 }, () => new DnetClient(d.host));
    let stop = false;
    let done = 0;
    const worker = async (c: DnetClient, w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const net = `ld${w}-${i}`;
        const sb = `lsb${w}-${i}`;
        try {
          await c.createNetwork({ Name: net, IPAM: { Config: [{ Subnet: `10.${150 + w}.${i % 256}.0/24` }] } });
          await c.createSandbox({ Name: sb, Networks: [{ Network: "base" }] });
          await c.connect(net, { Container: sb });
          if (i % 2 === 0) { await c.disconnect(net, { Container: sb }); await c.removeNetwork(net); }
          if (i % 3 === 0) await c.removeSandbox(sb, true);
          done++;
        } catch {
          return; // the daemon died under us
        }
      }
    };
    const load = Promise.all(clients.map((c, w) => worker(c, w)));
    const t0 = Date.now();
    while (done < 12 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(done >= 12, "the load made progress before the kill");
    await d.stop("SIGKILL");
    stop = true;
    await load;
    for (const c of clients) c.close();
    await d.start();
    const counts = await assertConsistent(d);
    assert.ok(counts.sandboxes > 0 && counts.networks > 4, JSON.stringify(counts));
    // Everything left is still usable and removable, and a clean daemon leaves a clean kernel.
    for (const sb of await d.client.listSandboxes()) await d.client.removeSandbox(sb.Id, true);
    for (const n of await d.client.listNetworks()) if (!["host", "none", "bridge"].includes(n.Name)) await d.client.removeNetwork(n.Id);
    assert.deepEqual(await assertConsistent(d), { networks: 3, sandboxes: 0, endpoints: 0 });
    await d.reaped();
    const links = [...kernelAddrs((c, x) => d.inHost(c, x)).keys()];
    assert.deepEqual(links.sort(), ["dnet0", "lo"], "no bridge or veth left in the daemon's netns but the default bridge's");
  });
});
