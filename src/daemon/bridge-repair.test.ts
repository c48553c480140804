// Kernel objects deleted behind the daemon's back: a bridge (`ip link del br-…`) or an endpoint's veth is
// noticed through link events and repaired while the daemon runs — bridge, addresses, every endpoint's
// veth re-attached or re-created with its sandbox end configured again — and at restart when it happened
// while the daemon was down. Each repair is logged, streamed on /events and counted in /metrics.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EventDto } from "../api/dto.js";
import { TestDaemon } from "../testing/test-daemon.js";
import { metricValue, sleep, waitFor } from "../testing/test-clients.js";

interface LinkJson { ifname: string; operstate?: string; flags?: string[]; master?: string; addr_info?: Array<{ local: string; prefixlen: number }> }

function pings(d: TestDaemon, key: string, ip: string): boolean {
  try { d.inNetns(key, "ping", ["-c1", "-W1", ip]); return true; } catch { return false; }
}

/** Milliseconds until `key` can ping `ip` again (one ping at a time, each waiting up to 0.2 s). */
async function timeToPing(d: TestDaemon, key: string, ip: string, t0: number, limitMs = 15_000): Promise<number> {
  for (;;) {
    try { d.inNetns(key, "ping", ["-c1", "-W0.2", ip]); return Date.now() - t0; } catch { /* not yet */ }
    if (Date.now() - t0 > limitMs) throw new Error(`no ping from ${key} to ${ip} within ${limitMs} ms`);
    await sleep(5);
  }
}

describe("kernel objects deleted behind the daemon's back are repaired", () => {
  const d = new TestDaemon();
  const events: EventDto[] = [];
  const ac = new AbortController();
  let stream: Promise<void> = Promise.resolve();
  let bridge = "";
  let keyA = "";
  let keyB = "";
  before(async () => {
    await d.start();
    stream = d.client.events((e) => events.push(e), ac.signal);
    const net = await d.client.createNetwork({ Name: "rep", IPAM: { Config: [{ Subnet: "10.170.0.0/24" }] } });
    bridge = `br-${net.Id.slice(0, 12)}`;
    keyA = (await d.client.createSandbox({ Name: "ra", Networks: [{ Network: "rep", IPv4Address: "10.170.0.10" }] })).Key;
    keyB = (await d.client.createSandbox({ Name: "rb", Networks: [{ Network: "rep", IPv4Address: "10.170.0.11" }] })).Key;
    assert.ok(pings(d, keyA, "10.170.0.11"));
  });
  after(async () => {
    ac.abort();
    await stream;
    await d.cleanup();
  });

  const hostLinks = (): LinkJson[] => JSON.parse(d.inHost("ip", ["-j", "addr", "show"])) as LinkJson[];
  const veths = async (): Promise<string[]> => (await d.client.listEndpoints()).map((e) => `veth${e.Id.slice(0, 11)}`).sort();
  const assertAttached = async (): Promise<void> => {
    const links = hostLinks();
    const br = links.find((l) => l.ifname === bridge);
    assert.ok(br !== undefined, `${bridge} exists`);
    assert.ok(br.flags?.includes("UP"), `${bridge} is up`);
    assert.ok(br.addr_info?.some((a) => `${a.local}/${a.prefixlen}` === "10.170.0.1/24"), `${bridge} has its gateway address`);
    for (const v of await veths()) {
      const l = links.find((x) => x.ifname === v);
      assert.equal(l?.master, bridge, `${v} is attached to ${bridge}`);
      assert.ok(l?.flags?.includes("UP"), `${v} is up`);
    }
  };

  it("joins set off no full check of the links: their veths' creation events are dismissed once the kernel is asked again", { timeout: 60_000 }, async () => {
    const counter = async (name: string): Promise<number> => metricValue(await d.client.metrics(), `dnet_${name}_total`) ?? Number.NaN;
    const runs = await counter("link_repair_runs");
    const dismissed = await counter("link_events_dismissed");
    for (let i = 0; i < 10; i++) await d.client.createSandbox({ Name: `rj${i}`, Networks: [{ Network: "rep" }] });
    await sleep(100);
    assert.equal(await counter("link_repair_runs"), runs, "no join led to a listing of every link");
    assert.ok(await counter("link_events_dismissed") > dismissed, "the joins' veth events were seen, asked about and dismissed");
    for (let i = 0; i < 10; i++) await d.client.removeSandbox(`rj${i}`, true);
  });

  it("a deleted bridge comes back with its address and every veth, while running", { timeout: 30_000 }, async () => {
    const t0 = Date.now();
    d.inHost("ip", ["link", "del", bridge]);
    const ms = await timeToPing(d, keyA, "10.170.0.11", t0);
    await assertAttached();
    console.log(`bridge deleted → ping works again after ${ms} ms`);
    assert.match(d.log, /repaired/);
    await sleep(100);
    assert.ok(events.some((e) => e.Action === "repair" && /bridge/.test(e.Actor.Attributes["repair"] ?? "")), JSON.stringify(events.slice(-5)));
    assert.ok((metricValue(await d.client.metrics(), 'dnet_repairs_total{object="network"}') ?? 0) >= 1, "counted in /metrics");
  });

  it("a deleted veth is re-created and its sandbox end configured again, while running", { timeout: 30_000 }, async () => {
    const ep = (await d.client.inspectSandbox("rb")).Endpoints[0];
    assert.ok(ep !== undefined);
    const t0 = Date.now();
    d.inHost("ip", ["link", "del", `veth${ep.EndpointID.slice(0, 11)}`]);
    const ms = await timeToPing(d, keyA, "10.170.0.11", t0);
    await assertAttached();
    const inB = JSON.parse(d.inNetns(keyB, "ip", ["-j", "addr", "show", "eth0"])) as LinkJson[];
    assert.ok(inB[0]?.addr_info?.some((a) => a.local === "10.170.0.11"), "the sandbox end has its address again");
    assert.match(d.inNetns(keyB, "ip", ["route", "show", "default"]), /default via 10\.170\.0\.1 dev eth0/, "and its default route");
    console.log(`veth deleted → ping works again after ${ms} ms`);
    assert.ok((metricValue(await d.client.metrics(), 'dnet_repairs_total{object="endpoint"}') ?? 0) >= 1);
  });

  it("an address removed from the bridge comes back, while running", { timeout: 30_000 }, async () => {
    const t0 = Date.now();
    d.inHost("ip", ["addr", "del", "10.170.0.1/24", "dev", bridge]);
    const back = (): boolean => (hostLinks().find((l) => l.ifname === bridge)?.addr_info ?? []).some((a) => a.local === "10.170.0.1");
    assert.ok(await waitFor(back, 10_000, 5), "the gateway address is back");
    console.log(`bridge address deleted → back after ${Date.now() - t0} ms`);
    assert.ok(pings(d, keyA, "10.170.0.1"), "the sandboxes reach their gateway");
  });

  it("a bridge deleted while the daemon is down is repaired at start, and the restore report says so", { timeout: 30_000 }, async () => {
    assert.equal(await d.stop("SIGTERM"), 0);
    d.inHost("ip", ["link", "del", bridge]);
    const mark = d.log.length;
    await d.start();
    await assertAttached();
    assert.ok(pings(d, keyA, "10.170.0.11"), "sandboxes reach each other at once");
    const started = d.log.slice(mark).split("\n").find((l) => /dnet daemon started/.test(l)) ?? "";
    assert.match(started, /repaired/, started);
    assert.match(started, new RegExp(bridge), started);
  });
});
