// Root tests of a veth pair created from another netns's socket with known indexes: the bridge's
// configured join sends the pair and the peer's configuration in one sendmsg on the sandbox's socket.

import assert from "node:assert/strict";
import { readFileSync, readlinkSync } from "node:fs";
import { describe, it } from "node:test";
import { NetlinkError } from "../errors/index.js";
import { ipJson, rootOnly } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { parsePrefix } from "../types/index.js";
import { addAddressRequest } from "./addr.js";
import { createBridge, vethRequest } from "./link-create.js";
import { linkIndex, linkUpRequest } from "./link.js";

interface IpLink { ifindex: number; ifname: string; flags: string[]; master?: string; address: string; link_index?: number }

describe("osl veth with known indexes, created from the peer's netns (root, scratch namespaces)", rootOnly, () => {
  const ns = useScratchNamespaces();
  const scratch = ns.scratch;

  it("the host end lands in the other netns on its bridge, up; the peer is born here; both with the index asked for", async () => {
    const host = scratch();
    const sandbox = scratch();
    await createBridge(host.h, { name: "br0", up: true });
    const bridge = await linkIndex(host.h, "br0");
    const index = 3_000_000 + Math.floor(Math.random() * 1_000_000);
    const create = await vethRequest(sandbox.h, {
      name: "vh0", index, netns: host.h, up: true, master: bridge, mtu: 1400,
      peer: { name: "eth0", index, netns: sandbox.h, mac: "02:42:0a:00:00:02" },
    });
    // The peer's configuration travels in the same sendmsg: it exists by the time those are handled.
    const results = await sandbox.h.route.batch([
      { ...create, offThread: true },
      addAddressRequest(index, { link: index, address: parsePrefix("10.213.9.2/24") }),
      linkUpRequest(index),
    ]);
    assert.deepEqual(results.map((r) => (r instanceof NetlinkError ? r.code : "ok")), ["ok", "ok", "ok"]);
    const [hostEnd] = ipJson<IpLink[]>(["link", "show", "vh0"], host.name);
    assert.equal(hostEnd?.ifindex, index);
    assert.equal(hostEnd?.master, "br0");
    assert.ok(hostEnd?.flags.includes("UP"));
    const [peer] = ipJson<IpLink[]>(["link", "show", "eth0"], sandbox.name);
    assert.equal(peer?.ifindex, index);
    assert.equal(peer?.address, "02:42:0a:00:00:02");
    assert.ok(peer?.flags.includes("UP"));
    const [addr] = ipJson<Array<{ addr_info: Array<{ local: string }> }>>(["-4", "addr", "show", "eth0"], sandbox.name);
    assert.deepEqual(addr?.addr_info.map((a) => a.local), ["10.213.9.2"]);
    assert.deepEqual(ipJson<IpLink[]>(["link", "show"], sandbox.name).map((l) => l.ifname).sort(), ["eth0", "lo"], "no host end in the sandbox");
  });

  it("an index taken in the link's netns is refused (EEXIST here, EBUSY on older kernels), nothing is created, and what followed finds no interface", async () => {
    const host = scratch();
    const sandbox = scratch();
    const index = 5_000_000 + Math.floor(Math.random() * 1_000_000);
    const first = await vethRequest(host.h, { name: "taken", index, peer: { name: "taken-p" } });
    await host.h.route.request(first);
    const create = await vethRequest(sandbox.h, { name: "vh1", index, netns: host.h, peer: { name: "eth1", index, netns: sandbox.h } });
    const [created, up] = await sandbox.h.route.batch([create, linkUpRequest(index)]);
    assert.ok(created instanceof NetlinkError && ["EEXIST", "EBUSY"].includes(created.code), String(created));
    assert.ok(up instanceof NetlinkError && up.code === "ENODEV", String(up));
    assert.deepEqual(ipJson<IpLink[]>(["link", "show"], sandbox.name).map((l) => l.ifname), ["lo"]);
    assert.deepEqual(ipJson<IpLink[]>(["link", "show"], host.name).map((l) => l.ifname).sort(), ["lo", "taken", "taken-p"]);
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
