// A controller whose networks use plugins that misbehave (root: sandboxes are real namespaces): each
// fault is a typed error and leaves nothing half made — no record, no held address, no interface in the
// sandbox, no pending join — and a plugin that comes back is used again without restarting anything.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Controller, type Controller as NetworkController } from "../libnetwork.js";
import { FakePlugin, QUIET_PLUGIN, type FakeReply, type FakeScript } from "../testing/fake-plugin.js";
import { rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { PluginErrorCodes } from "./errors.js";

const OK: FakeReply = { json: {} };
/** A plugin that works: its joins make a veth in this (the host's) namespace and name one end. */
function workingScript(made: string[]): FakeScript {
  return {
    ...QUIET_PLUGIN,
    "NetworkDriver.CreateNetwork": OK, "NetworkDriver.DeleteNetwork": OK, "NetworkDriver.CreateEndpoint": { json: { Interface: {} } },
    "NetworkDriver.DeleteEndpoint": OK, "NetworkDriver.Leave": OK, "NetworkDriver.EndpointOperInfo": { json: { Value: { "plugin.says": "hi" } } },
    "NetworkDriver.Join": () => {
      const tag = uniqueName("");
      run("ip", ["link", "add", `dnf${tag}`, "type", "veth", "peer", "name", `dnq${tag}`]);
      made.push(`dnf${tag}`);
      return { json: { InterfaceName: { SrcName: `dnq${tag}`, DstPrefix: "lnx" }, Gateway: "10.236.1.1", StaticRoutes: [{ Destination: "192.0.2.0/24", RouteType: 0, NextHop: "10.236.1.1" }] } };
    },
  };
}

describe("a controller on plugins that misbehave (root)", { ...rootOnly, timeout: 60_000 }, () => {
  let dir: string;
  let pdir: string;
  let c: NetworkController;
  const fakes: FakePlugin[] = [];
  const made: string[] = [];

  before(async () => {
    dir = mkdtempSync("/tmp/dnet-plugin-ctl-");
    pdir = join(dir, "plugins");
    writeFileSync(join(dir, "resolv.conf"), "nameserver 192.0.2.53\n");
    c = await Controller.create({
      dataDir: join(dir, "data"), netnsDir: join(dir, "netns"), etcNetnsDir: join(dir, "netns-etc"), hostResolvConf: join(dir, "resolv.conf"),
      firewall: "none", embeddedDns: false,
      plugins: { dir: pdir, lookup: { timeoutMs: 160, firstDelayMs: 10 }, retry: { timeoutMs: 160, firstDelayMs: 10 }, callTimeoutMs: 300 },
    });
  });
  after(async () => {
    for (const sb of c?.sandboxes() ?? []) await sb.delete().catch(() => {});
    for (const ep of c?.endpoints() ?? []) await ep.delete(true).catch(() => {});
    for (const n of c?.networks() ?? []) if (n.info().driver.startsWith("pf")) await n.delete().catch(() => {});
    await c?.close();
    for (const f of fakes) await f.stop();
    for (const l of made) tryRun("ip", ["link", "del", l]);
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(`${dir}/`));
    for (const m of mounts) tryRun("umount", ["-l", m]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function plugin(script: FakeScript): Promise<{ name: string; f: FakePlugin }> {
    const name = uniqueName("pf");
    const f = await FakePlugin.start(join(pdir, `${name}.sock`), script);
    fakes.push(f);
    return { name, f };
  }
  const names = (): string[] => c.networks().map((n) => n.name);

  test("CreateNetwork answered with Err, HTTP 500 or garbage: a typed error, no network, its subnet free again", async () => {
    const cases: ReadonlyArray<readonly [FakeReply, Record<string, unknown>]> = [
      [{ json: { Err: "no room" } }, { code: PluginErrorCodes.remote, message: "remote: no room" }],
      [{ json: { Err: "boom" }, status: 500 }, { code: PluginErrorCodes.httpStatus, message: "NetworkDriver.CreateNetwork: boom" }],
      [{ raw: "%%garbage%%" }, { code: PluginErrorCodes.badResponse }],
    ];
    for (const [reply, expected] of cases) {
      const { name } = await plugin({ ...QUIET_PLUGIN, "NetworkDriver.CreateNetwork": reply });
      await assert.rejects(c.createNetwork({ name, driver: name, ipam: { config: [{ subnet: "10.236.9.0/24" }] } }), expected);
      assert.ok(!names().includes(name));
    }
    const { name } = await plugin(workingScript(made));
    const n = await c.createNetwork({ name, driver: name, ipam: { config: [{ subnet: "10.236.9.0/24" }] } });
    await n.delete();
  });

  test("a plugin that hangs: a timeout after the call's limit, nothing recorded, and it is told to undo (DeleteNetwork)", async () => {
    const { name, f } = await plugin({ ...QUIET_PLUGIN, "NetworkDriver.CreateNetwork": "hang", "NetworkDriver.DeleteNetwork": OK });
    await assert.rejects(c.createNetwork({ name, driver: name, ipam: { config: [{ subnet: "10.236.8.0/24" }] } }), { kind: "timeout", code: PluginErrorCodes.timeout });
    assert.ok(!names().includes(name));
    assert.deepEqual(f.methods.slice(-2), ["NetworkDriver.CreateNetwork", "NetworkDriver.DeleteNetwork"]);
  });

  test("a plugin that dies in the middle of a join: the join fails, nothing of it stays; restarted, it is found again", async () => {
    const { name, f } = await plugin({ ...workingScript(made), "NetworkDriver.Join": "drop" });
    const n = await c.createNetwork({ name, driver: name, ipam: { config: [{ subnet: "10.236.1.0/24" }] } });
    const ep = await n.createEndpoint({ name: "e1" });
    const sb = await c.createSandbox({ containerId: uniqueName("ctr") });
    await assert.rejects(ep.join(sb), { kind: "unavailable", code: PluginErrorCodes.unreachable });
    assert.equal(ep.info().sandboxId, undefined);
    assert.deepEqual(sb.info().endpoints, []);
    assert.deepEqual(linksIn(sb.key), ["lo"]);
    await f.stop();
    f.script = workingScript(made);
    await f.listen();
    await ep.join(sb);
    // The plugin said DstPrefix "lnx": dnet names interfaces itself (the network's container_iface_prefix;
    // the failed join used up eth0, as any failed join does).
    const ifname = ep.info().ifname ?? "";
    assert.match(ifname, /^eth\d$/);
    assert.deepEqual(linksIn(sb.key), [ifname, "lo"]);
    assert.match(run("nsenter", [`--net=${sb.key}`, "ip", "-4", "-o", "addr", "show", "dev", ifname]), /10\.236\.1\.2\/24/);
    assert.match(run("nsenter", [`--net=${sb.key}`, "ip", "route"]), new RegExp(`default via 10\\.236\\.1\\.1 dev ${ifname}[\\s\\S]*192\\.0\\.2\\.0/24 via 10\\.236\\.1\\.1`));
    assert.equal(ep.driverInfo()["plugin.says"], "hi", "EndpointOperInfo as the plugin answered it");
    await ep.leave(sb);
    await ep.delete();
    await sb.delete();
    await n.delete();
  });

  test("a missing plugin: an unknown driver once Docker's back-off (scaled down) is over; found once its socket appears", async () => {
    const name = uniqueName("pf");
    await assert.rejects(c.createNetwork({ name, driver: name }), { kind: "not-found", code: "ERR_DRIVER_NOT_FOUND", message: /plugin not found/ });
    await assert.rejects(c.createNetwork({ name, driver: "bridge", ipam: { driver: name } }), { kind: "not-found", code: "ERR_IPAM_DRIVER_NOT_FOUND" });
    assert.ok(!names().includes(name));
    fakes.push(await FakePlugin.start(join(pdir, `${name}.sock`), workingScript(made)));
    const n = await c.createNetwork({ name, driver: name, ipam: { config: [{ subnet: "10.236.7.0/24" }] } });
    await n.delete();
  });

  test("a name with path characters is refused as a plugin name, with nothing looked up or served", async () => {
    await assert.rejects(c.createNetwork({ name: uniqueName("x"), driver: "../../etc/evil" }), { kind: "invalid-argument", code: PluginErrorCodes.invalidName });
    await assert.rejects(c.createNetwork({ name: uniqueName("x"), driver: "bridge", ipam: { driver: "a/b" } }), { code: PluginErrorCodes.invalidName });
    await assert.rejects(Controller.create({
      dataDir: join(dir, "data-evil"), netnsDir: join(dir, "netns-evil"), etcNetnsDir: join(dir, "etc-evil"), hostResolvConf: join(dir, "resolv.conf"),
      firewall: "none", embeddedDns: false, plugins: { dir: pdir, serve: "../evil" },
    }), { kind: "invalid-argument", code: PluginErrorCodes.invalidName });
  });

  test("a restart gives a remote IPAM its pools and addresses again only when it asks for it (RequiresRequestReplay)", async () => {
    for (const replay of [true, false]) {
      const { name, f } = await plugin(ipamScript(made, { replay, mac: false }));
      const options = {
        dataDir: join(dir, `data-${name}`), netnsDir: join(dir, `netns-${name}`), etcNetnsDir: join(dir, `etc-${name}`), hostResolvConf: join(dir, "resolv.conf"),
        firewall: "none", embeddedDns: false, plugins: { dir: pdir, callTimeoutMs: 2_000 },
      } as const;
      let c2 = await Controller.create(options);
      const n = await c2.createNetwork({ name, driver: name, ipam: { driver: name } });
      const ep = await n.createEndpoint({ name: "e1" });
      assert.equal(ep.info().address, "10.236.5.11/24", "after the gateway (.10)");
      await c2.close();
      const before = f.calls.length;
      c2 = await Controller.create(options);
      const asked = f.calls.slice(before).filter((x) => x.method.startsWith("IpamDriver.Request")).map((x) => [x.method, x.body]);
      assert.deepEqual(asked, replay ? [
        ["IpamDriver.RequestPool", { AddressSpace: "L", Pool: "10.236.5.0/24", SubPool: "", Options: {}, V6: false }],
        ["IpamDriver.RequestAddress", { PoolID: "P1", Address: "10.236.5.10", Options: {} }],
        ["IpamDriver.RequestAddress", { PoolID: "P1", Address: "10.236.5.11", Options: {} }],
      ] : []);
      await c2.network(name).endpoints()[0]?.delete();
      await c2.network(name).delete();
      await c2.close();
    }
  });

  test("an IPAM plugin that requires the MAC gets one with the endpoint's address request, the same the driver gets", async () => {
    const { name, f } = await plugin(ipamScript(made, { replay: false, mac: true }));
    const n = await c.createNetwork({ name, driver: name, ipam: { driver: name } });
    const ep = await n.createEndpoint({ name: "e1" });
    const mac = ep.info().macAddress ?? "";
    assert.match(mac, /^02:42:([0-9a-f]{2}:){3}[0-9a-f]{2}$/);
    const request = f.calls.filter((x) => x.method === "IpamDriver.RequestAddress").at(-1)?.body as { Options: Record<string, string> };
    assert.equal(request.Options["com.docker.network.endpoint.macaddress"], mac);
    const created = f.calls.find((x) => x.method === "NetworkDriver.CreateEndpoint")?.body as { Interface: { MacAddress: string } };
    assert.equal(created.Interface.MacAddress, mac);
    await ep.delete();
    await n.delete();
  });

  test("a remote IPAM that fails an address request: typed error, no endpoint, the network still usable", async () => {
    const { name } = await plugin({
      ...workingScript(made),
      "IpamDriver.GetDefaultAddressSpaces": { json: { LocalDefaultAddressSpace: "L", GlobalDefaultAddressSpace: "G" } },
      "IpamDriver.RequestPool": { json: { PoolID: "P1", Pool: "10.236.6.0/24", Data: { "com.docker.network.gateway": "10.236.6.1/24" } } },
      "IpamDriver.RequestAddress": { json: { Error: "pool exhausted" } },
      "IpamDriver.ReleasePool": OK, "IpamDriver.ReleaseAddress": OK,
    });
    const n = await c.createNetwork({ name, driver: name, ipam: { driver: name } });
    assert.equal(n.info().ipam.v4Info[0]?.gateway, "10.236.6.1/24");
    await assert.rejects(n.createEndpoint({ name: "e1" }), { kind: "internal", code: PluginErrorCodes.remote, message: "remote: pool exhausted" });
    assert.deepEqual(n.endpoints(), []);
    await n.delete();
  });
});

/** An IPAM plugin (and quiet driver) that hands out .10, .11 … of 10.236.5.0/24 and says whether it wants replays and MACs. */
function ipamScript(made: string[], caps: { replay: boolean; mac: boolean }): FakeScript {
  let next = 10;
  return {
    ...workingScript(made),
    "IpamDriver.GetCapabilities": { json: { RequiresMACAddress: caps.mac, RequiresRequestReplay: caps.replay } },
    "IpamDriver.GetDefaultAddressSpaces": { json: { LocalDefaultAddressSpace: "L", GlobalDefaultAddressSpace: "G" } },
    "IpamDriver.RequestPool": { json: { PoolID: "P1", Pool: "10.236.5.0/24", Data: {} } },
    "IpamDriver.RequestAddress": (call) => {
      const wanted = (call.body as { Address?: string }).Address ?? "";
      return { json: { Address: `${wanted === "" ? `10.236.5.${next++}` : wanted}/24`, Data: {} } };
    },
    "IpamDriver.ReleaseAddress": OK, "IpamDriver.ReleasePool": OK,
  };
}

function linksIn(key: string): string[] {
  return (JSON.parse(run("nsenter", [`--net=${key}`, "ip", "-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
}
