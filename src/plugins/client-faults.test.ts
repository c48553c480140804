// The client against plugins that misbehave (a scripted plugin on a unix socket): media types and the
// handshake, error answers as typed errors, garbage, a hang (every call has a time limit), a plugin that
// dies in the middle of a call, one that is missing, and one that restarts (found again, even elsewhere).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { NetworkDriver } from "../driver-api/index.js";
import { FakePlugin, QUIET_PLUGIN, type FakeScript } from "../testing/fake-plugin.js";
import { QUICK_PLUGIN_CLIENT } from "../testing/plugin-fixtures.js";
import { PluginErrorCodes } from "./errors.js";
import { PluginLoader, type PluginClientOptions } from "./loader.js";
import { PLUGIN_MEDIA_TYPE } from "./transport.js";

const NET = { networkId: "n1", options: new Map<string, string>(), ipv4: [], ipv6: [], internal: false, enableIPv6: false };

describe("plugin client faults", () => {
  let dir: string;
  const fakes: FakePlugin[] = [];
  const loaders: PluginLoader[] = [];
  before(() => { dir = mkdtempSync("/tmp/dnet-plugin-faults-"); });
  after(async () => {
    for (const l of loaders) l.close();
    for (const f of fakes) await f.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function fake(name: string, script: FakeScript): Promise<FakePlugin> {
    const f = await FakePlugin.start(join(dir, `${name}.sock`), { ...QUIET_PLUGIN, ...script });
    fakes.push(f);
    return f;
  }
  function loader(extra: PluginClientOptions = {}): PluginLoader {
    const l = new PluginLoader({ ...QUICK_PLUGIN_CLIENT, dir, ...extra });
    loaders.push(l);
    return l;
  }
  async function driver(name: string, extra: PluginClientOptions = {}): Promise<NetworkDriver> {
    const d = await loader(extra).driver(name);
    assert.ok(d !== undefined, `plugin ${name} found`);
    return d;
  }

  test("one handshake with Docker's media type, shared by both sides; the plugin must implement what is asked", async () => {
    const f = await fake("hs", { "IpamDriver.GetDefaultAddressSpaces": { json: { LocalDefaultAddressSpace: "l", GlobalDefaultAddressSpace: "g" } } });
    const l = loader();
    await l.driver("hs");
    await l.ipam("hs");
    assert.deepEqual(f.methods, ["Plugin.Activate", "NetworkDriver.GetCapabilities", "IpamDriver.GetCapabilities", "IpamDriver.GetDefaultAddressSpaces"]);
    assert.ok(f.calls.every((c) => c.accept === PLUGIN_MEDIA_TYPE && c.contentType === PLUGIN_MEDIA_TYPE));
    assert.equal(f.calls[0]?.body, null, "Plugin.Activate has no body");
    await fake("ipamonly", { "Plugin.Activate": { json: { Implements: ["IpamDriver"] } } });
    await assert.rejects(loader().driver("ipamonly"), { kind: "not-found", code: PluginErrorCodes.notImplements, message: /does not implement NetworkDriver \(it implements: IpamDriver\)/ });
  });

  test("answers in the v1, v1.1 and v1.2 media types are read; another version is refused", async () => {
    for (const v of ["1", "1.1", "1.2"]) {
      await fake(`mt${v.replace(".", "")}`, { "NetworkDriver.CreateNetwork": { json: {}, contentType: `application/vnd.docker.plugins.v${v}+json` } });
      await (await driver(`mt${v.replace(".", "")}`)).createNetwork(NET);
    }
    await fake("mt2", { "NetworkDriver.CreateNetwork": { json: {}, contentType: "application/vnd.docker.plugins.v2+json" } });
    await assert.rejects((await driver("mt2")).createNetwork(NET), { code: PluginErrorCodes.badResponse, message: /version dnet does not speak/ });
  });

  test('{"Err"} (network) and {"Error"} (IPAM) answers are Docker\'s "remote: …", typed', async () => {
    await fake("err", {
      "NetworkDriver.CreateNetwork": { json: { Err: "no such thing" } },
      "NetworkDriver.DeleteNetwork": { json: { Err: "taken", Kind: "conflict", Code: "ERR_SOMETHING_TAKEN" } },
      "IpamDriver.GetDefaultAddressSpaces": { json: { LocalDefaultAddressSpace: "l", GlobalDefaultAddressSpace: "g" } },
      "IpamDriver.RequestPool": { json: { Error: "no v6 here" } },
    });
    const d = await driver("err");
    await assert.rejects(d.createNetwork(NET), { name: "PluginError", kind: "internal", code: PluginErrorCodes.remote, message: "remote: no such thing", plugin: "err", method: "NetworkDriver.CreateNetwork" });
    await assert.rejects(d.deleteNetwork("n1"), { kind: "conflict", code: "ERR_SOMETHING_TAKEN", message: "remote: taken" });
    const ipam = await loader().ipam("err");
    await assert.rejects(ipam!.requestPool({ addressSpace: "l", v6: true }), { code: PluginErrorCodes.remote, message: "remote: no v6 here" });
  });

  test("HTTP 500 and other statuses: `<Interface.Method>: <Err or body>`; 404 is not-implemented", async () => {
    await fake("st", {
      "NetworkDriver.CreateNetwork": { json: { Err: "boom" }, status: 500 },
      "NetworkDriver.DeleteNetwork": { raw: "internal trouble\n", status: 500, contentType: "text/plain" },
      "NetworkDriver.Leave": { raw: "bad", status: 400 },
    });
    const d = await driver("st");
    await assert.rejects(d.createNetwork(NET), { kind: "internal", code: PluginErrorCodes.httpStatus, message: "NetworkDriver.CreateNetwork: boom" });
    await assert.rejects(d.deleteNetwork("n1"), { message: "NetworkDriver.DeleteNetwork: internal trouble" });
    await assert.rejects(d.leave("n1", "e1"), { kind: "invalid-argument" });
    await assert.rejects(d.deleteEndpoint("n1", "e1"), { kind: "not-implemented", code: PluginErrorCodes.httpStatus, message: /^NetworkDriver.DeleteEndpoint: 404/ });
  });

  test("garbage answers are refused as bad responses, naming the method", async () => {
    await fake("junk", {
      "NetworkDriver.CreateNetwork": { raw: "<html>hello</html>" },
      "NetworkDriver.DeleteNetwork": { json: [1, 2] },
      "NetworkDriver.Join": { json: { InterfaceName: { SrcName: "a/b" } } },
      "NetworkDriver.Leave": { json: {} },
    });
    const d = await driver("junk");
    await assert.rejects(d.createNetwork(NET), { kind: "internal", code: PluginErrorCodes.badResponse, message: /NetworkDriver.CreateNetwork answered something that is not a JSON object: "<html>/ });
    await assert.rejects(d.deleteNetwork("n1"), { code: PluginErrorCodes.badResponse });
    await assert.rejects(d.join({ networkId: "n1", endpointId: "e1", sandboxKey: "/x", ifname: "eth0", options: new Map() }), { code: PluginErrorCodes.badResponse, message: /SrcName "a\/b" is not an interface name/ });
    await fake("scope", { "NetworkDriver.GetCapabilities": { json: { Scope: "galaxy" } } });
    await assert.rejects(loader().driver("scope"), { code: PluginErrorCodes.badResponse, message: /invalid capability: expecting 'local' or 'global', got "galaxy"/ });
  });

  test("a plugin that hangs: the call fails with a timeout after its limit", async () => {
    const f = await fake("hang", { "NetworkDriver.CreateNetwork": "hang" });
    const d = await driver("hang", { callTimeoutMs: 150 });
    const t0 = Date.now();
    await assert.rejects(d.createNetwork(NET), { kind: "timeout", code: PluginErrorCodes.timeout, message: /CreateNetwork did not answer within 150 ms/ });
    assert.ok(Date.now() - t0 < 2_000);
    assert.equal(f.methods.filter((m) => m === "NetworkDriver.CreateNetwork").length, 1, "a call that may have reached the plugin is not sent again");
  });

  test("a plugin that dies in the middle of a call: unavailable, and the call is not sent again", async () => {
    const f = await fake("dies", { "NetworkDriver.Join": "drop" });
    const d = await driver("dies");
    await assert.rejects(d.join({ networkId: "n1", endpointId: "e1", sandboxKey: "/x", ifname: "eth0", options: new Map() }), { kind: "unavailable", code: PluginErrorCodes.unreachable });
    assert.equal(f.methods.filter((m) => m === "NetworkDriver.Join").length, 1);
  });

  test("a missing socket: not found once Docker's back-off (scaled down) is over", async () => {
    const t0 = Date.now();
    assert.equal(await loader().driver("nobody"), undefined);
    assert.ok(Date.now() - t0 >= 140, "it looked again during the back-off");
  });

  test("a plugin that restarts is found again without restarting the client, on its socket or elsewhere", async () => {
    const f = await fake("phoenix", { "NetworkDriver.CreateNetwork": { json: {} } });
    const d = await driver("phoenix", { retry: { timeoutMs: 5_000, firstDelayMs: 20 } });
    await d.createNetwork(NET);
    await f.stop();
    const back = new Promise((r) => setTimeout(r, 100)).then(() => f.listen());
    await d.createNetwork(NET);
    await back;
    await f.stop();
    const moved = await FakePlugin.start(join(dir, "elsewhere", "phoenix.sock"), { ...QUIET_PLUGIN, "NetworkDriver.DeleteNetwork": { json: {} } });
    fakes.push(moved);
    writeFileSync(join(dir, "phoenix.spec"), `unix://${moved.socketPath}\n`);
    await d.deleteNetwork("n1");
    assert.deepEqual(moved.methods, ["NetworkDriver.DeleteNetwork"], "the same activation goes on at the new address");
  });
});
