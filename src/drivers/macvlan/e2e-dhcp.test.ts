// Root end-to-end tests of DHCP addressing (`--ipam-driver dhcp`) on a macvlan network, against a real
// dnsmasq on the scratch LAN, checked through its lease file: granted (with the sandbox's MAC, hostname
// and client id), renewed at T1, released on disconnect, kept across a daemon restart; the lease's router,
// DNS server and domain in the sandbox; no server: a bounded failure that leaves nothing behind.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { rootOnly } from "../../testing/kernel.js";
import { eventually, LanWorld, type Dnsmasq, type LeaseLine, type SandboxDto } from "../../testing/lan-world.js";

describe("macvlan e2e: DHCP addressing with dnsmasq (root)", { ...rootOnly, timeout: 180_000 }, () => {
  let w: LanWorld;
  let dnsmasq: Dnsmasq;
  let s1: SandboxDto;
  const leaseOf = (mac: string | undefined): LeaseLine | undefined => dnsmasq.leases().find((l) => l.mac === mac);
  const addressOf = (sb: SandboxDto): string => sb.Endpoints[0]?.IPv4Address ?? "";

  before(async () => {
    w = await LanWorld.open(96);
    // dnsmasq's shortest lease is 2 minutes: T1 and T2 are set apart to see a renewal within the test.
    dnsmasq = await w.startDnsmasq({
      range: [`${w.net}.100`, `${w.net}.110`], lease: "2m", t1: 3, t2: 6, domain: "lan.test", hostRecords: [`printer.lan.test,${w.net}.9`],
    });
    const created = await w.d.dnet(["network", "create", "-d", "macvlan", "-o", "parent=lan0", "--ipam-driver", "dhcp", "--ipam-opt", "dhcp_timeout=5", "mvd"]);
    assert.equal(created.code, 0, created.stderr);
    await w.d.client.createSandbox({ Name: "s1", Hostname: "alpha", Networks: [{ Network: "mvd" }] });
    s1 = await w.d.client.inspectSandbox("s1");
  });
  after(async () => { await w?.cleanup(); });

  test("a connect leases an address: in dnsmasq's file with the sandbox's MAC, hostname and client id; on the interface", () => {
    const ep = s1.Endpoints[0];
    assert.match(ep?.IPv4Address ?? "", new RegExp(`^${w.net.replaceAll(".", "\\.")}\\.1(0[0-9]|10)/24$`));
    const lease = leaseOf(ep?.MacAddress);
    assert.ok(lease !== undefined, JSON.stringify(dnsmasq.leases()));
    assert.equal(`${lease.ip}/24`, ep?.IPv4Address);
    assert.equal(lease.hostname, "alpha");
    assert.equal(lease.clientId, `01:${ep?.MacAddress ?? ""}`);
    assert.match(w.d.inNetns(s1.Key, "ip", ["-4", "-br", "addr", "show", "eth0"]), new RegExp(lease.ip.replaceAll(".", "\\.")));
    assert.match(dnsmasq.log, /DHCPDISCOVER\(eth0\)[\s\S]*DHCPOFFER[\s\S]*DHCPREQUEST[\s\S]*DHCPACK/);
  });

  test("the lease's router is the default route; its domain the search; its DNS server the embedded DNS's upstream", () => {
    assert.match(w.d.inNetns(s1.Key, "ip", ["-4", "route", "show", "default"]), new RegExp(`default via ${w.net}\\.1 dev eth0`));
    assert.equal(s1.Endpoints[0]?.Gateway, `${w.net}.1`);
    const resolv = w.inSandbox(s1, ["cat", "/etc/resolv.conf"]);
    assert.match(resolv, /^search lan\.test$/m);
    assert.match(resolv, /^nameserver 127\.0\.0\.11$/m);
    assert.equal(w.inSandbox(s1, ["dig", "+short", "+time=2", "+tries=1", "@127.0.0.11", "printer.lan.test"]).trim(), `${w.net}.9`);
    assert.equal(w.inSandbox(s1, ["getent", "hosts", "printer"]).split(/\s+/)[0], `${w.net}.9`, "a short name, with the search domain");
    assert.equal(w.pings(s1, `${w.net}.1`), true);
  });

  test("renewed at T1: dnsmasq moves the lease's expiry on, same address", async () => {
    const first = leaseOf(s1.Endpoints[0]?.MacAddress);
    assert.ok(first !== undefined);
    const renewed = await eventually(() => (leaseOf(s1.Endpoints[0]?.MacAddress)?.expiry ?? 0) > first.expiry, 10_000);
    assert.ok(renewed, `no renewal seen: ${dnsmasq.log.slice(-600)}`);
    assert.equal(leaseOf(s1.Endpoints[0]?.MacAddress)?.ip, first.ip);
  });

  test("two sandboxes get two addresses and reach each other by IP and by name", async () => {
    await w.d.client.createSandbox({ Name: "s2", Hostname: "beta", Networks: [{ Network: "mvd" }] });
    const s2 = await w.d.client.inspectSandbox("s2");
    assert.notEqual(addressOf(s2), addressOf(s1));
    assert.equal(leaseOf(s2.Endpoints[0]?.MacAddress)?.hostname, "beta");
    assert.equal(w.pings(s1, addressOf(s2).split("/")[0] ?? ""), true);
    assert.equal(w.pings(s2, "s1"), true);
  });

  test("released on disconnect: the lease leaves dnsmasq's file, the endpoint its address", async () => {
    const s2 = await w.d.client.inspectSandbox("s2");
    const mac = s2.Endpoints[0]?.MacAddress;
    await w.d.client.disconnect("mvd", { Container: "s2" });
    assert.ok(await eventually(() => leaseOf(mac) === undefined, 5000), JSON.stringify(dnsmasq.leases()));
    assert.match(dnsmasq.log, /DHCPRELEASE\(eth0\)/);
    assert.deepEqual((await w.d.client.inspectSandbox("s2")).Endpoints, []);
    await w.d.client.removeSandbox("s2", true);
  });

  test("a lease is kept across a daemon restart: same address, taken back without DISCOVER, renewed again", async () => {
    const mac = s1.Endpoints[0]?.MacAddress ?? "";
    const before = leaseOf(mac);
    assert.ok(before !== undefined);
    await w.d.stop();
    const logAt = dnsmasq.log.length;
    await w.d.start();
    const after = await w.d.client.inspectSandbox("s1");
    assert.equal(addressOf(after), addressOf(s1));
    assert.ok(await eventually(() => (leaseOf(mac)?.expiry ?? 0) > before.expiry, 10_000), "the lease is confirmed and renewed after the restart");
    const since = dnsmasq.log.slice(logAt);
    assert.match(since, new RegExp(`DHCPREQUEST\\(eth0\\) ${before.ip.replaceAll(".", "\\.")} ${mac}`));
    assert.doesNotMatch(since, new RegExp(`DHCPDISCOVER\\(eth0\\) ${mac}`));
    assert.equal(w.pings(after, `${w.net}.1`), true);
  });

  test("no DHCP server: the connect fails after dhcp_timeout with a clear error and leaves nothing behind", async () => {
    await w.d.client.createNetwork({ Name: "mvn", Driver: "macvlan", Options: { parent: "lan1" }, IPAM: { Driver: "dhcp", Options: { dhcp_timeout: "2" } } });
    await w.d.client.createSandbox({ Name: "s3" });
    const s3 = await w.d.client.inspectSandbox("s3");
    const endpoints = (await w.d.client.listEndpoints()).length;
    const t0 = Date.now();
    await assert.rejects(w.d.client.connect("mvn", { Container: "s3" }), (e: unknown) => {
      assert.ok(isLibnetworkError(e), String(e));
      assert.equal(e.kind, "unavailable");
      assert.match(e.message, /no DHCP server granted a lease on eth0 within 2 s/);
      return true;
    });
    const took = Date.now() - t0;
    assert.ok(took >= 1900 && took < 10_000, `failed after ${took} ms`);
    assert.deepEqual(JSON.parse(w.d.inNetns(s3.Key, "ip", ["-j", "link", "show"])).map((l: { ifname: string }) => l.ifname), ["lo"]);
    assert.equal((await w.d.client.listEndpoints()).length, endpoints, "no endpoint left");
    assert.deepEqual((await w.d.client.inspectSandbox("s3")).Endpoints, []);
    await w.d.client.removeSandbox("s3", true);
    await w.d.client.removeNetwork("mvn");
  });
});
