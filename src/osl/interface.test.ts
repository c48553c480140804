// Root tests of a join's interface at the osl level: a veth pair created from the host's socket with its
// peer born in another netns, that peer configured in one batch (configureInterface), an interface made
// in one netns moved into another under a new name (moveInterface), and veth creation options.

import assert from "node:assert/strict";
import { readFileSync, readlinkSync } from "node:fs";
import { describe, it } from "node:test";
import { ipJson, rootOnly } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { parseIp, parsePrefix } from "../types/index.js";
import { configureInterface, moveInterface } from "./interface.js";
import { createBridge, createVeth, vethRequest } from "./link-create.js";
import { linkIndex } from "./link.js";

interface IpLink { ifindex: number; ifname: string; flags: string[]; master?: string; address: string; link_index?: number; mtu: number }
interface IpAddr { addr_info: Array<{ local: string; prefixlen: number }> }
interface IpRoute { dst: string; gateway?: string; dev: string }

describe("osl: a join's interface (root, scratch namespaces)", rootOnly, () => {
  const ns = useScratchNamespaces();
  const scratch = ns.scratch;

  it("a veth whose peer is born in the sandbox, configured there in one batch: MAC, addresses, routes, up", async () => {
    const host = scratch();
    const sandbox = scratch();
    await createBridge(host.h, { name: "br0", up: true });
    const created = await createVeth(host.h, {
      name: "vh0", up: true, master: await linkIndex(host.h, "br0"), mtu: 1400, queues: 1, peer: { name: "eth0", netns: sandbox.h },
    });
    const [hostEnd] = ipJson<IpLink[]>(["link", "show", "vh0"], host.name);
    assert.equal(hostEnd?.master, "br0");
    assert.ok(hostEnd?.flags.includes("UP"));
    const [born] = ipJson<IpLink[]>(["link", "show", "eth0"], sandbox.name);
    assert.equal(born?.flags.includes("UP"), false, "the peer waits for its configuration");
    assert.equal(created?.peerIndex, born?.ifindex, "the echo names the peer's index in its netns");
    const index = await configureInterface(sandbox.h, "eth0", {
      mac: "02:42:0a:00:00:02",
      addresses: [parsePrefix("10.213.9.2/24"), parsePrefix("fd00:213::2/64")],
      routes: [{ destination: parsePrefix("10.214.0.0/16"), nextHop: parseIp("10.213.9.254") }, { destination: parsePrefix("10.215.0.0/16") }],
      defaultGateways: [parseIp("10.213.9.1")],
    });
    const [peer] = ipJson<IpLink[]>(["link", "show", "eth0"], sandbox.name);
    assert.equal(peer?.ifindex, index);
    assert.equal(peer?.address, "02:42:0a:00:00:02");
    assert.equal(peer?.mtu, 1400);
    assert.ok(peer?.flags.includes("UP"));
    const addrs = ipJson<IpAddr[]>(["addr", "show", "eth0"], sandbox.name)[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`) ?? [];
    assert.ok(addrs.includes("10.213.9.2/24") && addrs.includes("fd00:213::2/64"), addrs.join(" "));
    const routes = ipJson<IpRoute[]>(["route", "show"], sandbox.name).map((r) => `${r.dst} ${r.gateway ?? "-"} ${r.dev}`);
    assert.ok(routes.includes("default 10.213.9.1 eth0"), routes.join("; "));
    assert.ok(routes.includes("10.214.0.0/16 10.213.9.254 eth0"), routes.join("; "));
    assert.ok(routes.includes("10.215.0.0/16 - eth0"), routes.join("; "));
  });

  it("configuring an interface that is not there fails with the kernel's word and changes nothing", async () => {
    const sandbox = scratch();
    await assert.rejects(configureInterface(sandbox.h, "eth9", { addresses: [parsePrefix("10.213.9.3/24")], routes: [], defaultGateways: [] }),
      (err: unknown) => (err as { code?: string }).code === "ENODEV");
    assert.deepEqual(ipJson<IpLink[]>(["link", "show"], sandbox.name).map((l) => l.ifname), ["lo"]);
  });

  it("an interface made on the host side moves into the sandbox under its final name, down", async () => {
    const host = scratch();
    const sandbox = scratch();
    await createVeth(host.h, { name: "src0", peer: { name: "src0-p" }, up: true });
    await moveInterface(host.h, "src0", sandbox.h, "eth3");
    assert.deepEqual(ipJson<IpLink[]>(["link", "show"], host.name).map((l) => l.ifname).sort(), ["lo", "src0-p"]);
    const [moved] = ipJson<IpLink[]>(["link", "show", "eth3"], sandbox.name);
    assert.equal(moved?.ifname, "eth3");
    assert.equal(moved?.flags.includes("UP"), false);
  });

  it("an index asked for is honoured, and a taken one refused with nothing created", async () => {
    const { name, h } = scratch();
    const index = 3_000_000 + Math.floor(Math.random() * 1_000_000);
    await createVeth(h, { name: "ix0", index, peer: { name: "ix0-p" } });
    assert.equal(ipJson<IpLink[]>(["link", "show", "ix0"], name)[0]?.ifindex, index);
    await assert.rejects(createVeth(h, { name: "ix1", index, peer: { name: "ix1-p" } }), (err: unknown) => ["EEXIST", "EBUSY"].includes((err as { code: string }).code));
    assert.deepEqual(ipJson<IpLink[]>(["link", "show"], name).map((l) => l.ifname).sort(), ["ix0", "ix0-p", "lo"]);
  });

  it("an index or queue count out of range is refused before anything reaches the kernel", () => {
    const h = scratch().h;
    for (const index of [0, -1, 2 ** 31, 1.5]) {
      assert.throws(() => vethRequest(h, { name: "v0", index, peer: { name: "v1" } }), { code: "ERR_INVALID_IFINDEX" });
      assert.throws(() => vethRequest(h, { name: "v0", peer: { name: "v1", index } }), { code: "ERR_INVALID_IFINDEX" });
    }
    for (const queues of [0, 4097, 1.5]) assert.throws(() => vethRequest(h, { name: "v0", queues, peer: { name: "v1" } }), { code: "ERR_INVALID_QUEUES" });
  });

  it("queues: both ends get that many TX and RX queues (the kernel's default: one per possible CPU)", async () => {
    const { name, h } = scratch();
    await h.route.request(await vethRequest(h, { name: "q0", queues: 1, peer: { name: "q1" } }));
    await h.route.request(await vethRequest(h, { name: "d0", peer: { name: "d1" } }));
    const queues = (dev: string): [number, number] => {
      const [l] = ipJson<Array<{ num_tx_queues: number; num_rx_queues: number }>>(["-d", "link", "show", dev], name);
      return [l?.num_tx_queues ?? -1, l?.num_rx_queues ?? -1];
    };
    assert.deepEqual([queues("q0"), queues("q1")], [[1, 1], [1, 1]]);
    const cpus = Number(readFileSync("/sys/devices/system/cpu/possible", "utf8").trim().split("-").pop()) + 1;
    assert.deepEqual(queues("d0"), [cpus, cpus], "the default, for comparison");
  });

  it("the process's own netns is named by an fd of it, opened once and closed with the handle", () => {
    const own = ns.cache.host();
    const fd = own.attrNsFd();
    assert.equal(own.attrNsFd(), fd);
    assert.equal(readlinkSync(`/proc/self/fd/${fd}`), readlinkSync("/proc/self/ns/net"));
    const other = scratch().h;
    assert.equal(other.attrNsFd(), other.nsFd, "a netns file's handle uses its own fd");
  });
});
