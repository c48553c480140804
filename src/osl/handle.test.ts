// Root integration tests of per-netns handles: one cached handle per netns, fds closed on release/closeAll.

import assert from "node:assert/strict";
import { existsSync, fstatSync, readdirSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { LibnetworkError } from "../errors/index.js";
import { loadNative, type NativeAddon } from "../native/index.js";
import { NETLINK_NETFILTER } from "../netlink/constants.js";
import { ipJson, rootOnly, tryRun, uniqueName } from "../testing/kernel.js";
import { HandleCache, NetnsHandle } from "./handle.js";
import { createVeth } from "./link-create.js";
import { getLink, listLinks } from "./link.js";
import { NetnsDirectory } from "./namespace.js";

const fdCount = (): number => readdirSync("/proc/self/fd").length;

function isError(kind: string, code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof LibnetworkError, `expected a LibnetworkError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe("osl netns handles (root, scratch namespaces)", rootOnly, () => {
  let native: NativeAddon;
  let dir: NetnsDirectory;
  let fdsBefore = 0;
  const names: string[] = [];
  const caches: HandleCache[] = [];

  before(() => {
    fdsBefore = fdCount();
    native = loadNative();
    dir = new NetnsDirectory(native);
  });

  after(() => {
    for (const c of caches) c.closeAll();
    for (const name of names) if (dir.exists(name)) dir.delete(name);
    assert.equal(fdCount(), fdsBefore, "every handle's fds are closed");
  });

  const scratch = (): { name: string; path: string } => {
    const name = uniqueName("dnt");
    names.push(name);
    return { name, path: dir.create(name) };
  };
  const newCache = (): HandleCache => {
    const c = new HandleCache(native);
    caches.push(c);
    return c;
  };

  it("the cache returns the same handle per netns path, and one host handle", () => {
    const cache = newCache();
    const a = scratch();
    const b = scratch();
    const ha = cache.get(a.path);
    assert.equal(cache.get(a.path), ha);
    assert.notEqual(cache.get(b.path), ha);
    assert.equal(cache.host(), cache.host());
    assert.equal(cache.size, 3);
    assert.equal(ha.path, a.path);
    assert.equal(fstatSync(ha.nsFd).ino, statSync(a.path).ino, "the handle's fd is that netns");
    assert.equal(cache.host().nsFd, -1);
    assert.equal(cache.host().path, undefined);
  });

  it("a handle talks to its own netns: a veth made through it is seen there by `ip -n` only", async () => {
    const cache = newCache();
    const a = scratch();
    const h = cache.get(a.path);
    const veth = uniqueName("dnh");
    await createVeth(h, { name: veth, peer: { name: "eth0" } });
    const names = ipJson<Array<{ ifname: string }>>(["link", "show"], a.name).map((l) => l.ifname).sort();
    assert.deepEqual(names, [veth, "eth0", "lo"].sort());
    assert.equal(tryRun("ip", ["link", "show", "dev", veth]), undefined, "not in the host netns");
    assert.deepEqual((await listLinks(h)).map((l) => l.name).sort(), names);
    assert.equal((await getLink(h, "lo")).index, 1);
  });

  it("release closes the handle's netns fd and netlink sockets (netfilter too) and forgets it", () => {
    const cache = newCache();
    const a = scratch();
    const base = fdCount();
    const h = cache.get(a.path);
    assert.equal(fdCount(), base + 2, "netns fd + NETLINK_ROUTE socket");
    h.netfilter();
    assert.equal(h.netfilter(), h.netfilter(), "the netfilter socket is opened once");
    assert.equal(fdCount(), base + 3, "+ NETLINK_NETFILTER socket, opened lazily");
    cache.release(a.path);
    assert.ok(h.closed);
    assert.ok(h.route.closed);
    assert.equal(fdCount(), base);
    assert.equal(cache.size, 0);
    const again = cache.get(a.path);
    assert.notEqual(again, h, "a released path gets a fresh handle");
    cache.release(a.path);
    cache.release(a.path);
    assert.equal(fdCount(), base);
  });

  it("closeAll closes every handle, the host's included; the cache stays usable", () => {
    const cache = newCache();
    const base = fdCount();
    const handles = [cache.get(scratch().path), cache.get(scratch().path), cache.host()];
    handles[0]?.netfilter();
    assert.ok(fdCount() > base);
    cache.closeAll();
    assert.ok(handles.every((h) => h.closed));
    assert.equal(cache.size, 0);
    assert.equal(fdCount(), base);
    const host = cache.host();
    assert.ok(!host.closed);
    cache.closeAll();
    assert.equal(fdCount(), base);
  });

  it("openSocket: a new socket per call that the caller owns (it outlives the handle), refused once closed", () => {
    const cache = newCache();
    const h = cache.get(scratch().path);
    const base = fdCount();
    const own = h.openSocket(NETLINK_NETFILTER, { receiveBufferBytes: 1 << 18 });
    assert.notEqual(own, h.netfilter(), "not the handle's shared socket");
    assert.equal(fdCount(), base + 2, "the caller's socket + the handle's netfilter socket");
    cache.closeAll();
    assert.ok(!own.closed, "closing the handle leaves the caller's socket alone");
    // `base` counted the handle's netns fd and route socket; its netfilter socket went too.
    assert.equal(fdCount(), base - 2 + 1, "the handle's fds are gone, the caller's socket stays");
    own.close();
    assert.throws(() => h.openSocket(NETLINK_NETFILTER), isError("internal", "ERR_HANDLE_CLOSED"));
  });

  it("a closed handle refuses use with typed errors; close is idempotent", async () => {
    const a = scratch();
    const h = NetnsHandle.open(native, a.path);
    h.close();
    h.close();
    assert.throws(() => h.netfilter(), isError("internal", "ERR_HANDLE_CLOSED"));
    assert.throws(() => h.readSysctl("net.ipv4.ip_forward"), isError("internal", "ERR_HANDLE_CLOSED"));
    assert.throws(() => h.writeSysctl("net.ipv4.ip_forward", "1"), isError("internal", "ERR_HANDLE_CLOSED"));
    await assert.rejects(getLink(h, "lo"), isError("internal", "ERR_NETLINK_CLOSED"));
  });

  it("opening a handle on a missing netns is a typed not-found and leaks no fd", () => {
    const base = fdCount();
    const missing = `/run/netns/${uniqueName("dnt")}-missing`;
    assert.ok(!existsSync(missing));
    assert.throws(() => NetnsHandle.open(native, missing), isError("not-found", "ERR_NETNS_NOT_FOUND"));
    assert.throws(() => newCache().get(missing), isError("not-found", "ERR_NETNS_NOT_FOUND"));
    assert.equal(fdCount(), base);
  });
});
