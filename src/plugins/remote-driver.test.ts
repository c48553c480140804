// The remote driver adapter on the wire: what each contract call sends (Docker's field names, option
// keys, protocol numbers) and how each answer becomes the contract's values, against a scripted plugin.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { hasNetworkAllocation, type NetworkDriver } from "../driver-api/index.js";
import { FakePlugin, QUIET_PLUGIN, type FakeScript } from "../testing/fake-plugin.js";
import { QUICK_PLUGIN_CLIENT } from "../testing/plugin-fixtures.js";
import { parseIp, parsePrefix } from "../types/index.js";
import { PluginErrorCodes } from "./errors.js";
import { PluginLoader } from "./loader.js";
import { RemoteDriver } from "./remote-driver.js";

const PORTMAP = "com.docker.network.portmap";

describe("remote driver adapter: the wire", () => {
  let dir: string;
  let n = 0;
  const fakes: FakePlugin[] = [];
  const loaders: PluginLoader[] = [];
  before(() => { dir = mkdtempSync("/tmp/dnet-remote-driver-"); });
  after(async () => {
    for (const l of loaders) l.close();
    for (const f of fakes) await f.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function plugin(script: FakeScript): Promise<{ f: FakePlugin; d: RemoteDriver }> {
    const name = `p${n++}`;
    const f = await FakePlugin.start(join(dir, `${name}.sock`), { ...QUIET_PLUGIN, ...script });
    fakes.push(f);
    const l = new PluginLoader({ ...QUICK_PLUGIN_CLIENT, dir });
    loaders.push(l);
    const d = await l.driver(name);
    assert.ok(d instanceof RemoteDriver);
    return { f, d };
  }
  const body = (f: FakePlugin, method: string): unknown => f.calls.find((c) => c.method === `NetworkDriver.${method}`)?.body;

  test("capabilities: ConnectivityScope defaults to Scope", async () => {
    const { d } = await plugin({ "NetworkDriver.GetCapabilities": { json: { Scope: "global" } } });
    assert.deepEqual(d.capability(), { dataScope: "global", connectivityScope: "global" });
  });

  test("CreateNetwork: driver options under generic, IPv6 and internal flags, IPAM data with gateway and aux addresses", async () => {
    const { f, d } = await plugin({ "NetworkDriver.CreateNetwork": { json: {} } });
    await d.createNetwork({
      networkId: "abc", options: new Map([["foo", "bar"]]), internal: true, enableIPv6: false, ipv6: [],
      ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.55.0.0/24"), gateway: parsePrefix("10.55.0.254/24"), auxAddresses: new Map([["r", parsePrefix("10.55.0.9/24")]]) }],
    });
    assert.deepEqual(body(f, "CreateNetwork"), {
      NetworkID: "abc",
      Options: { "com.docker.network.generic": { foo: "bar" }, "com.docker.network.enable_ipv6": false, "com.docker.network.internal": true },
      IPv4Data: [{ AddressSpace: "LocalDefault", Pool: "10.55.0.0/24", Gateway: "10.55.0.254/24", AuxAddresses: { r: "10.55.0.9/24" } }], IPv6Data: [],
    });
  });

  test("CreateEndpoint: interface and Docker's port options; the plugin's MAC is taken; its EndpointOperInfo is kept with protocol names", async () => {
    const { f, d } = await plugin({
      "NetworkDriver.CreateEndpoint": { json: { Interface: { MacAddress: "02:42:0A:37:00:0B" } } },
      "NetworkDriver.EndpointOperInfo": { json: { Value: { [PORTMAP]: [{ Proto: 6, Port: 80, HostPort: 8080 }], extra: 1 } } },
    });
    const result = await d.createEndpoint({
      networkId: "abc", endpointId: "e1", iface: { address: parsePrefix("10.55.0.11/24") }, options: new Map([["com.docker.network.endpoint.x", "y"]]),
      portBindings: [{ proto: "tcp", port: 80, hostPort: 18090, hostPortEnd: 18090 }, { proto: "udp", port: 53, hostIp: parseIp("127.0.0.1"), hostPort: 0, hostPortEnd: 0 }],
    });
    assert.deepEqual(result, { iface: { macAddress: "02:42:0a:37:00:0b" } });
    assert.deepEqual(body(f, "CreateEndpoint"), {
      NetworkID: "abc", EndpointID: "e1", Interface: { Address: "10.55.0.11/24", AddressIPv6: "", MacAddress: "" },
      Options: {
        "com.docker.network.endpoint.x": "y",
        "com.docker.network.endpoint.exposedports": [{ Proto: 6, Port: 80 }, { Proto: 17, Port: 53 }],
        [PORTMAP]: [
          { Proto: 6, IP: "10.55.0.11", Port: 80, HostIP: "", HostPort: 18090, HostPortEnd: 18090 },
          { Proto: 17, IP: "10.55.0.11", Port: 53, HostIP: "127.0.0.1", HostPort: 0, HostPortEnd: 0 },
        ],
      },
    });
    assert.deepEqual([...d.endpointOperInfo("abc", "e1")], [[PORTMAP, [{ Proto: "tcp", Port: 80, HostPort: 8080 }]], ["extra", 1]]);
  });

  test("CreateEndpoint that changes what was given is rolled back (DeleteEndpoint), as Docker does", async () => {
    const { f, d } = await plugin({ "NetworkDriver.CreateEndpoint": { json: { Interface: { Address: "10.9.9.9/24" } } }, "NetworkDriver.DeleteEndpoint": { json: {} } });
    await assert.rejects(d.createEndpoint({ networkId: "abc", endpointId: "e2", iface: { address: parsePrefix("10.55.0.12/24") }, options: new Map(), portBindings: [] }),
      { kind: "forbidden", code: PluginErrorCodes.modifiedInterface, message: /driver modified interface address that was already set; rolled back/ });
    assert.deepEqual(body(f, "DeleteEndpoint"), { NetworkID: "abc", EndpointID: "e2" });
  });

  test("Join: sandbox key and options out; SrcName, gateways, static routes and the gateway-service flag back", async () => {
    const { f, d } = await plugin({
      "NetworkDriver.Join": { json: {
        InterfaceName: { SrcName: "lnpc8c88cf", DstPrefix: "lnx" }, Gateway: "10.55.0.254", GatewayIPv6: "",
        StaticRoutes: [{ Destination: "192.0.2.0/24", RouteType: 0, NextHop: "10.55.0.1" }, { Destination: "198.51.100.0/24", RouteType: 1, NextHop: "" }],
        DisableGatewayService: true,
      } },
    });
    const info = await d.join({ networkId: "abc", endpointId: "e1", sandboxKey: "/run/netns/sb1", ifname: "eth1", options: new Map([["k", "v"]]) });
    assert.deepEqual(body(f, "Join"), { NetworkID: "abc", EndpointID: "e1", SandboxKey: "/run/netns/sb1", Options: { k: "v" } });
    assert.deepEqual(info, {
      interface: { placement: "host", srcName: "lnpc8c88cf" }, gateway: parseIp("10.55.0.254"), disableGatewayService: true,
      staticRoutes: [
        { destination: parsePrefix("192.0.2.0/24"), type: "nexthop", nextHop: parseIp("10.55.0.1") },
        { destination: parsePrefix("198.51.100.0/24"), type: "connected" },
      ],
    });
  });

  test("Join without InterfaceName: no interface; an unusable answer is left again (Leave)", async () => {
    const { d } = await plugin({ "NetworkDriver.Join": { json: { InterfaceName: null } } });
    assert.deepEqual(await d.join({ networkId: "abc", endpointId: "e1", sandboxKey: "/x", ifname: "eth0", options: new Map() }), { staticRoutes: [], disableGatewayService: false });
    const bad = await plugin({ "NetworkDriver.Join": { json: { InterfaceName: { SrcName: "x0" }, Gateway: "not-an-ip" } }, "NetworkDriver.Leave": { json: {} } });
    await assert.rejects(bad.d.join({ networkId: "abc", endpointId: "e1", sandboxKey: "/x", ifname: "eth0", options: new Map() }), { code: PluginErrorCodes.badResponse, message: /Gateway "not-an-ip"/ });
    assert.ok(bad.f.methods.includes("NetworkDriver.Leave"));
  });

  test("external connectivity: the endpoint's ports as Options; a plugin without it (404) is fine", async () => {
    const { f, d } = await plugin({ "NetworkDriver.CreateEndpoint": { json: { Interface: {} } } });
    await d.createEndpoint({ networkId: "abc", endpointId: "e1", iface: { address: parsePrefix("10.55.0.11/24") }, options: new Map(), portBindings: [{ proto: "tcp", port: 80, hostPort: 8080, hostPortEnd: 8080 }] });
    await d.programExternalConnectivity("abc", "e1", { portBindings: [{ proto: "tcp", port: 80, hostPort: 8080, hostPortEnd: 8080 }] });
    await d.revokeExternalConnectivity("abc", "e1");
    assert.deepEqual(body(f, "ProgramExternalConnectivity"), {
      NetworkID: "abc", EndpointID: "e1",
      Options: { "com.docker.network.endpoint.exposedports": [{ Proto: 6, Port: 80 }], [PORTMAP]: [{ Proto: 6, IP: "10.55.0.11", Port: 80, HostIP: "", HostPort: 8080, HostPortEnd: 8080 }] },
    });
    assert.deepEqual(body(f, "RevokeExternalConnectivity"), { NetworkID: "abc", EndpointID: "e1" });
  });

  test("discovery, allocation and restore", async () => {
    const { f, d } = await plugin({
      "NetworkDriver.DiscoverNew": { json: {} }, "NetworkDriver.DiscoverDelete": { json: {} },
      "NetworkDriver.AllocateNetwork": { json: { Options: { vni: "4097" } } }, "NetworkDriver.FreeNetwork": { json: {} },
      "NetworkDriver.ProgramExternalConnectivity": { json: {} },
    });
    await d.discoverNew("node", { address: parseIp("192.0.2.10"), self: true });
    await d.discoverDelete("node", { address: parseIp("192.0.2.10"), self: true });
    assert.deepEqual(body(f, "DiscoverNew"), { DiscoveryType: 1, DiscoveryData: { Address: "192.0.2.10", BindAddress: "192.0.2.10", Self: true } });
    const driver: NetworkDriver = d;
    assert.ok(hasNetworkAllocation(driver));
    assert.deepEqual([...await driver.allocateNetwork({ networkId: "g1", options: new Map([["a", "b"]]), ipv4: [], ipv6: [], internal: false, enableIPv6: false })], [["vni", "4097"]]);
    assert.deepEqual((body(f, "AllocateNetwork") as { Options: unknown }).Options, { a: "b" });
    await driver.freeNetwork("g1");
    await d.restore({ networks: [], endpoints: [{ networkId: "abc", endpointId: "e9", iface: { address: parsePrefix("10.55.0.9/24") }, options: new Map(),
      portBindings: [{ proto: "udp", port: 53, hostPort: 5353, hostPortEnd: 5353 }], externalConnectivity: true }] });
    assert.deepEqual(f.methods.filter((m) => m.includes("ExternalConnectivity")), [], "restore asks the plugin nothing");
    await d.programExternalConnectivity("abc", "e9", { portBindings: [{ proto: "udp", port: 53, hostPort: 5353, hostPortEnd: 5353 }] });
    assert.deepEqual((body(f, "ProgramExternalConnectivity") as { Options: Record<string, unknown> }).Options[PORTMAP],
      [{ Proto: 17, IP: "10.55.0.9", Port: 53, HostIP: "", HostPort: 5353, HostPortEnd: 5353 }], "the ports it was restored with");
  });
});
