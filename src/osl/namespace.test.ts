// Root integration tests of netns files: create, open, delete, deleteMany, in /run/netns and a scratch directory.

import assert from "node:assert/strict";
import { existsSync, fstatSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { LibnetworkError } from "../errors/index.js";
import { loadNative } from "../native/index.js";
import { ipJson, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { DEFAULT_NETNS_DIR, NetnsDirectory, closeFd, openNetnsFd, validateNetnsName } from "./namespace.js";

const fdCount = (): number => readdirSync("/proc/self/fd").length;

function isError(kind: string, code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof LibnetworkError, `expected a LibnetworkError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

/** Mount points of this process's mount namespace under `dir`. */
function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n")
    .map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(`${dir}/`));
}

/** The netns inode behind a netns file or /proc/…/ns/net (what `ip netns identify` compares). */
function netnsInode(path: string): number {
  return statSync(path).ino;
}

function ipNetnsList(): string[] {
  return run("ip", ["netns", "list"]).split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n !== "");
}

const BAD_NAMES = ["", ".", "..", "a/b", "../x", "a b", "tab\tx", 'q"x', "$x", "x".repeat(201), "é"];

describe("NetnsDirectory in a scratch directory /run/dnet-test-<unique> (root)", rootOnly, () => {
  const base = `/run/dnet-test-${uniqueName("")}`;
  let dir: NetnsDirectory;
  let fdsBefore = 0;
  const created: string[] = [];

  before(() => {
    fdsBefore = fdCount();
    dir = new NetnsDirectory(loadNative(), base);
  });

  after(() => {
    for (const name of created) if (existsSync(`${base}/${name}`)) dir.delete(name);
    // create() made the directory a (bind) mount of itself so netns mounts propagate; undo both.
    tryRun("umount", ["-l", base]);
    if (existsSync(base)) rmdirSync(base);
    assert.equal(fdCount(), fdsBefore, "no fd left open");
    assert.deepEqual(mountsUnder(base), []);
  });

  const make = (name: string): string => {
    created.push(name);
    return dir.create(name);
  };

  it("create makes a separate, empty netns bound to <dir>/<name>", () => {
    const path = make("a");
    assert.equal(path, `${base}/a`);
    assert.deepEqual(readdirSync(base), ["a"]);
    assert.ok(dir.exists("a"));
    assert.deepEqual(mountsUnder(base), [path], "bind-mounted netns file");
    assert.notEqual(netnsInode(path), netnsInode("/proc/self/ns/net"), "not the test's own netns");
    const links = JSON.parse(run("nsenter", [`--net=${path}`, "ip", "-j", "link", "show"])) as Array<{ ifname: string; flags: string[] }>;
    assert.deepEqual(links.map((l) => l.ifname), ["lo"]);
    assert.ok(!links[0]?.flags.includes("UP"), "lo starts down");
  });

  it("openNetnsFd gives an fd of that netns; a missing file is a typed not-found", () => {
    const path = make("b");
    const fd = openNetnsFd(path);
    try {
      assert.equal(fstatSync(fd).ino, netnsInode(path));
      assert.equal(readlinkSync(`/proc/self/fd/${fd}`), path);
    } finally {
      closeFd(fd);
    }
    assert.throws(() => openNetnsFd(`${base}/missing`), isError("not-found", "ERR_NETNS_NOT_FOUND"));
  });

  it("creating a name twice is a typed conflict and leaves the first netns alone", () => {
    const path = make("c");
    const inode = netnsInode(path);
    assert.throws(() => dir.create("c"), isError("conflict", "ERR_NETNS_EXISTS"));
    assert.equal(netnsInode(path), inode);
  });

  it("delete removes the file and its mount; deleting a missing netns is a typed not-found", () => {
    make("d");
    dir.delete("d");
    assert.ok(!existsSync(`${base}/d`));
    assert.ok(!mountsUnder(base).includes(`${base}/d`));
    assert.throws(() => dir.delete("d"), isError("not-found", "ERR_NETNS_NOT_FOUND"));
    assert.throws(() => dir.delete("never-created"), isError("not-found", "ERR_NETNS_NOT_FOUND"));
  });

  it("deleteMany deletes every namespace it can and reports all failures together", () => {
    for (const n of ["m1", "m2", "m3"]) make(n);
    dir.deleteMany(["m1", "m2"]);
    assert.deepEqual(readdirSync(base).filter((n) => n.startsWith("m")), ["m3"]);
    assert.throws(() => dir.deleteMany(["gone1"]), isError("not-found", "ERR_NETNS_NOT_FOUND"));
    assert.throws(() => dir.deleteMany(["gone1", "m3", "gone2"]), (err: unknown) => {
      assert.ok(err instanceof AggregateError);
      assert.equal(err.errors.length, 2);
      for (const e of err.errors) isError("not-found", "ERR_NETNS_NOT_FOUND")(e);
      return true;
    });
    assert.ok(!existsSync(`${base}/m3`), "the one that existed was deleted despite the failures");
    dir.deleteMany([]);
  });

  it("bad names are refused with invalid-argument before touching the filesystem", () => {
    const beforeEntries = readdirSync(base);
    for (const name of BAD_NAMES) {
      const invalid = isError("invalid-argument", "ERR_INVALID_NETNS_NAME");
      assert.throws(() => dir.create(name), invalid, JSON.stringify(name));
      assert.throws(() => dir.delete(name), invalid, JSON.stringify(name));
      assert.throws(() => dir.pathOf(name), invalid, JSON.stringify(name));
      assert.throws(() => validateNetnsName(name), invalid, JSON.stringify(name));
    }
    assert.throws(() => dir.deleteMany(["ok", "a/b"]), AggregateError);
    assert.deepEqual(readdirSync(base), beforeEntries);
    assert.equal(validateNetnsName("sb_1.x-y"), "sb_1.x-y");
  });
});

describe("NetnsDirectory in /run/netns, as `ip netns` sees it (root)", rootOnly, () => {
  const name = uniqueName("dnt");
  let dir: NetnsDirectory;
  let fdsBefore = 0;

  before(() => {
    fdsBefore = fdCount();
    dir = new NetnsDirectory(loadNative());
  });

  after(() => {
    if (existsSync(`${DEFAULT_NETNS_DIR}/${name}`)) dir.delete(name);
    assert.equal(fdCount(), fdsBefore, "no fd left open");
  });

  it("create is listed by `ip netns list` and usable with `ip -n`; delete unlists it", () => {
    assert.equal(dir.dir, DEFAULT_NETNS_DIR);
    const path = dir.create(name);
    assert.equal(path, `/run/netns/${name}`);
    assert.ok(ipNetnsList().includes(name));
    assert.deepEqual(ipJson<Array<{ ifname: string }>>(["link", "show"], name).map((l) => l.ifname), ["lo"]);
    assert.match(run("ip", ["netns", "exec", name, "readlink", "/proc/self/ns/net"]), new RegExp(`^net:\\[${statSync(path).ino}\\]`));
    dir.delete(name);
    assert.ok(!ipNetnsList().includes(name));
    assert.throws(() => dir.delete(name), isError("not-found", "ERR_NETNS_NOT_FOUND"));
  });
});
