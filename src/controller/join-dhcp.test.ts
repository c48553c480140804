// The contract for addresses decided at join (root): the dhcp IPAM only with a driver that declares the
// `dhcp` capability; a join's address, gateway and DNS (JoinInfo.address, JoinInfo.dns) configured, named
// and written into resolv.conf; the leave giving them back; the hostname and `dhcp` reaching the driver,
// also after a restart. A test driver stands for macvlan: this is the controller's side only.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { Capability, CreateNetworkRequest, JoinInfo, JoinRequest, RestoreState } from "../driver-api/index.js";
import type { HandleCache } from "../osl/index.js";
import { rootOnly } from "../testing/kernel.js";
import { TestVethDriver } from "../testing/veth-driver.js";
import { parseIp, parsePrefix } from "../types/index.js";
import { defaultRoute, expectError, ipv4In, openHarness, readEtc, uniqueName, type Harness } from "./harness.test.js";

/** Leases 10.77.0.<n>/24 at each join, with a router and the LAN's DNS, as a DHCP driver would. */
class LeasingDriver extends TestVethDriver {
  readonly networks: CreateNetworkRequest[] = [];
  restored: RestoreState | undefined;
  #next = 2;

  constructor(handles: HandleCache) {
    super(handles, { name: "leasing" });
  }

  override capability(): Capability {
    return { dataScope: "local", connectivityScope: "global", dhcp: true };
  }

  override async createNetwork(req: CreateNetworkRequest): Promise<void> {
    this.networks.push(req);
    await super.createNetwork(req);
  }

  override async join(req: JoinRequest): Promise<JoinInfo> {
    const info = await super.join(req); // records the request in `joins`
    return {
      ...info, address: parsePrefix(`10.77.0.${this.#next++}/24`), gateway: parseIp("10.77.0.1"),
      dns: { servers: [parseIp("10.77.0.53")], search: ["corp.test"] },
    };
  }

  async restore(state: RestoreState): Promise<void> {
    this.restored = state;
    for (const n of state.networks) await super.createNetwork(n);
  }
}

function digIn(key: string, name: string): Promise<string> {
  return new Promise((resolve) => {
    execFile("nsenter", [`--net=${key}`, "dig", "+short", "+time=2", "+tries=1", "@127.0.0.11", name], (_err, stdout) => resolve(stdout.trim()));
  });
}

describe("addresses and DNS decided at join (dhcp IPAM, root)", rootOnly, () => {
  let h: Harness;
  const drivers: LeasingDriver[] = [];
  const driver = (): LeasingDriver => drivers.at(-1) as LeasingDriver;
  before(async () => {
    h = await openHarness({ extraDrivers: (handles) => [new LeasingDriver(handles)].map((d) => (drivers.push(d), d)) });
  });
  after(async () => { await h?.close(); });

  it("the dhcp IPAM with a driver without the dhcp capability: invalid-argument, nothing recorded", async () => {
    const name = uniqueName("nd");
    await expectError(() => h.controller.createNetwork({ name, driver: "testveth", ipam: { driver: "dhcp" } }),
      { kind: "invalid-argument", code: "ERR_IPAM_DRIVER_UNSUPPORTED", message: /the testveth driver cannot use the dhcp IPAM driver/ });
    assert.equal(h.controller.networks().some((n) => n.name === name), false);
  });

  it("no address before the join; the join's address, gateway and DNS; the leave gives them back", async () => {
    const net = await h.controller.createNetwork({ name: uniqueName("dh"), driver: "leasing", ipam: { driver: "dhcp", options: { dhcp_timeout: "3" } } });
    const req = driver().networks.at(-1);
    assert.deepEqual(req?.dhcp, { options: new Map([["dhcp_timeout", "3"]]) });
    assert.deepEqual(req?.ipv4.map((d) => [d.pool.length, d.gateway]), [[0, undefined]], "a placeholder pool, no gateway");
    const sb = await h.controller.createSandbox({ containerId: uniqueName("c"), hostname: "alpha" });
    const ep = await net.createEndpoint({ name: "web" });
    try {
      assert.equal(ep.info().address, undefined);
      await ep.join(sb);
      assert.equal(driver().joins.at(-1)?.hostname, "alpha");
      assert.equal(ep.info().address, "10.77.0.2/24");
      assert.deepEqual(ipv4In(sb.key, "eth0"), ["10.77.0.2/24"]);
      assert.deepEqual(defaultRoute(sb.key), { gateway: "10.77.0.1", dev: "eth0" });
      const resolv = readEtc(h, sb.name, "resolv.conf");
      assert.match(resolv, /^search corp\.test$/m);
      assert.match(resolv, /^nameserver 127\.0\.0\.11$/m);
      assert.equal(await digIn(sb.key, "web"), "10.77.0.2", "the embedded DNS names the leased address");
      await ep.leave(sb);
      assert.equal(ep.info().address, undefined, "the address went with the lease");
      assert.doesNotMatch(readEtc(h, sb.name, "resolv.conf"), /corp\.test/);
      assert.equal(await digIn(sb.key, "web"), "", "and so did its name");
      await ep.join(sb);
      assert.equal(ep.info().address, "10.77.0.3/24", "a new join, a new lease");
    } finally {
      await ep.delete(true);
      await sb.delete();
      await net.delete();
    }
  });

  it("a restart gives the driver `dhcp` and each joined endpoint with its hostname and leased address", async () => {
    const net = await h.controller.createNetwork({ name: uniqueName("dr"), driver: "leasing", ipam: { driver: "dhcp" } });
    const sb = await h.controller.createSandbox({ containerId: uniqueName("c"), hostname: "beta" });
    const ep = await net.createEndpoint({ name: "db" });
    await ep.join(sb);
    const address = ep.info().address;
    await h.reopen();
    const state = driver().restored;
    assert.deepEqual(state?.networks.find((n) => n.networkId === net.id)?.dhcp, { options: new Map() });
    const restored = state?.endpoints.find((e) => e.endpointId === ep.id);
    assert.equal(restored?.hostname, "beta");
    assert.equal(restored?.ifname, "eth0");
    assert.equal(restored?.iface.address === undefined ? undefined : `${restored.iface.address.length}`, "24");
    const again = h.controller.endpoints().find((e) => e.id === ep.id);
    assert.equal(again?.info().address, address);
  });
});
