// Root tests of the bridge driver alone (no controller, firewall "none"), on a bridge of its own in the
// host netns and sandboxes made here: detached veths leave the bridge at once and are deleted in batches
// once leaves pause, and hairpin is set on the ports of endpoints that publish ports only (and a failure to
// set it publishes nothing). Everything is
// named after a random tag and removed afterwards; net.ipv4.ip_forward is restored.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { CreateNetworkRequest } from "../../driver-api/index.js";
import { noFirewall } from "../../testing/stand-ins.js";
import { listLinks, type HandleCache } from "../../osl/index.js";
import { eventually } from "../../testing/bridge-probes.js";
import { ipJson, openHandleCache, rootOnly, run, tryRun } from "../../testing/kernel.js";
import { parsePrefix } from "../../types/index.js";
import { BridgeDriver } from "./driver.js";
import { TRASH_GROUP } from "./labels.js";

const tag = randomBytes(4).toString("hex");
const networkId = `${tag}${"0".repeat(56)}`;
const bridge = `br-${networkId.slice(0, 12)}`;
const sandboxes = [`dnet-reap-${tag}-a`, `dnet-reap-${tag}-b`];
const FORWARD = "/proc/sys/net/ipv4/ip_forward";

function request(): CreateNetworkRequest {
  return {
    networkId, options: new Map(), internal: false, enableIPv6: false, ipv6: [],
    ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.239.7.0/24"), gateway: parsePrefix("10.239.7.1/24"), auxAddresses: new Map() }],
  };
}

const endpointId = (n: number): string => `${tag}${String(n).padStart(3, "0")}${"e".repeat(53)}`;

/** Host ends of this test's endpoints (veth + the first 11 characters of the endpoint ID), with their group. */
async function hostEnds(handles: HandleCache): Promise<Array<{ name: string; group: number; onBridge: boolean }>> {
  return (await listLinks(handles.host())).filter((l) => l.name.startsWith(`veth${tag}`))
    .map((l) => ({ name: l.name, group: l.group, onBridge: l.master !== undefined && l.master !== 0 }));
}

describe("bridge driver: reaper batches and hairpin (root)", rootOnly, () => {
  let handles: HandleCache;
  let forwardBefore: string;
  const drivers: BridgeDriver[] = [];

  before(() => {
    forwardBefore = readFileSync(FORWARD, "utf8").trim();
    for (const ns of sandboxes) run("ip", ["netns", "add", ns]);
    handles = openHandleCache();
  });

  after(async () => {
    for (const d of drivers) await d.deleteNetwork(networkId).catch(() => {});
    handles.closeAll();
    tryRun("ip", ["link", "del", bridge]);
    for (const ns of sandboxes) tryRun("ip", ["netns", "del", ns]);
    writeFileSync(FORWARD, forwardBefore);
  });

  async function joined(driver: BridgeDriver, n: number, sandbox: string, ifname: string, ports = false): Promise<void> {
    await driver.createEndpoint({
      networkId, endpointId: endpointId(n), iface: { address: parsePrefix(`10.239.7.${10 + n}/24`) }, options: new Map(),
      portBindings: ports ? [{ proto: "tcp", port: 80, hostPort: 18080 + n, hostPortEnd: 18080 + n }] : [],
    });
    await driver.join({ networkId, endpointId: endpointId(n), sandboxKey: `/run/netns/${sandbox}`, ifname, options: new Map() });
  }

  test("detached veths leave the bridge, wait in the trash group and are deleted together once leaves pause", async () => {
    const driver = new BridgeDriver({ handles, firewall: noFirewall(), reapDelayMs: 400, reapMaxDelayMs: 60_000 });
    drivers.push(driver);
    await driver.createNetwork(request());
    for (let n = 0; n < 3; n++) await joined(driver, n, sandboxes[0] as string, `eth${n}`);
    assert.deepEqual((await hostEnds(handles)).map((l) => l.group), [0, 0, 0]);
    await driver.leave(networkId, endpointId(0));
    await driver.leave(networkId, endpointId(1));
    const left = (await hostEnds(handles)).map((l) => `${l.group === TRASH_GROUP ? "trash" : "live"} ${l.onBridge ? "on" : "off"} the bridge`);
    // Off the bridge at once: a port left on it would slow down every new port.
    assert.deepEqual(left.sort(), ["live on the bridge", "trash off the bridge", "trash off the bridge"]);
    const start = Date.now();
    assert.ok(await eventually(async () => (await hostEnds(handles)).length === 1), "timed out waiting for the batch to be deleted");
    assert.ok(Date.now() - start >= 300, "deleted before leaves had paused for reapDelayMs");
    // A later leave starts a new batch (the group is deleted off-thread, on a socket of its own).
    await driver.leave(networkId, endpointId(2));
    assert.ok(await eventually(async () => (await hostEnds(handles)).length === 0), "timed out waiting for the second batch to be deleted");
    for (let n = 0; n < 3; n++) await driver.deleteEndpoint(networkId, endpointId(n));
    await driver.deleteNetwork(networkId);
  });

  test("hairpin is on for the port of an endpoint that publishes ports, off for the others", async () => {
    const driver = new BridgeDriver({ handles, firewall: noFirewall() });
    drivers.push(driver);
    await driver.createNetwork(request());
    await joined(driver, 10, sandboxes[1] as string, "eth0", true);
    await joined(driver, 11, sandboxes[1] as string, "eth1", false);
    const published = { portBindings: [{ proto: "tcp" as const, port: 80, hostPort: 18090, hostPortEnd: 18090 }] };
    for (const n of [10, 11]) await driver.programExternalConnectivity(networkId, endpointId(n), n === 10 ? published : { portBindings: [] });
    const hairpin = (n: number): unknown => {
      const [link] = ipJson<Array<{ linkinfo?: { info_slave_data?: Record<string, unknown> } }>>(["-d", "link", "show", "dev", `veth${endpointId(n).slice(0, 11)}`]);
      return link?.linkinfo?.info_slave_data?.["hairpin"];
    };
    assert.deepEqual([hairpin(10), hairpin(11)], [true, false]);
    for (const n of [10, 11]) {
      await driver.revokeExternalConnectivity(networkId, endpointId(n));
      await driver.leave(networkId, endpointId(n));
      await driver.deleteEndpoint(networkId, endpointId(n));
    }
    await driver.deleteNetwork(networkId);
    assert.deepEqual(await hostEnds(handles), [], "deleting the network flushed the trash");
  });

  test("when hairpin cannot be set, nothing stays published and the host port is free again", async () => {
    const driver = new BridgeDriver({ handles, firewall: noFirewall() });
    drivers.push(driver);
    await driver.createNetwork(request());
    await joined(driver, 20, sandboxes[1] as string, "eth5", true);
    run("ip", ["link", "del", `veth${endpointId(20).slice(0, 11)}`]); // the port vanishes under the driver
    const ports = { portBindings: [{ proto: "tcp" as const, port: 80, hostPort: 18100, hostPortEnd: 18100 }] };
    await assert.rejects(driver.programExternalConnectivity(networkId, endpointId(20), ports), { errno: 19 }); // ENODEV
    assert.deepEqual(driver.endpointOperInfo(networkId, endpointId(20)).get("com.docker.network.portmap"), []);
    // The same host port again, for another endpoint: refused if the failed attempt had kept it.
    await driver.createEndpoint({
      networkId, endpointId: endpointId(21), iface: { address: parsePrefix("10.239.7.60/24") }, options: new Map(),
      portBindings: [{ proto: "tcp", port: 80, hostPort: 18100, hostPortEnd: 18100 }],
    });
    await driver.join({ networkId, endpointId: endpointId(21), sandboxKey: `/run/netns/${sandboxes[1] as string}`, ifname: "eth6", options: new Map() });
    await driver.programExternalConnectivity(networkId, endpointId(21), ports);
    const portmap = driver.endpointOperInfo(networkId, endpointId(21)).get("com.docker.network.portmap") as Array<{ HostPort: number }>;
    assert.deepEqual(portmap.map((p) => p.HostPort), [18100]);
    for (const n of [20, 21]) {
      await driver.revokeExternalConnectivity(networkId, endpointId(n));
      await driver.leave(networkId, endpointId(n));
      await driver.deleteEndpoint(networkId, endpointId(n));
    }
    await driver.deleteNetwork(networkId);
  });
});
