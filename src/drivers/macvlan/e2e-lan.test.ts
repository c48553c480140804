// Root end-to-end tests of the macvlan driver through the daemon (static addressing): sandboxes on a
// scratch "LAN" reach its host and each other by IP and by name; macvlan children with their own MACs;
// several networks on one parent; private mode; the host cannot reach its own children (the kernel); a
// restart. VLAN and dummy parents run where the kernel has 8021q and dummy, and are skipped here with the
// reason (after checking the clear not-implemented error and that nothing was left).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { rootOnly } from "../../testing/kernel.js";
import { eventually, LanWorld, type SandboxDto } from "../../testing/lan-world.js";

interface IpLink { ifname: string; address?: string; group?: string; linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> } }

describe("macvlan e2e: a sandbox on the LAN (root)", { ...rootOnly, timeout: 180_000 }, () => {
  let w: LanWorld;
  let s1: SandboxDto;
  let s2: SandboxDto;
  const sandbox = async (name: string, network?: string): Promise<SandboxDto> => {
    await w.d.client.createSandbox({ Name: name, ...(network === undefined ? {} : { Networks: [{ Network: network }] }) });
    return w.d.client.inspectSandbox(name);
  };
  const links = (run: (cmd: string, args: readonly string[]) => string): IpLink[] => JSON.parse(run("ip", ["-j", "-d", "link", "show"])) as IpLink[];
  const hostLinks = (): IpLink[] => links((c, a) => w.d.inHost(c, a));

  before(async () => {
    w = await LanWorld.open(91);
    // The README's worked example, through the CLI.
    const created = await w.d.dnet(["network", "create", "-d", "macvlan", "-o", "parent=lan0", "--subnet", `${w.net}.0/24`, "--gateway", `${w.net}.1`, "mv1"]);
    assert.equal(created.code, 0, created.stderr);
    s1 = await sandbox("s1", "mv1");
    s2 = await sandbox("s2", "mv1");
  });
  after(async () => { await w?.cleanup(); });

  test("the sandboxes reach the LAN's host and each other by IP", () => {
    assert.equal(w.pings(s1, `${w.net}.1`), true);
    assert.equal(w.pings(s1, `${w.net}.3`), true, "s1 → s2");
    assert.equal(w.pings(s2, `${w.net}.2`), true, "s2 → s1");
  });

  test("and each other by name, through the embedded DNS", () => {
    assert.match(w.inSandbox(s1, ["cat", "/etc/resolv.conf"]), /nameserver 127\.0\.0\.11/);
    assert.equal(w.pings(s1, "s2"), true);
    assert.equal(w.pings(s2, "s1"), true);
    assert.equal(w.inSandbox(s1, ["dig", "+short", "@127.0.0.11", "s2"]).trim(), `${w.net}.3`);
  });

  test("each interface is a macvlan child of lan0 in bridge mode, MAC 02:42:<IPv4>, default route via the LAN's router", () => {
    const eth0 = links((c, a) => w.d.inNetns(s1.Key, c, a)).find((l) => l.ifname === "eth0");
    assert.equal(eth0?.linkinfo?.info_kind, "macvlan");
    assert.equal(eth0?.linkinfo?.info_data?.["mode"], "bridge");
    assert.equal(eth0?.address, "02:42:c0:a8:5b:02");
    assert.match(w.d.inNetns(s1.Key, "ip", ["-4", "route", "show", "default"]), new RegExp(`default via ${w.net}\\.1 dev eth0`));
    assert.equal(s1.Endpoints[0]?.Gateway, `${w.net}.1`);
    // The LAN learnt the sandbox's own MAC, not the parent's.
    const neigh = JSON.parse(w.inLan("ip", ["-j", "neigh", "show", `${w.net}.2`])) as Array<{ lladdr?: string }>;
    assert.equal(neigh[0]?.lladdr, "02:42:c0:a8:5b:02");
    assert.deepEqual(hostLinks().filter((l) => l.linkinfo?.info_kind === "macvlan"), [], "nothing of the join stays in the host's netns");
  });

  test("the host cannot reach its own macvlan children through the parent (the kernel's macvlan), the LAN can", () => {
    assert.throws(() => w.d.inHost("ping", ["-c1", "-W1", `${w.net}.2`]));
    assert.doesNotThrow(() => w.inLan("ping", ["-c1", "-W2", `${w.net}.2`]));
  });

  test("several networks on one parent with different subnets; an overlapping subnet is refused, nothing made", async () => {
    w.inLan("ip", ["addr", "add", "10.93.0.1/24", "dev", "eth0"]);
    await w.d.client.createNetwork({ Name: "mv2", Driver: "macvlan", Options: { parent: "lan0" }, IPAM: { Config: [{ Subnet: "10.93.0.0/24", Gateway: "10.93.0.1" }] } });
    const s3 = await sandbox("s3", "mv2");
    assert.equal(w.pings(s3, "10.93.0.1"), true);
    const before = JSON.stringify(await w.d.client.listNetworks());
    await assert.rejects(w.d.client.createNetwork({ Name: "mv3", Driver: "macvlan", Options: { parent: "lan0" }, IPAM: { Config: [{ Subnet: `${w.net}.128/25` }] } }),
      // The default IPAM refuses it first (one address space); the parent's own check stands behind it.
      (e: unknown) => isLibnetworkError(e) && ["conflict", "forbidden"].includes(e.kind) && /overlap/i.test(e.message));
    assert.equal(JSON.stringify(await w.d.client.listNetworks()), before);
    await w.d.client.removeSandbox("s3", true);
    await w.d.client.removeNetwork("mv2");
  });

  test("private mode: children on the LAN do not reach each other", async () => {
    await w.d.client.createNetwork({ Name: "mvp", Driver: "macvlan", Options: { parent: "lan1", macvlan_mode: "private" }, IPAM: { Config: [{ Subnet: `${w.net1}.0/24`, Gateway: `${w.net1}.1` }] } });
    const p1 = await sandbox("p1", "mvp");
    const p2 = await sandbox("p2", "mvp");
    assert.equal(w.pings(p1, `${w.net1}.1`), true);
    assert.equal(w.pings(p1, p2.Endpoints[0]?.IPv4Address.split("/")[0] ?? ""), false);
    for (const n of ["p1", "p2"]) await w.d.client.removeSandbox(n, true);
    await w.d.client.removeNetwork("mvp");
  });

  test("disconnect and connect at once: the same address and MAC again, on eth0 again (Docker 28 reuses free numbers); the old child is deleted", async () => {
    await w.d.client.disconnect("mv1", { Container: "s2" });
    // No pause: the new child needs the MAC (02:42:<IPv4>) the old one holds until the kernel has closed it.
    await w.d.client.connect("mv1", { Container: "s2" });
    const again = await w.d.client.inspectSandbox("s2");
    assert.equal(again.Endpoints[0]?.IfName, "eth0");
    assert.equal(again.Endpoints[0]?.IPv4Address, s2.Endpoints[0]?.IPv4Address);
    assert.equal(again.Endpoints[0]?.MacAddress, s2.Endpoints[0]?.MacAddress);
    assert.equal(w.pings(again, `${w.net}.1`), true);
    const names = (): string[] => links((c, a) => w.d.inNetns(s2.Key, c, a)).map((l) => l.ifname).sort();
    assert.ok(await eventually(() => JSON.stringify(names()) === JSON.stringify(["eth0", "lo"]), 5000), JSON.stringify(names()));
    s2 = again;
  });

  test("after a daemon restart the sandboxes still work, and the network can be left and deleted", async () => {
    await w.d.stop();
    await w.d.start();
    assert.equal(w.pings(s1, `${w.net}.1`), true);
    assert.equal(w.pings(s1, "s2"), true);
  });

  test("parent lan0.10: the VLAN sub-interface is made, used by one network only, deleted with it", async (t) => {
    const hostBefore = hostLinks().map((l) => l.ifname).sort();
    const create = (name: string): Promise<unknown> => w.d.client.createNetwork({ Name: name, Driver: "macvlan", Options: { parent: "lan0.10" }, IPAM: { Config: [{ Subnet: "10.94.10.0/24" }] } });
    try {
      await create("mv10");
    } catch (err) {
      assert.ok(isLibnetworkError(err) && err.kind === "not-implemented", String(err));
      assert.match(err.message, /cannot create lan0\.10: this kernel has no 802\.1Q VLAN links \(CONFIG_VLAN_8021Q\)/);
      assert.deepEqual(hostLinks().map((l) => l.ifname).sort(), hostBefore, "nothing made");
      assert.equal((await w.d.client.listNetworks()).some((n) => n.Name === "mv10"), false);
      t.skip(`this kernel has no 8021q: ${err.message}`);
      return;
    }
    const vlan = hostLinks().find((l) => l.ifname === "lan0.10");
    assert.equal(vlan?.linkinfo?.info_kind, "vlan");
    assert.equal(vlan?.linkinfo?.info_data?.["id"], 10);
    await assert.rejects(create("mv10b"), (e: unknown) => isLibnetworkError(e) && e.kind === "forbidden" && /already using parent interface lan0\.10/.test(e.message));
    w.inLan("ip", ["link", "add", "link", "eth0", "name", "eth0.10", "type", "vlan", "id", "10"]);
    w.inLan("ip", ["addr", "add", "10.94.10.1/24", "dev", "eth0.10"]);
    w.inLan("ip", ["link", "set", "eth0.10", "up"]);
    const v1 = await sandbox("v1", "mv10");
    assert.equal(w.pings(v1, "10.94.10.1"), true, "tagged frames reach the LAN's VLAN 10");
    await w.d.client.removeSandbox("v1", true);
    await w.d.client.removeNetwork("mv10");
    assert.equal(hostLinks().some((l) => l.ifname === "lan0.10"), false, "dnet made it, dnet deleted it");
    w.d.inHost("ip", ["link", "add", "link", "lan0", "name", "lan0.20", "type", "vlan", "id", "20"]);
    await w.d.client.createNetwork({ Name: "mv20", Driver: "macvlan", Options: { parent: "lan0.20" }, IPAM: { Config: [{ Subnet: "10.94.20.0/24" }] } });
    await w.d.client.removeNetwork("mv20");
    assert.equal(hostLinks().some((l) => l.ifname === "lan0.20"), true, "a VLAN link dnet did not make is left in place");
  });

  test("no parent (or --internal): a dummy parent; sandboxes reach each other only", async (t) => {
    const hostBefore = hostLinks().map((l) => l.ifname).sort();
    let id: string;
    try {
      id = (await w.d.client.createNetwork({ Name: "mvi", Driver: "macvlan", Internal: true, IPAM: { Config: [{ Subnet: "10.95.0.0/24" }] } })).Id;
    } catch (err) {
      assert.ok(isLibnetworkError(err) && err.kind === "not-implemented", String(err));
      assert.match(err.message, /cannot create dm-[0-9a-f]{12}: this kernel has no dummy links \(CONFIG_DUMMY\)/);
      assert.deepEqual(hostLinks().map((l) => l.ifname).sort(), hostBefore, "nothing made");
      t.skip(`this kernel has no dummy links: ${err.message}`);
      return;
    }
    assert.equal(hostLinks().some((l) => l.ifname === `dm-${id.slice(0, 12)}`), true);
    const i1 = await sandbox("i1", "mvi");
    const i2 = await sandbox("i2", "mvi");
    assert.equal(i1.Endpoints[0]?.Gateway, "", "no gateway on an internal network");
    assert.equal(w.pings(i1, i2.Endpoints[0]?.IPv4Address.split("/")[0] ?? ""), true);
    assert.equal(w.pings(i1, `${w.net}.1`), false);
    for (const n of ["i1", "i2"]) await w.d.client.removeSandbox(n, true);
    await w.d.client.removeNetwork("mvi");
    assert.equal(hostLinks().some((l) => l.ifname === `dm-${id.slice(0, 12)}`), false);
  });

  test("a parent gone while the daemon was down: the network is still known, a connect says why it fails, delete works", async () => {
    await w.d.client.createNetwork({ Name: "mvx", Driver: "macvlan", Options: { parent: "lan1" }, IPAM: { Config: [{ Subnet: "10.96.0.0/24" }] } });
    await w.d.stop();
    w.d.inHost("ip", ["link", "del", "lan1"]);
    await w.d.start();
    await w.d.client.createSandbox({ Name: "x1" });
    await assert.rejects(w.d.client.connect("mvx", { Container: "x1" }), (e: unknown) => {
      assert.ok(isLibnetworkError(e), String(e));
      assert.match(e.message, /parent interface lan1 of macvlan network [0-9a-f]{64} is gone/);
      return true;
    });
    assert.deepEqual((await w.d.client.inspectSandbox("x1")).Endpoints, []);
    await w.d.client.removeSandbox("x1", true);
    await w.d.client.removeNetwork("mvx");
  });
});
