// Addresses no network may use (loopback, multicast, "this network", IPv4-mapped IPv6) and a multicast MAC
// on connect: each is a 400 with a clear message, and nothing reaches the kernel (no bridge, no address,
// no veth in the daemon's netns). An IPv6 subnet without IPv6 enabled is accepted as Docker does, unused,
// and the create's Warning says so (never dropped silently).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import type { DockerNetworkCreateRequest } from "../api/dto.js";
import { TestDaemon, kernelAddrs } from "../testing/test-daemon.js";

async function status(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
    return { status: 200, message: "" };
  } catch (err) {
    if (!isLibnetworkError(err)) throw err;
    const byKind: Record<string, number> = { "invalid-argument": 400, "not-found": 404, forbidden: 403, conflict: 409, unavailable: 503, internal: 500 };
    return { status: byKind[err.kind] ?? 0, message: err.message };
  }
}

describe("reserved addresses are refused with 400 and change nothing", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  const kernel = (): string => JSON.stringify([...kernelAddrs((c, a) => d.inHost(c, a))].sort());
  /** The kernel before a step, once the reaper has destroyed what an earlier case deleted (retired bridges). */
  const settledKernel = async (): Promise<string> => {
    await d.reaped();
    return kernel();
  };
  const cases: Array<[string, DockerNetworkCreateRequest, RegExp]> = [
    ["loopback", { Name: "lo1", IPAM: { Config: [{ Subnet: "127.0.0.1/24" }] } }, /127\.0\.0\.1\/24 is in the loopback range 127\.0\.0\.0\/8/],
    ["IPv4 multicast", { Name: "mc1", IPAM: { Config: [{ Subnet: "224.1.1.0/24" }] } }, /multicast range 224\.0\.0\.0\/4/],
    ["IPv6 multicast", { Name: "mc6", EnableIPv6: true, IPAM: { Config: [{ Subnet: "10.160.1.0/24" }, { Subnet: "ff02::/64" }] } }, /multicast range ff00::\/8/],
    ["IPv4-mapped IPv6", { Name: "map6", EnableIPv6: true, IPAM: { Config: [{ Subnet: "10.160.2.0/24" }, { Subnet: "::ffff:10.160.2.0/120" }] } }, /IPv4-mapped range/],
  ];
  for (const [what, req, message] of cases) {
    it(`${what}: 400, no bridge, no address`, async () => {
      const before0 = await settledKernel();
      const r = await status(d.client.createNetwork(req));
      assert.equal(r.status, 400, r.message);
      assert.match(r.message, message);
      assert.equal(kernel(), before0, "the kernel is unchanged");
      assert.ok(!(await d.client.listNetworks()).some((n) => n.Name === req.Name), "no network recorded");
    });
  }

  it("an IPv6 subnet without EnableIPv6: accepted as Docker does, unused, and the Warning says so", async () => {
    const r = await d.client.createNetwork({ Name: "no6", IPAM: { Config: [{ Subnet: "fd00:160::/64" }] } });
    assert.match(r.Warning, /IPv6 subnet fd00:160::\/64 is not used: IPv6 is not enabled/);
    assert.doesNotMatch(kernel(), /fd00:160:/, "no IPv6 address of it in the kernel");
    await d.client.removeNetwork("no6");
  });

  it("a multicast MAC on connect: 400, no endpoint, no veth", async () => {
    await d.client.createNetwork({ Name: "macnet", IPAM: { Config: [{ Subnet: "10.160.3.0/24" }] } });
    await d.client.createSandbox({ Name: "macsb" });
    const before0 = await settledKernel();
    const r = await status(d.client.connect("macnet", { Container: "macsb", EndpointConfig: { MacAddress: "01:00:5e:00:00:01" } }));
    assert.equal(r.status, 400, r.message);
    assert.match(r.message, /multicast address/);
    assert.equal(kernel(), before0);
    assert.deepEqual(await d.client.listEndpoints(), []);
    await d.client.removeSandbox("macsb", true);
    await d.client.removeNetwork("macnet");
  });
});
