// Root integration tests of what a connect may carry besides addresses (Docker's EndpointSettings): driver
// options reach the driver's join; link-local addresses go on the interface; legacy links become hosts
// entries; and a sandbox's own port bindings are handed to its gateway endpoint's driver.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rootOnly, run } from "../testing/kernel.js";
import type { Network, Sandbox } from "./objects.js";
import { expectError, openHarness, readEtc, uniqueName, type Harness } from "./harness.test.js";

describe("connect options: driver options, link-local addresses, links (root)", rootOnly, () => {
  let h: Harness;
  let net: Network;
  before(async () => {
    h = await openHarness();
    net = await h.controller.createNetwork({ name: uniqueName("co"), driver: "testveth", ipam: { config: [{ subnet: "10.237.1.0/24" }] } });
  });
  after(async () => { await h?.close(); });

  const sandbox = (name = uniqueName("ctr")): Promise<Sandbox> => h.controller.createSandbox({ containerId: name });

  it("driver options given with the endpoint reach the driver's join, unparsed", async () => {
    const sb = await sandbox();
    const ep = await net.createEndpoint({ name: "opts", options: { "com.example.mode": "fast" } });
    await ep.join(sb);
    const req = h.driver.joins.find((j) => j.endpointId === ep.id);
    assert.equal(req?.options.get("com.example.mode"), "fast");
    await sb.delete();
  });

  it("link-local addresses go on the interface with Docker's prefixes; other addresses are refused (Docker's text)", async () => {
    const sb = await sandbox();
    const ep = await net.createEndpoint({ name: "ll", linkLocalIps: ["169.254.10.10", "fe80::10"] });
    await ep.join(sb);
    const addrs = run("nsenter", [`--net=${sb.key}`, "ip", "-o", "addr", "show", "dev", "eth0"]);
    assert.match(addrs, /inet 169\.254\.10\.10\/16/);
    assert.match(addrs, /inet6 fe80::10\/64/);
    await sb.delete();
    await expectError(() => net.createEndpoint({ name: "ll2", linkLocalIps: ["10.0.0.1"] }), {
      kind: "invalid-argument", code: "ERR_INVALID_LINK_LOCAL_IP", message: "invalid link local IP address: 10.0.0.1",
    });
  });

  it("links NAME:ALIAS become hosts entries with the linked sandbox's address on that network", async () => {
    const target = await sandbox(uniqueName("db"));
    const tep = await net.createEndpoint({ name: target.name });
    await tep.join(target);
    const sb = await sandbox();
    const ep = await net.createEndpoint({ name: "app", links: [`${target.name}:database`] });
    await ep.join(sb);
    const ip = tep.info().address?.split("/")[0] ?? "?";
    const hosts = readEtc(h, sb.name, "hosts");
    assert.ok(hosts.includes(`${ip}\tdatabase\n`), hosts);
    assert.ok(hosts.includes(`${ip}\t${target.name}\n`), hosts);
    await expectError(() => net.createEndpoint({ name: "bad", links: ["a:b:c"] }), { kind: "invalid-argument", code: "ERR_INVALID_LINK" });
    await sb.delete();
    await target.delete();
  });
});
