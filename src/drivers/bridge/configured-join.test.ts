// Root tests of the bridge driver's configured join (no controller, firewall "none"): given the interface's
// setup, the driver creates the veth pair and configures the sandbox end in one sendmsg. A bridge of its
// own in the host netns and sandboxes made here, all named after a random tag and removed afterwards;
// net.ipv4.ip_forward is restored.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { CreateNetworkRequest, InterfaceSetup } from "../../driver-api/index.js";
import { NetlinkError } from "../../errors/index.js";
import { NoneBackend } from "../../firewall/none.js";
import { createVeth, linkIndex, type HandleCache } from "../../osl/index.js";
import { ipJson, openHandleCache, rootOnly, run, tryRun } from "../../testing/kernel.js";
import { parsePrefix } from "../../types/index.js";
import { createConfiguredVeth } from "./configured-veth.js";
import { BridgeDriver } from "./driver.js";

const tag = randomBytes(4).toString("hex");
const networkId = `${tag}${"0".repeat(56)}`;
const bridge = `br-${networkId.slice(0, 12)}`;
const sandboxes = [`dnet-cfg-${tag}-a`, `dnet-cfg-${tag}-b`, `dnet-cfg-${tag}-c`];
const FORWARD = "/proc/sys/net/ipv4/ip_forward";
const endpointId = (n: number): string => `${tag}${String(n).padStart(3, "0")}${"c".repeat(53)}`;

interface IpLink { ifindex: number; ifname: string; flags: string[]; master?: string; address: string }

function request(): CreateNetworkRequest {
  return {
    networkId, options: new Map(), internal: false, enableIPv6: false, ipv6: [],
    ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.239.8.0/24"), gateway: parsePrefix("10.239.8.1/24"), auxAddresses: new Map() }],
  };
}

const ourHostEnds = (): IpLink[] => ipJson<IpLink[]>(["link", "show"]).filter((l) => l.ifname.startsWith(`veth${tag}`));
const linksIn = (ns: string): string[] => ipJson<IpLink[]>(["link", "show"], ns).map((l) => l.ifname).sort();

describe("bridge driver: configured join (root)", rootOnly, () => {
  let handles: HandleCache;
  let driver: BridgeDriver;
  let forwardBefore: string;

  before(async () => {
    forwardBefore = readFileSync(FORWARD, "utf8").trim();
    for (const ns of sandboxes) run("ip", ["netns", "add", ns]);
    handles = openHandleCache();
    driver = new BridgeDriver({ handles, firewall: new NoneBackend() });
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

  async function join(n: number, sandbox: string, setup: InterfaceSetup): Promise<Awaited<ReturnType<BridgeDriver["join"]>>> {
    await driver.createEndpoint({ networkId, endpointId: endpointId(n), iface: { address: parsePrefix(`10.239.8.${10 + n}/24`) }, options: new Map(), portBindings: [] });
    return driver.join({ networkId, endpointId: endpointId(n), sandboxKey: `/run/netns/${sandbox}`, ifname: "eth0", options: new Map(), setup });
  }

  test("the interface comes up configured: addresses, default route via the gateway, one index on both ends", async () => {
    const ns = sandboxes[0] as string;
    const result = await join(1, ns, { addresses: [parsePrefix("10.239.8.11/24")], defaultRoutes: true });
    assert.equal(result.setupApplied, true);
    assert.equal(result.controllerConfiguresAddresses, false);
    const [peer] = ipJson<IpLink[]>(["link", "show", "eth0"], ns);
    assert.ok(peer !== undefined && peer.flags.includes("UP"));
    assert.equal(peer.address, "02:42:0a:ef:08:0b", "born with the endpoint's MAC");
    assert.equal(result.ifindex, peer.ifindex);
    assert.ok(peer.ifindex >= 2 ** 20, `index ${peer.ifindex} drawn from [2^20, 2^31)`);
    const [hostEnd] = ourHostEnds();
    assert.equal(hostEnd?.ifindex, peer.ifindex, "the host end has the same index");
    const queues = (ns2: string | undefined, dev: string): unknown =>
      ipJson<Array<{ num_tx_queues: number; num_rx_queues: number }>>(["-d", "link", "show", dev], ns2).map((l) => [l.num_tx_queues, l.num_rx_queues])[0];
    assert.deepEqual([queues(ns, "eth0"), queues(undefined, hostEnd?.ifname ?? "?")], [[1, 1], [1, 1]], "one TX and one RX queue per end");
    assert.equal(hostEnd?.master, bridge);
    const [addr] = ipJson<Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>>(["-4", "addr", "show", "eth0"], ns);
    assert.deepEqual(addr?.addr_info.map((a) => `${a.local}/${a.prefixlen}`), ["10.239.8.11/24"]);
    const routes = ipJson<Array<{ dst: string; gateway?: string; dev: string }>>(["-4", "route", "show"], ns);
    assert.deepEqual(routes.map((r) => `${r.dst} ${r.gateway ?? "-"} ${r.dev}`).sort(), ["10.239.8.0/24 - eth0", "default 10.239.8.1 eth0"]);
    run("ip", ["netns", "exec", ns, "ping", "-c1", "-W2", "10.239.8.1"]);
    await driver.leave(networkId, endpointId(1));
  });

  test("without defaultRoutes, only the connected route", async () => {
    const ns = sandboxes[1] as string;
    await join(2, ns, { addresses: [parsePrefix("10.239.8.12/24")], defaultRoutes: false });
    const routes = ipJson<Array<{ dst: string }>>(["-4", "route", "show"], ns);
    assert.deepEqual(routes.map((r) => r.dst), ["10.239.8.0/24"]);
    await driver.leave(networkId, endpointId(2));
  });

  test("a setup the kernel refuses takes the pair away again and throws the refusal", async () => {
    const ns = sandboxes[2] as string;
    // IPv6 off for interfaces born in this netns: an IPv6 address on one is refused.
    run("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"]);
    const before = ourHostEnds().length;
    await assert.rejects(join(3, ns, { addresses: [parsePrefix("10.239.8.13/24"), parsePrefix("fd00:239:8::13/64")], defaultRoutes: false }),
      (err: unknown) => err instanceof NetlinkError && err.code === "EACCES" && err.operation.startsWith("add address fd00:239:8::13"));
    assert.deepEqual(linksIn(ns), ["lo"], "no interface left in the sandbox");
    assert.equal(ourHostEnds().length, before, "no host end left");
  });

  test("ports published while the join is in flight: the hairpin waits for the host end, and neither overwrites the other's state", async () => {
    const ns = sandboxes[1] as string;
    await driver.createEndpoint({
      networkId, endpointId: endpointId(4), iface: { address: parsePrefix("10.239.8.14/24") }, options: new Map(),
      portBindings: [{ proto: "tcp", port: 80, hostPort: 18300, hostPortEnd: 18300 }],
    });
    const joining = driver.join({
      networkId, endpointId: endpointId(4), sandboxKey: `/run/netns/${ns}`, ifname: "eth4", options: new Map(),
      setup: { addresses: [parsePrefix("10.239.8.14/24")], defaultRoutes: false },
    });
    const publishing = driver.programExternalConnectivity(networkId, endpointId(4));
    await Promise.all([joining, publishing]);
    const portmap = driver.endpointOperInfo(networkId, endpointId(4)).get("com.docker.network.portmap") as Array<{ HostPort: number }>;
    assert.deepEqual(portmap.map((p) => p.HostPort), [18300], "the join's record did not drop the publication");
    const hostEnd = `veth${endpointId(4).slice(0, 11)}`;
    const [link] = ipJson<Array<{ linkinfo?: { info_slave_data?: Record<string, unknown> } }>>(["-d", "link", "show", "dev", hostEnd]);
    assert.equal(link?.linkinfo?.info_slave_data?.["hairpin"], true, "hairpin set once the host end existed");
    await driver.revokeExternalConnectivity(networkId, endpointId(4));
    await driver.leave(networkId, endpointId(4));
    const [left] = ipJson<Array<{ group?: string; master?: string }>>(["link", "show", "dev", hostEnd]);
    assert.equal(left?.master, undefined, "leave found the host end the join recorded (it left the bridge)");
  });

  test("a join that fails under a publication in flight fails the publication too, and nothing stays published", async () => {
    const ns = sandboxes[1] as string;
    await driver.createEndpoint({
      networkId, endpointId: endpointId(5), iface: { address: parsePrefix("10.239.8.15/24") }, options: new Map(),
      portBindings: [{ proto: "tcp", port: 80, hostPort: 18301, hostPortEnd: 18301 }],
    });
    // eth7 is taken in this sandbox (not by an interface of ours): the creation is refused.
    run("ip", ["-n", ns, "link", "add", "eth7", "type", "veth", "peer", "name", "eth7p"]);
    try {
      const joining = driver.join({
        networkId, endpointId: endpointId(5), sandboxKey: `/run/netns/${ns}`, ifname: "eth7", options: new Map(),
        setup: { addresses: [parsePrefix("10.239.8.15/24")], defaultRoutes: false },
      });
      const publishing = driver.programExternalConnectivity(networkId, endpointId(5));
      const [joined, published] = await Promise.allSettled([joining, publishing]);
      assert.equal(joined.status, "rejected");
      assert.equal(published.status, "rejected");
      assert.deepEqual(driver.endpointOperInfo(networkId, endpointId(5)).get("com.docker.network.portmap"), []);
    } finally {
      run("ip", ["-n", ns, "link", "del", "eth7"]);
    }
  });

  test("an index already taken is drawn again; a host name taken by a link not ours is refused, nothing created", async () => {
    const host = handles.host();
    const sandbox = handles.get(`/run/netns/${sandboxes[2]}`);
    const taken = 7_000_000 + Math.floor(Math.random() * 1_000_000);
    await createVeth(host, { name: `veth${tag}tk`, index: taken, peer: { name: `veth${tag}tp` } });
    try {
      const draws = [taken, taken + 1];
      const spec = {
        hostIfname: `veth${tag}n1`, bridgeIndex: await linkIndex(host, bridge), ifname: "eth5", mac: "02:42:0a:ef:08:63",
        setup: { addresses: [parsePrefix("10.239.8.99/24")], defaultRoutes: false },
      };
      const index = await createConfiguredVeth(host, sandbox, spec, async () => true, () => draws.shift() as number);
      assert.equal(index, taken + 1);
      assert.equal(ipJson<IpLink[]>(["link", "show", "eth5"], sandboxes[2])[0]?.ifindex, taken + 1);
      run("ip", ["link", "del", `veth${tag}n1`]);
      await assert.rejects(
        createConfiguredVeth(host, sandbox, { ...spec, hostIfname: `veth${tag}tk` }, async () => false),
        (err: unknown) => err instanceof NetlinkError && err.code === "EEXIST",
      );
      assert.deepEqual(linksIn(sandboxes[2] as string), ["lo"]);
    } finally {
      tryRun("ip", ["link", "del", `veth${tag}tk`]);
    }
  });
});
