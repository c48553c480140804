// Root end-to-end tests of the ipvlan driver through the daemon, on the scratch LAN of the macvlan tests.
// This kernel has no IPVLAN: there the connect must fail with a clear not-implemented error and leave
// nothing behind, and the tests of a working ipvlan are skipped with the reason. Where the kernel has it:
// l2 on the LAN with the parent's MAC, l3's `default dev eth0`, DHCP in l2.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { rootOnly } from "../../testing/kernel.js";
import { LanWorld, type SandboxDto } from "../../testing/lan-world.js";

describe("ipvlan e2e (root)", { ...rootOnly, timeout: 120_000 }, () => {
  let w: LanWorld;
  /** Why the tests of a working ipvlan cannot run here; undefined where the kernel has IPVLAN. */
  let lacking: string | undefined;
  const sandbox = async (name: string, network: string): Promise<SandboxDto> => {
    await w.d.client.createSandbox({ Name: name });
    await w.d.client.connect(network, { Container: name });
    return w.d.client.inspectSandbox(name);
  };

  before(async () => {
    w = await LanWorld.open(100);
    await w.d.client.createNetwork({ Name: "iv2", Driver: "ipvlan", Options: { parent: "lan0" }, IPAM: { Config: [{ Subnet: `${w.net}.0/24`, Gateway: `${w.net}.1` }] } });
    await w.d.client.createSandbox({ Name: "probe" });
    try {
      await w.d.client.connect("iv2", { Container: "probe" });
    } catch (err) {
      if (!isLibnetworkError(err) || err.kind !== "not-implemented") throw err;
      lacking = err.message;
    }
  });
  after(async () => { await w?.cleanup(); });

  test("without IPVLAN in the kernel: the connect fails not-implemented, naming the kernel option, and leaves nothing", async (t) => {
    if (lacking === undefined) {
      t.skip("this kernel has IPVLAN");
      return;
    }
    assert.match(lacking, /cannot create the ipvlan interface eth0: this kernel has no ipvlan links \(CONFIG_IPVLAN\)/);
    const probe = await w.d.client.inspectSandbox("probe");
    assert.deepEqual(probe.Endpoints, []);
    assert.deepEqual((JSON.parse(w.d.inNetns(probe.Key, "ip", ["-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname), ["lo"]);
    assert.equal((await w.d.client.listEndpoints()).length, 0);
  });

  test("l2: on the LAN with the parent's MAC, the LAN's router as gateway; sandboxes reach each other", async (t) => {
    if (lacking !== undefined) {
      t.skip(`this kernel has no IPVLAN: ${lacking}`);
      return;
    }
    const a = await w.d.client.inspectSandbox("probe");
    const b = await sandbox("b", "iv2");
    assert.equal(w.pings(a, `${w.net}.1`), true);
    assert.equal(w.pings(a, "b"), true);
    const parentMac = (JSON.parse(w.d.inHost("ip", ["-j", "link", "show", "lan0"])) as Array<{ address: string }>)[0]?.address;
    const eth0 = (JSON.parse(w.d.inNetns(b.Key, "ip", ["-j", "-d", "link", "show", "eth0"])) as Array<{ address: string; linkinfo?: { info_kind?: string } }>)[0];
    assert.equal(eth0?.linkinfo?.info_kind, "ipvlan");
    assert.equal(eth0?.address, parentMac);
    assert.match(w.d.inNetns(b.Key, "ip", ["-4", "route", "show", "default"]), new RegExp(`default via ${w.net}\\.1 dev eth0`));
  });

  test("l3: no gateway, a default route on the link (`default dev eth0`), as Docker's l3 mode", async (t) => {
    if (lacking !== undefined) {
      t.skip(`this kernel has no IPVLAN: ${lacking}`);
      return;
    }
    await w.d.client.createNetwork({ Name: "iv3", Driver: "ipvlan", Options: { parent: "lan1", ipvlan_mode: "l3" }, IPAM: { Config: [{ Subnet: "10.100.3.0/24" }] } });
    const c = await sandbox("c", "iv3");
    const d = await sandbox("d", "iv3");
    assert.equal(c.Endpoints[0]?.Gateway, "");
    assert.match(w.d.inNetns(c.Key, "ip", ["-4", "route", "show", "default"]), /^default dev eth0/m);
    assert.equal(w.pings(c, d.Endpoints[0]?.IPv4Address.split("/")[0] ?? ""), true);
  });

  test("DHCP in l2 with dnsmasq: the client id names the endpoint (children share the parent's MAC)", async (t) => {
    if (lacking !== undefined) {
      t.skip(`this kernel has no IPVLAN: ${lacking}`);
      return;
    }
    const m = await w.startDnsmasq({ range: [`${w.net}.100`, `${w.net}.110`], lease: "2m" });
    await w.d.client.createNetwork({ Name: "ivd", Driver: "ipvlan", Options: { parent: "lan0" }, IPAM: { Driver: "dhcp" } });
    const e = await sandbox("e", "ivd");
    const f = await sandbox("f", "ivd");
    assert.notEqual(e.Endpoints[0]?.IPv4Address, f.Endpoints[0]?.IPv4Address);
    const ids = m.leases().map((l) => l.clientId);
    assert.equal(ids.length, 2);
    assert.ok(ids.every((id) => id.startsWith("00:")), JSON.stringify(ids));
  });
});
