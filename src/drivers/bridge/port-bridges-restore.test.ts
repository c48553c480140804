// Root tests of the bridge driver's port bridges across a restart (no controller, firewall "none"): a new
// driver restoring the records finds each endpoint's bridge from the kernel, fills the next free place,
// has nothing to repair, and deleting the network removes every port bridge and trunk. A bridge of its own
// in the host netns and sandboxes made here, all named after a random tag and removed afterwards;
// net.ipv4.ip_forward is restored.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { CreateNetworkRequest, RestoreEndpoint } from "../../driver-api/index.js";
import type { HandleCache } from "../../osl/index.js";
import { ipJson, openHandleCache, rootOnly, run, tryRun } from "../../testing/kernel.js";
import { noFirewall } from "../../testing/stand-ins.js";
import { parsePrefix } from "../../types/index.js";
import { BridgeDriver } from "./driver.js";

const tag = randomBytes(4).toString("hex");
const networkId = `${tag}${"0".repeat(56)}`;
const bridge = `br-${networkId.slice(0, 12)}`;
const pb = (slot: string): string => `dnpb${networkId.slice(0, 9)}${slot}`;
const sandboxes = [0, 1, 2, 3].map((i) => `dnet-pbr-${tag}-${i}`);
const FORWARD = "/proc/sys/net/ipv4/ip_forward";
const endpointId = (n: number): string => `${tag}${String(n).padStart(3, "0")}${"d".repeat(53)}`;
const hostEnd = (n: number): string => `veth${endpointId(n).slice(0, 11)}`;

interface IpLink { ifname: string; master?: string }

const request: CreateNetworkRequest = {
  networkId, options: new Map([["dnet.bridge.ports_per_bridge", "1"]]), internal: false, enableIPv6: false, ipv6: [],
  ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.239.9.0/24"), gateway: parsePrefix("10.239.9.1/24"), auxAddresses: new Map() }],
};

const masterOf = (name: string): string | undefined => ipJson<IpLink[]>(["link", "show", name])[0]?.master;
const ourLinks = (): string[] => ipJson<IpLink[]>(["link", "show"]).map((l) => l.ifname)
  .filter((n) => n === bridge || n.includes(networkId.slice(0, 9)) || n.startsWith(`veth${tag}`)).sort();

function recorded(n: number): RestoreEndpoint {
  return {
    networkId, endpointId: endpointId(n), iface: { address: parsePrefix(`10.239.9.${10 + n}/24`) }, options: new Map(), portBindings: [],
    sandboxKey: `/run/netns/${sandboxes[n]}`, ifname: "eth0", externalConnectivity: false,
  };
}

describe("bridge driver: port bridges across a restart (root)", rootOnly, () => {
  let handles: HandleCache;
  let first: BridgeDriver | undefined;
  let second: BridgeDriver | undefined;
  let forwardBefore: string;

  before(async () => {
    forwardBefore = readFileSync(FORWARD, "utf8").trim();
    for (const ns of sandboxes) run("ip", ["netns", "add", ns]);
    handles = openHandleCache();
    first = new BridgeDriver({ handles, firewall: noFirewall() });
    await first.createNetwork(request);
    for (const n of [0, 1, 2]) {
      const ep = recorded(n);
      await first.createEndpoint(ep);
      await first.join({ networkId, endpointId: ep.endpointId, sandboxKey: ep.sandboxKey ?? "", ifname: "eth0", options: new Map() });
    }
    await first.close();
  });

  after(async () => {
    await second?.deleteNetwork(networkId).catch(() => {});
    await second?.close().catch(() => {});
    handles.closeAll();
    for (const name of [bridge, pb("01"), pb("02"), pb("03"), `dnpt${networkId.slice(0, 9)}01`, `dnpt${networkId.slice(0, 9)}02`, `dnpt${networkId.slice(0, 9)}03`]) {
      tryRun("ip", ["link", "del", name]);
    }
    for (const ns of sandboxes) tryRun("ip", ["netns", "del", ns]);
    writeFileSync(FORWARD, forwardBefore);
  });

  test("one port per bridge: the endpoints are on the network's bridge, then port bridges 01 and 02", () => {
    assert.deepEqual([0, 1, 2].map((n) => masterOf(hostEnd(n))), [bridge, pb("01"), pb("02")]);
  });

  test("a restarted driver reads the places back: nothing to repair, a new endpoint gets the next port bridge", async () => {
    second = new BridgeDriver({ handles, firewall: noFirewall() });
    await second.restore({ networks: [request], endpoints: [0, 1, 2].map(recorded) });
    const report = await second.repair();
    assert.deepEqual(report.repairs, [], JSON.stringify(report.repairs));
    assert.deepEqual(report.failures, []);
    const ep = recorded(3);
    await second.createEndpoint(ep);
    await second.join({ networkId, endpointId: ep.endpointId, sandboxKey: ep.sandboxKey ?? "", ifname: "eth0", options: new Map() });
    assert.equal(masterOf(hostEnd(3)), pb("03"));
  });

  test("a trunk cut behind the driver's back is repaired", async () => {
    run("ip", ["link", "set", `dnpt${networkId.slice(0, 9)}02`, "nomaster"]);
    const report = await (second as BridgeDriver).repair();
    assert.deepEqual(report.repairs.map((r) => r.message), [`port bridge ${pb("02")} was cut off from its trunk: repaired`]);
    assert.equal(masterOf(`dnpt${networkId.slice(0, 9)}02`), bridge);
  });

  test("deleting the network removes every port bridge and trunk with the bridge", async () => {
    for (const n of [0, 1, 2, 3]) await (second as BridgeDriver).leave(networkId, endpointId(n));
    await (second as BridgeDriver).deleteNetwork(networkId);
    await (second as BridgeDriver).flush(); // the bridges wait for the reaper, as left veths do
    assert.deepEqual(ourLinks(), []);
  });
});
