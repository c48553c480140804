// Root integration tests of links: create each kind, change, delete (one, by group), and the errors, vs `ip -j`.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { LibnetworkError, NetlinkError } from "../errors/index.js";
import { loadNative } from "../native/index.js";
import { ipJson, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { parseIp } from "../types/index.js";
import { HandleCache, type NetnsHandle } from "./handle.js";
import { createBridge, createVeth, createVxlan } from "./link-create.js";
import { createIpvlan, createMacvlan } from "./link-create-lan.js";
import { deleteLink, deleteLinksByGroup, findLink, getLink, setHairpin, setLink } from "./link.js";
import { NetnsDirectory } from "./namespace.js";

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  address?: string;
  master?: string;
  group?: string;
  link?: string;
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_data?: Record<string, unknown> };
}

const fdCount = (): number => readdirSync("/proc/self/fd").length;

/** Scratch namespaces (and host-side link names) of this file, removed in `after` whatever happened. */
class Scratch {
  readonly fdsBefore = fdCount();
  readonly native = loadNative();
  readonly dir = new NetnsDirectory(this.native);
  readonly cache = new HandleCache(this.native);
  readonly #names: string[] = [];
  readonly #hostLinks: string[] = [];

  netns(): { name: string; h: NetnsHandle } {
    const name = uniqueName("dnt");
    this.#names.push(name);
    return { name, h: this.cache.get(this.dir.create(name)) };
  }

  /** A unique name for a link in the host netns; deleted in cleanup if it exists. */
  hostLinkName(): string {
    const name = uniqueName("dnh");
    this.#hostLinks.push(name);
    return name;
  }

  cleanup(): void {
    this.cache.closeAll();
    for (const link of this.#hostLinks) tryRun("ip", ["link", "del", link]);
    for (const name of this.#names) if (this.dir.exists(name)) this.dir.delete(name);
  }
}

function link(name: string, netns?: string): IpLink {
  const [l] = ipJson<IpLink[]>(["-d", "link", "show", "dev", name], netns);
  assert.ok(l !== undefined, `ip link show ${name}`);
  return l;
}

function linkNames(netns: string): string[] {
  return ipJson<IpLink[]>(["link", "show"], netns).map((l) => l.ifname).sort();
}

function exists(name: string, netns?: string): boolean {
  return tryRun("ip", [...(netns === undefined ? [] : ["-n", netns]), "link", "show", "dev", name]) !== undefined;
}

/** A handle that records kernel calls instead of making them: proves validation happens first. */
function recordingHandle(): { h: NetnsHandle; calls: string[] } {
  const calls: string[] = [];
  const refuse = async (r: { describe: string }): Promise<never> => {
    calls.push(r.describe);
    throw new Error(`kernel called: ${r.describe}`);
  };
  const route = { request: refuse, batch: refuse, batchOrThrow: refuse };
  return { h: { route, nsFd: 1000, path: "/nonexistent" } as unknown as NetnsHandle, calls };
}

function isKernelError(code: string, kind: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof NetlinkError, `expected a NetlinkError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind);
    if (err.extack !== "") assert.ok(err.message.includes(err.extack), "the kernel's text is in the message");
    return true;
  };
}

function isInvalid(code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof LibnetworkError && !(err instanceof NetlinkError), `expected our own error, got ${String(err)}`);
    assert.equal(err.kind, "invalid-argument");
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe("osl links (root, scratch namespaces)", rootOnly, () => {
  let s: Scratch;
  before(() => { s = new Scratch(); });
  after(() => {
    s.cleanup();
    assert.equal(fdCount(), s.fdsBefore, "every netns fd and netlink socket is closed");
  });

  it("veth: the peer is born in a scratch netns as eth0; the host end gets mtu, mac, group and up", async () => {
    const b = s.netns();
    const hostEnd = s.hostLinkName();
    await createVeth(s.cache.host(), {
      name: hostEnd, mtu: 1450, mac: "02:42:0a:d5:00:01", group: 4242, up: true,
      peer: { name: "eth0", netns: b.h, mac: "02:42:0a:d5:00:02", up: true },
    });
    const host = link(hostEnd);
    assert.equal(host.linkinfo?.info_kind, "veth");
    assert.equal(host.mtu, 1450);
    assert.equal(host.address, "02:42:0a:d5:00:01");
    assert.equal(host.group, "4242");
    assert.ok(host.flags.includes("UP"));
    assert.notEqual(host.link_netnsid, undefined, "the peer lives in another netns");
    assert.deepEqual(linkNames(b.name), ["eth0", "lo"]);
    const peer = link("eth0", b.name);
    assert.equal(peer.mtu, 1450);
    assert.equal(peer.address, "02:42:0a:d5:00:02");
    assert.ok(peer.flags.includes("UP"), "peer brought up after creation");
    assert.equal(peer.link_index, host.ifindex, "eth0's other end is the host end");
    // Our own reading agrees with ip's.
    const ours = await getLink(b.h, "eth0");
    assert.equal(ours.index, peer.ifindex);
    assert.equal(ours.parentIndex, host.ifindex);
    assert.equal(ours.kind, "veth");
    assert.equal((await getLink(s.cache.host(), hostEnd)).group, 4242);
  });

  it("veth enslaved to a bridge at creation (master), peer in a second scratch netns", async () => {
    const a = s.netns();
    const b = s.netns();
    await createBridge(a.h, { name: "br0", up: true });
    await createVeth(a.h, { name: "ve0", master: "br0", up: true, peer: { name: "eth0", netns: b.h } });
    assert.equal(link("ve0", a.name).master, "br0");
    assert.deepEqual(linkNames(b.name), ["eth0", "lo"]);
    assert.deepEqual(linkNames(a.name), ["br0", "lo", "ve0"]);
  });

  it("bridge with mtu, mac and up", async () => {
    const a = s.netns();
    await createBridge(a.h, { name: "br0", mtu: 1400, mac: "02:42:00:00:00:aa", up: true });
    const br = link("br0", a.name);
    assert.equal(br.linkinfo?.info_kind, "bridge");
    assert.equal(br.mtu, 1400);
    assert.equal(br.address, "02:42:00:00:00:aa");
    assert.ok(br.flags.includes("UP"));
  });

  it("vxlan: vni, UDP port 4789, local and remote addresses, learning off", async () => {
    const a = s.netns();
    await createVxlan(a.h, { name: "vx0", vni: 4242, port: 4789, local: parseIp("10.213.1.1"), remote: parseIp("10.213.1.2"), learning: false });
    const data = link("vx0", a.name).linkinfo?.info_data;
    assert.equal(link("vx0", a.name).linkinfo?.info_kind, "vxlan");
    assert.equal(data?.["id"], 4242);
    assert.equal(data?.["port"], 4789);
    assert.equal(data?.["local"], "10.213.1.1");
    assert.equal(data?.["remote"], "10.213.1.2");
    assert.equal(data?.["learning"], false);
    await createVxlan(a.h, { name: "vx1", vni: 16777215 });
    const d1 = link("vx1", a.name).linkinfo?.info_data;
    assert.equal(d1?.["id"], 16777215);
    assert.equal(d1?.["port"], 4789, "port defaults to the IANA port, not the kernel's 8472");
    await assert.rejects(createVxlan(a.h, { name: "vx2", vni: 1 << 24 }), isInvalid("ERR_INVALID_VNI"));
    await assert.rejects(createVxlan(a.h, { name: "vx2", vni: 1, port: 0 }), isInvalid("ERR_INVALID_PORT"));
    assert.equal(exists("vx2", a.name), false);
  });

  it("macvlan in bridge mode on a veth parent inside the netns, and one born in another netns", async () => {
    const a = s.netns();
    const b = s.netns();
    await createVeth(a.h, { name: "p0", peer: { name: "p1" } });
    await createMacvlan(a.h, { name: "mv0", parent: "p0", mode: "bridge", up: true });
    const mv = link("mv0", a.name);
    assert.equal(mv.linkinfo?.info_kind, "macvlan");
    assert.equal(mv.linkinfo?.info_data?.["mode"], "bridge");
    assert.equal(mv.link, "p0");
    await createMacvlan(a.h, { name: "eth0", parent: "p0", mode: "private", netns: b.h });
    const moved = link("eth0", b.name);
    assert.equal(moved.linkinfo?.info_data?.["mode"], "private");
    assert.notEqual(moved.link_netnsid, undefined, "its parent is in the other netns");
    assert.deepEqual(linkNames(b.name), ["eth0", "lo"]);
  });

  it("ipvlan: this kernel has no IPVLAN, so creation fails with a typed not-implemented EOPNOTSUPP", async () => {
    const a = s.netns();
    await createVeth(a.h, { name: "p0", peer: { name: "p1" } });
    await assert.rejects(createIpvlan(a.h, { name: "iv0", parent: "p0", mode: "l2" }), (err: unknown) => {
      isKernelError("EOPNOTSUPP", "not-implemented")(err);
      assert.match((err as NetlinkError).extack, /Unknown device type/);
      return true;
    });
    assert.equal(exists("iv0", a.name), false);
    await assert.rejects(createIpvlan(a.h, { name: "iv0", parent: "p0", mode: "l9" as "l2" }), isInvalid("ERR_INVALID_IPVLAN_MODE"));
  });

  it("setLink: up, down, mtu, mac, master, nomaster, group, several at once, by ifindex", async () => {
    const a = s.netns();
    await createBridge(a.h, { name: "br0" });
    await createVeth(a.h, { name: "s0", peer: { name: "s1" } });
    await setLink(a.h, "s0", { up: true });
    assert.ok(link("s0", a.name).flags.includes("UP"));
    await setLink(a.h, "s0", { up: false });
    assert.ok(!link("s0", a.name).flags.includes("UP"));
    await setLink(a.h, "s0", { mtu: 1300 });
    assert.equal(link("s0", a.name).mtu, 1300);
    await setLink(a.h, "s0", { mac: "02:00:00:00:12:34" });
    assert.equal(link("s0", a.name).address, "02:00:00:00:12:34");
    await setLink(a.h, "s0", { master: "br0" });
    assert.equal(link("s0", a.name).master, "br0");
    await setLink(a.h, "s0", { master: null });
    assert.equal(link("s0", a.name).master, undefined);
    await setLink(a.h, "s0", { group: 99 });
    assert.equal(link("s0", a.name).group, "99");
    const index = link("s1", a.name).ifindex;
    await setLink(a.h, index, { mtu: 1280, up: true, group: 5, master: "br0" });
    const s1 = link("s1", a.name);
    assert.deepEqual([s1.mtu, s1.flags.includes("UP"), s1.group, s1.master], [1280, true, "5", "br0"]);
    await assert.rejects(setLink(a.h, "s0", { mtu: 67 }), isInvalid("ERR_INVALID_MTU"));
  });

  it("setLink renames a link, keeping its ifindex (down, and up: recent kernels allow that)", async () => {
    const a = s.netns();
    await createVeth(a.h, { name: "r0", peer: { name: "r1" } });
    const before = link("r0", a.name).ifindex;
    await setLink(a.h, "r0", { name: "renamed0" });
    assert.equal(exists("r0", a.name), false);
    assert.equal(link("renamed0", a.name).ifindex, before);
    await setLink(a.h, "renamed0", { up: true });
    await setLink(a.h, before, { name: "r0" });
    const renamed = link("r0", a.name);
    assert.deepEqual([renamed.ifindex, renamed.flags.includes("UP")], [before, true]);
    await assert.rejects(setLink(a.h, "r0", { name: "r1" }), isKernelError("EEXIST", "conflict"));
  });

  it("setHairpin on a bridge port, checked in the port's bridge settings; a non-port is refused", async () => {
    const a = s.netns();
    await createBridge(a.h, { name: "br0" });
    await createVeth(a.h, { name: "h0", master: "br0", peer: { name: "h1" } });
    const hairpin = (): unknown => link("h0", a.name).linkinfo?.info_slave_data?.["hairpin"];
    assert.equal(hairpin(), false);
    await setHairpin(a.h, "h0", true);
    assert.equal(hairpin(), true);
    const bridgeView = JSON.parse(run("bridge", ["-n", a.name, "-d", "-j", "link", "show", "dev", "h0"])) as Array<{ hairpin?: boolean }>;
    assert.equal(bridgeView[0]?.hairpin, true);
    await setHairpin(a.h, "h0", false);
    assert.equal(hairpin(), false);
    await assert.rejects(setHairpin(a.h, "h1", true), isKernelError("EOPNOTSUPP", "not-implemented"));
  });

  it("deleteLink removes a veth pair (both ends) and a bridge by ifindex", async () => {
    const a = s.netns();
    await createVeth(a.h, { name: "d0", peer: { name: "d1" } });
    await createBridge(a.h, { name: "dbr" });
    await deleteLink(a.h, "d0");
    await deleteLink(a.h, link("dbr", a.name).ifindex);
    assert.deepEqual(linkNames(a.name), ["lo"]);
  });

  it("deleteLinksByGroup deletes exactly the links of the group; group 0 and bad groups are refused", async () => {
    const a = s.netns();
    await createVeth(a.h, { name: "g0", group: 7, peer: { name: "g1" } });
    await createBridge(a.h, { name: "gbr", group: 7 });
    await createVeth(a.h, { name: "k0", group: 8, peer: { name: "k1" } });
    await createBridge(a.h, { name: "kbr" });
    assert.equal(link("g1", a.name).group, "7", "the peer joins the group too");
    await deleteLinksByGroup(a.h, 7);
    assert.deepEqual(linkNames(a.name), ["k0", "k1", "kbr", "lo"]);
    await assert.rejects(deleteLinksByGroup(a.h, 0), isInvalid("ERR_INVALID_GROUP"));
    await assert.rejects(deleteLinksByGroup(a.h, -1), isInvalid("ERR_INVALID_GROUP"));
    await assert.rejects(deleteLinksByGroup(a.h, 2 ** 32), isInvalid("ERR_INVALID_GROUP"));
    assert.deepEqual(linkNames(a.name), ["k0", "k1", "kbr", "lo"]);
    const fake = recordingHandle();
    await assert.rejects(deleteLinksByGroup(fake.h, 0), isInvalid("ERR_INVALID_GROUP"));
    assert.deepEqual(fake.calls, []);
  });

  it("EEXIST on a duplicate name is a typed conflict (kernel's errno and text)", async () => {
    const a = s.netns();
    const b = s.netns();
    await createBridge(a.h, { name: "dup0" });
    await assert.rejects(createBridge(a.h, { name: "dup0" }), (err: unknown) => {
      isKernelError("EEXIST", "conflict")(err);
      assert.equal((err as NetlinkError).errno, 17);
      assert.match((err as Error).message, /^create bridge dup0: EEXIST/);
      return true;
    });
    await createVeth(a.h, { name: "x0", peer: { name: "eth0", netns: b.h } });
    await assert.rejects(createVeth(a.h, { name: "x1", peer: { name: "eth0", netns: b.h } }), isKernelError("EEXIST", "conflict"));
    assert.equal(exists("x1", a.name), false, "a failed create leaves nothing");
  });

  it("ENODEV on an unknown link is a typed not-found; findLink says undefined", async () => {
    const a = s.netns();
    const notFound = isKernelError("ENODEV", "not-found");
    await assert.rejects(getLink(a.h, "nope0"), notFound);
    await assert.rejects(getLink(a.h, 4242), notFound);
    await assert.rejects(setLink(a.h, "nope0", { up: true }), notFound);
    await assert.rejects(setLink(a.h, 4242, { mtu: 1400 }), notFound);
    await assert.rejects(deleteLink(a.h, "nope0"), notFound);
    await assert.rejects(setHairpin(a.h, "nope0", true), notFound);
    await assert.rejects(createVeth(a.h, { name: "m0", master: "nope0", peer: { name: "m1" } }), notFound);
    await assert.rejects(createMacvlan(a.h, { name: "mv0", parent: "nope0" }), notFound);
    assert.equal(await findLink(a.h, "nope0"), undefined);
    assert.equal((await findLink(a.h, "lo"))?.index, 1);
  });

  it("a 15-byte name is the longest the kernel takes", async () => {
    const a = s.netns();
    await createBridge(a.h, { name: "b".repeat(15) });
    assert.equal(link("b".repeat(15), a.name).ifname, "b".repeat(15));
  });
});

describe("osl link validation (no root)", () => {
  it("invalid interface names are refused before any kernel call (invalid-argument)", async () => {
    const bad = ["", "a".repeat(16), "é".repeat(8), "a/b", "a b", "tab\tx", 'q"x', "q'x", "q`x", ".", "..", "a:b", "nl\n"];
    const fake = recordingHandle();
    const h = fake.h;
    const invalidName = isInvalid("ERR_INVALID_IFNAME");
    for (const name of bad) {
      const ops: Array<() => Promise<unknown>> = [
        () => getLink(h, name), () => findLink(h, name), () => setLink(h, name, { up: true }),
        () => setLink(h, 3, { name }), () => setLink(h, "ok0", { master: name }), () => deleteLink(h, name),
        () => setHairpin(h, name, true), () => createBridge(h, { name }), () => createVeth(h, { name, peer: { name: "ok1" } }),
        () => createVeth(h, { name: "ok0", peer: { name } }), () => createVeth(h, { name: "ok0", master: name, peer: { name: "ok1" } }),
        () => createVxlan(h, { name, vni: 1 }), () => createMacvlan(h, { name, parent: "ok0" }),
        () => createIpvlan(h, { name, parent: "ok0" }),
      ];
      for (const op of ops) await assert.rejects(op(), invalidName, JSON.stringify(name));
    }
    assert.deepEqual(fake.calls, [], "no request reached the kernel");
    await assert.rejects(getLink(h, 0), isInvalid("ERR_INVALID_IFINDEX"));
    await assert.rejects(getLink(h, -3), isInvalid("ERR_INVALID_IFINDEX"));
    await assert.rejects(createBridge(h, { name: "ok0", mac: "zz" }), isInvalid("ERR_INVALID_MAC"));
    assert.deepEqual(fake.calls, []);
  });
});
