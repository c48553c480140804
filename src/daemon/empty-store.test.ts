// An emptied (`: > dnet.db`) or deleted database next to the kernel objects of an earlier run: the daemon
// says so loudly at start, naming what it found, and removes it (bridges, veths, netns files, stale
// firewall elements), so a new network can take the same subnet and a new sandbox the same address.

import assert from "node:assert/strict";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { TestDaemon, assertConsistent } from "../testing/test-daemon.js";

describe("a database emptied or lost while the kernel keeps an earlier run's objects", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  const hostLinks = (): string[] => (JSON.parse(d.inHost("ip", ["-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
  const nftTable = (): string => { try { return d.inHost("nft", ["list", "table", "inet", "dnet"]); } catch { return ""; } };

  async function earlierRun(subnet: string): Promise<{ bridge: string; veths: string[] }> {
    const net = await d.client.createNetwork({ Name: "old", IPAM: { Config: [{ Subnet: `${subnet}.0/24` }] } });
    await d.client.createSandbox({ Name: "olda", Networks: [{ Network: "old", IPv4Address: `${subnet}.10` }] });
    await d.client.createSandbox({ Name: "oldb", Networks: [{ Network: "old", IPv4Address: `${subnet}.11` }] });
    const veths = (await d.client.listEndpoints()).map((e) => `veth${e.Id.slice(0, 11)}`);
    assert.equal(await d.stop("SIGTERM"), 0);
    return { bridge: `br-${net.Id.slice(0, 12)}`, veths };
  }

  for (const [what, lose] of [
    ["emptied (0 bytes)", (): void => writeFileSync(`${d.tmp}/data/dnet.db`, "")],
    ["deleted", (): void => rmSync(`${d.tmp}/data/dnet.db`)],
  ] as const) {
    it(`${what}: a loud warning naming the objects, which are removed; the same subnet and address work again`, { timeout: 60_000 }, async () => {
      const subnet = what.startsWith("emptied") ? "10.191.0" : "10.192.0";
      const old = await earlierRun(subnet);
      lose();
      const mark = d.log.length;
      await d.start();
      const log = d.log.slice(mark);
      const warning = log.split("\n").find((l) => /level=warn/.test(l) && /dnet\.db/.test(l) && /(empty|missing)/.test(l)) ?? "";
      assert.notEqual(warning, "", `a warning about the database:\n${log}`);
      for (const name of [old.bridge, ...old.veths, "olda", "oldb"]) assert.match(warning, new RegExp(name), `the warning names ${name}: ${warning}`);
      const links = hostLinks();
      for (const name of [old.bridge, ...old.veths]) assert.ok(!links.includes(name), `${name} removed`);
      assert.deepEqual(readdirSync(d.netnsDir), [], "no netns file left");
      assert.deepEqual(readdirSync(`${d.netnsDir}-uts`), [], "no UTS namespace file left");
      assert.doesNotMatch(nftTable(), new RegExp(subnet.replace(/\./g, "\\.")), "no firewall element of the old network");
      // The same subnet and addresses, now without a stale twin in the kernel.
      await d.client.createNetwork({ Name: "new", IPAM: { Config: [{ Subnet: `${subnet}.0/24` }] } });
      const a = await d.client.createSandbox({ Name: "newa", Networks: [{ Network: "new", IPv4Address: `${subnet}.10` }] });
      await d.client.createSandbox({ Name: "newb", Networks: [{ Network: "new", IPv4Address: `${subnet}.11` }] });
      d.inNetns(a.Key, "ping", ["-c1", "-W2", `${subnet}.11`]);
      await assertConsistent(d);
      console.log(`database ${what}: ${warning.replace(/^.*msg=/, "msg=").slice(0, 300)}`);
      await d.client.removeSandbox("newa", true);
      await d.client.removeSandbox("newb", true);
      await d.client.removeNetwork("new");
    });
  }
});
