// Root tests of the bridge driver's join on its own (no controller, firewall "none"): what it leaves for the
// controller (the peer in the sandbox under its final name, down, nothing configured), the host end on the
// bridge without IPv6 address generation, and a host end's name still held by a left endpoint's veth or by a
// link not ours. A bridge of its own in the host netns and sandboxes made here, all named after a random tag
// and removed afterwards; net.ipv4.ip_forward is restored.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { CreateNetworkRequest } from "../../driver-api/index.js";
import { NetlinkError } from "../../errors/index.js";
import { createVeth, type HandleCache } from "../../osl/index.js";
import { ipJson, openHandleCache, rootOnly, run, tryRun } from "../../testing/kernel.js";
import { noFirewall } from "../../testing/stand-ins.js";
import { parsePrefix } from "../../types/index.js";
import { BridgeDriver } from "./driver.js";

const tag = randomBytes(4).toString("hex");
const networkId = `${tag}${"0".repeat(56)}`;
const bridge = `br-${networkId.slice(0, 12)}`;
const sandboxes = [`dnet-bj-${tag}-a`, `dnet-bj-${tag}-b`];
const FORWARD = "/proc/sys/net/ipv4/ip_forward";
const endpointId = (n: number): string => `${tag}${String(n).padStart(3, "0")}${"c".repeat(53)}`;
const hostEnd = (n: number): string => `veth${endpointId(n).slice(0, 11)}`;

interface IpLink { ifindex: number; ifname: string; flags: string[]; master?: string; address: string; addr_info?: unknown[] }

function request(): CreateNetworkRequest {
  return {
    networkId, options: new Map(), internal: false, enableIPv6: false, ipv6: [],
    ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.239.8.0/24"), gateway: parsePrefix("10.239.8.1/24"), auxAddresses: new Map() }],
  };
}

const linksIn = (ns: string): string[] => ipJson<IpLink[]>(["link", "show"], ns).map((l) => l.ifname).sort();

describe("bridge driver: join (root)", rootOnly, () => {
  let handles: HandleCache;
  let driver: BridgeDriver;
  let forwardBefore: string;

  before(async () => {
    forwardBefore = readFileSync(FORWARD, "utf8").trim();
    for (const ns of sandboxes) run("ip", ["netns", "add", ns]);
    handles = openHandleCache();
    driver = new BridgeDriver({ handles, firewall: noFirewall(), reapDelayMs: 60_000, reapMaxDelayMs: 60_000 });
    await driver.createNetwork(request());
  });

  after(async () => {
    await driver?.deleteNetwork(networkId).catch(() => {});
    await driver?.close().catch(() => {});
    handles.closeAll();
    tryRun("ip", ["link", "del", bridge]);
    for (const ns of sandboxes) tryRun("ip", ["netns", "del", ns]);
    writeFileSync(FORWARD, forwardBefore);
  });

  async function join(n: number, sandbox: string, ifname: string): ReturnType<BridgeDriver["join"]> {
    await driver.createEndpoint({ networkId, endpointId: endpointId(n), iface: { address: parsePrefix(`10.239.8.${10 + n}/24`) }, options: new Map(), portBindings: [] });
    return driver.join({ networkId, endpointId: endpointId(n), sandboxKey: `/run/netns/${sandbox}`, ifname, options: new Map() });
  }

  test("the peer is born in the sandbox under its final name, down and bare; the host end is on the bridge, up", async () => {
    const info = await join(1, sandboxes[0] as string, "eth0");
    assert.deepEqual(info.interface, { placement: "sandbox" });
    assert.deepEqual(info.gateway, { family: 4, value: 0x0aef0801n });
    const [peer] = ipJson<IpLink[]>(["link", "show", "eth0"], sandboxes[0]);
    assert.equal(peer?.flags.includes("UP"), false);
    assert.deepEqual(ipJson<Array<{ addr_info: unknown[] }>>(["addr", "show", "eth0"], sandboxes[0])[0]?.addr_info, []);
    const [host] = ipJson<IpLink[]>(["link", "show", hostEnd(1)]);
    assert.equal(host?.master, bridge);
    assert.ok(host?.flags.includes("UP"));
    const [v6] = ipJson<Array<{ addr_info: unknown[] }>>(["-6", "addr", "show", "dev", hostEnd(1)]);
    assert.deepEqual(v6?.addr_info ?? [], [], "no IPv6 address (no link-local) on the host end");
    assert.equal(readFileSync(`/proc/sys/net/ipv6/conf/${hostEnd(1)}/addr_gen_mode`, "utf8").trim(), "1", "IN6_ADDR_GEN_MODE_NONE");
    await driver.leave(networkId, endpointId(1));
    assert.equal(ipJson<IpLink[]>(["link", "show", hostEnd(1)])[0]?.master, undefined, "left: off the bridge, waiting for the reaper");
  });

  test("a rejoin while the left host end still waits for the reaper renames it out of the way", async () => {
    run("ip", ["netns", "exec", sandboxes[0] as string, "ip", "link", "set", "eth0", "name", "gone0"]);
    await driver.join({ networkId, endpointId: endpointId(1), sandboxKey: `/run/netns/${sandboxes[1]}`, ifname: "eth0", options: new Map() });
    assert.equal(ipJson<IpLink[]>(["link", "show", hostEnd(1)])[0]?.master, bridge);
    assert.deepEqual(linksIn(sandboxes[1] as string), ["eth0", "lo"]);
    await driver.leave(networkId, endpointId(1));
    await driver.flush();
    assert.deepEqual(linksIn(sandboxes[0] as string), ["lo"], "the old pair went with the reaper");
  });

  test("a host end's name taken by a link not ours is refused, and nothing is created", async () => {
    await createVeth(handles.host(), { name: hostEnd(2), peer: { name: `veth${tag}tp` } });
    try {
      await assert.rejects(join(2, sandboxes[1] as string, "eth1"), (err: unknown) => err instanceof NetlinkError && err.code === "EEXIST");
      assert.deepEqual(linksIn(sandboxes[1] as string), ["lo"]);
    } finally {
      tryRun("ip", ["link", "del", hostEnd(2)]);
    }
  });
});
