// Tests for writing the sandbox DNS files: atomic writes, the hash, user edits, removal, and `ip netns exec`.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import {
  contentHash,
  DEFAULT_ETC_NETNS_DIR,
  DnsFilesCache,
  removeSandboxDnsFiles,
  sandboxDnsPaths,
  wasEditedByUser,
  writeSandboxDnsFiles,
} from "./files.js";
import { buildHosts, parseExtraHost } from "./hosts.js";
import { parseDnsUserConfig } from "./resolvconf.js";
import { sandboxResolvConf } from "./sandbox-resolvconf.js";

const RESOLV = "search foo.example\nnameserver 127.0.0.11\noptions ndots:3\n";
const HOSTS = buildHosts({ hostname: "test", domainname: "docker.io", endpoints: [{ ipv4: "10.10.0.2" }] });

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "dnet-dnsfiles-"));
}

describe("writeSandboxDnsFiles", () => {
  const base = scratch();
  after(() => rmSync(base, { recursive: true, force: true }));

  it("durable: false rewrites in place: same inode (bind mounts keep seeing it), exact content when it shrinks, 0644 under any umask", async () => {
    const own = scratch();
    after(() => rmSync(own, { recursive: true, force: true }));
    const paths = sandboxDnsPaths("inplace", own);
    const old = process.umask(0o077);
    try {
      await writeSandboxDnsFiles(paths, { resolvConf: RESOLV, hosts: HOSTS }, { durable: false });
    } finally {
      process.umask(old);
    }
    const inode = statSync(paths.hosts).ino;
    assert.equal(statSync(paths.hosts).mode & 0o777, 0o644);
    assert.equal(statSync(paths.resolvConf).mode & 0o777, 0o644);
    assert.equal(statSync(paths.dir).mode & 0o777, 0o755);
    const longer = `${HOSTS}10.10.0.3\tother\n10.10.0.4\tthird\n`;
    await writeSandboxDnsFiles(paths, { hosts: longer }, { durable: false });
    assert.equal(readFileSync(paths.hosts, "utf8"), longer);
    await writeSandboxDnsFiles(paths, { hosts: HOSTS }, { durable: false });
    assert.equal(readFileSync(paths.hosts, "utf8"), HOSTS, "no tail of the longer file, no padding left");
    assert.equal(statSync(paths.hosts).ino, inode);
    assert.deepEqual(readdirSync(paths.dir).sort(), ["hosts", "resolv.conf"]);
    // A symlink in the file's place is replaced, not written through.
    const target = join(own, "elsewhere");
    writeFileSync(target, "keep me\n");
    rmSync(paths.hosts);
    symlinkSync(target, paths.hosts);
    await writeSandboxDnsFiles(paths, { hosts: HOSTS }, { durable: false });
    assert.equal(readFileSync(target, "utf8"), "keep me\n");
    assert.equal(lstatSync(paths.hosts).isFile(), true);
    assert.equal(readFileSync(paths.hosts, "utf8"), HOSTS);
  });

  it("writes both files (0644) in a 0755 directory, the hash beside it, and no temp file", async () => {
    const paths = sandboxDnsPaths("sb1", base);
    assert.equal(paths.dir, join(base, "sb1"));
    const result = await writeSandboxDnsFiles(paths, { resolvConf: RESOLV, hosts: HOSTS });
    assert.deepEqual(result, { resolvConfWritten: true, hostsWritten: true });
    assert.equal(readFileSync(paths.resolvConf, "utf8"), RESOLV);
    assert.equal(readFileSync(paths.hosts, "utf8"), HOSTS);
    assert.equal(readFileSync(paths.resolvConfHash, "utf8"), contentHash(RESOLV));
    assert.match(contentHash(RESOLV), /^sha256:[0-9a-f]{64}$/);
    assert.equal(statSync(paths.dir).mode & 0o777, 0o755);
    assert.equal(statSync(paths.resolvConf).mode & 0o777, 0o644);
    assert.equal(statSync(paths.hosts).mode & 0o777, 0o644);
    // Only what `ip netns exec` should bind-mount is inside the directory.
    assert.deepEqual(readdirSync(paths.dir).sort(), ["hosts", "resolv.conf"]);
    assert.deepEqual(readdirSync(base).sort(), [".sb1.resolv.conf.hash", "sb1"]);
  });

  it("rewrites in place and writes only the files it is given", async () => {
    const paths = sandboxDnsPaths("sb2", base);
    await writeSandboxDnsFiles(paths, { resolvConf: RESOLV, hosts: HOSTS });
    const result = await writeSandboxDnsFiles(paths, { hosts: "127.0.0.1\tlocalhost\n" });
    assert.deepEqual(result, { resolvConfWritten: false, hostsWritten: true });
    assert.equal(readFileSync(paths.hosts, "utf8"), "127.0.0.1\tlocalhost\n");
    assert.equal(readFileSync(paths.resolvConf, "utf8"), RESOLV);
    await writeSandboxDnsFiles(paths, { resolvConf: "nameserver 9.9.9.9\n" });
    assert.equal(readFileSync(paths.resolvConf, "utf8"), "nameserver 9.9.9.9\n");
    assert.deepEqual(readdirSync(paths.dir).sort(), ["hosts", "resolv.conf"]);
  });

  it("detects a user edit through the hash and keeps it when asked", async () => {
    const paths = sandboxDnsPaths("sb3", base);
    assert.equal(await wasEditedByUser(paths.dir), false, "no file yet");
    await writeSandboxDnsFiles(paths, { resolvConf: RESOLV });
    assert.equal(await wasEditedByUser(paths.dir), false);
    writeFileSync(paths.resolvConf, "nameserver 1.2.3.4\n");
    assert.equal(await wasEditedByUser(paths.dir), true);
    const kept = await writeSandboxDnsFiles(paths, { resolvConf: "nameserver 9.9.9.9\n", hosts: HOSTS }, { keepUserEdits: true });
    assert.deepEqual(kept, { resolvConfWritten: false, hostsWritten: true });
    assert.equal(readFileSync(paths.resolvConf, "utf8"), "nameserver 1.2.3.4\n");
    const forced = await writeSandboxDnsFiles(paths, { resolvConf: "nameserver 9.9.9.9\n" });
    assert.equal(forced.resolvConfWritten, true);
    assert.equal(await wasEditedByUser(paths.dir), false);
  });

  it("durable: false keeps a user edit made after its own write, even one of the same size (it remembers what it wrote)", async () => {
    const paths = sandboxDnsPaths("sb3fast", base);
    const cache = new DnsFilesCache();
    const fast = { durable: false, keepUserEdits: true, cache } as const;
    assert.equal((await writeSandboxDnsFiles(paths, { resolvConf: RESOLV }, fast)).resolvConfWritten, true);
    assert.equal(cache.written.recall(paths.resolvConf), RESOLV);
    assert.equal((await writeSandboxDnsFiles(paths, { resolvConf: RESOLV }, fast)).resolvConfWritten, false, "unchanged: left alone");
    const next = "nameserver 192.0.2.1\n";
    assert.equal((await writeSandboxDnsFiles(paths, { resolvConf: next }, fast)).resolvConfWritten, true, "ours: rewritten");
    assert.equal(await wasEditedByUser(paths.dir), false);
    writeFileSync(paths.resolvConf, "nameserver 192.0.2.9\n"); // same size, in place
    assert.equal(await wasEditedByUser(paths.dir), true);
    assert.equal(cache.written.recall(paths.resolvConf), undefined, "the edit is noticed (the file's stamp moved)");
    const kept = await writeSandboxDnsFiles(paths, { resolvConf: RESOLV, hosts: HOSTS }, fast);
    assert.deepEqual(kept, { resolvConfWritten: false, hostsWritten: true });
    assert.equal(readFileSync(paths.resolvConf, "utf8"), "nameserver 192.0.2.9\n");
    const forced = await writeSandboxDnsFiles(paths, { resolvConf: RESOLV }, { durable: false });
    assert.equal(forced.resolvConfWritten, true);
    assert.equal(readFileSync(paths.resolvConf, "utf8"), RESOLV);
    assert.equal(await wasEditedByUser(paths.dir), false);
  });

  it("repairs a hash lost between the two renames when the content is what it would write", async () => {
    const paths = sandboxDnsPaths("sb4", base);
    await writeSandboxDnsFiles(paths, { resolvConf: RESOLV });
    writeFileSync(paths.resolvConfHash, contentHash("older content"));
    assert.equal(await wasEditedByUser(paths.dir), true);
    const again = await writeSandboxDnsFiles(paths, { resolvConf: RESOLV }, { keepUserEdits: true });
    assert.equal(again.resolvConfWritten, true);
    assert.equal(await wasEditedByUser(paths.dir), false);
  });

  it("treats a missing hash file as not edited", async () => {
    const paths = sandboxDnsPaths("sb5", base);
    await writeSandboxDnsFiles(paths, { resolvConf: RESOLV });
    rmSync(paths.resolvConfHash);
    assert.equal(await wasEditedByUser(paths.dir), false);
  });

  it("reports a failed write as a typed error and leaves no temp file", async () => {
    const paths = sandboxDnsPaths("sb6", base);
    // A non-empty directory where resolv.conf should be makes the final rename fail.
    mkdirSync(join(paths.resolvConf, "blocker"), { recursive: true });
    await assert.rejects(writeSandboxDnsFiles(paths, { resolvConf: RESOLV }), (err: unknown) => {
      assert.ok(isLibnetworkError(err), String(err));
      assert.equal(err.code, "ERR_DNS_FILES");
      assert.ok(err.message.includes(paths.resolvConf), err.message);
      return true;
    });
    assert.deepEqual(readdirSync(paths.dir), ["resolv.conf"]);
    assert.equal(existsSync(paths.resolvConfHash), false);
  });
});

describe("sandbox names", () => {
  it("rejects names that are not one path component, before touching the disk", async () => {
    const base = scratch();
    try {
      for (const bad of ["", ".", "..", "a/b", "../x", "x\0y", "tab\tname", "n".repeat(201)]) {
        assert.throws(() => sandboxDnsPaths(bad, base), (err: unknown) => {
          assert.ok(isLibnetworkError(err));
          assert.equal(err.kind, "invalid-argument");
          assert.equal(err.code, "ERR_INVALID_SANDBOX_NAME");
          return true;
        });
      }
      assert.deepEqual(readdirSync(base), []);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("writes nothing when the content is invalid (the builders throw first)", async () => {
    const base = scratch();
    try {
      const paths = sandboxDnsPaths("sb", base);
      await assert.rejects(
        async () => writeSandboxDnsFiles(paths, {
          resolvConf: sandboxResolvConf({ host: "", user: parseDnsUserConfig({ dns: ["not-an-ip"] }) }).content,
          hosts: buildHosts({ extraHosts: [parseExtraHost("bad")] }),
        }),
        (err: unknown) => isLibnetworkError(err) && err.code === "ERR_INVALID_DNS_SERVER",
      );
      assert.deepEqual(readdirSync(base), []);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("defaults to /etc/netns", () => {
    assert.equal(DEFAULT_ETC_NETNS_DIR, "/etc/netns");
    assert.deepEqual(sandboxDnsPaths("web"), {
      dir: "/etc/netns/web",
      resolvConf: "/etc/netns/web/resolv.conf",
      hosts: "/etc/netns/web/hosts",
      resolvConfHash: "/etc/netns/.web.resolv.conf.hash",
    });
  });
});

describe("DnsFilesCache", () => {
  const base = scratch();
  after(() => rmSync(base, { recursive: true, force: true }));

  it("remembers paths and hashes as the plain functions compute them, and what its own writes put on disk", async () => {
    const cache = new DnsFilesCache();
    assert.deepEqual(cache.paths("memo", base), sandboxDnsPaths("memo", base));
    assert.equal(cache.paths("memo", base), cache.paths("memo", base), "the same object: remembered");
    assert.notDeepEqual(cache.paths("memo", base), cache.paths("memo", join(base, "other")), "keyed by directory too");
    assert.equal(cache.hash(RESOLV), contentHash(RESOLV));
    const paths = cache.paths("memo", base);
    await writeSandboxDnsFiles(paths, { resolvConf: RESOLV, hosts: HOSTS }, { durable: false, cache });
    assert.equal(cache.written.recall(paths.resolvConf), RESOLV);
    assert.equal(cache.written.recall(paths.hosts), undefined, "only resolv.conf is read back on joins");
    assert.equal(await removeSandboxDnsFiles(paths, cache), true);
    assert.equal(cache.written.recall(paths.resolvConf), undefined);
  });

  it("two caches share nothing: a file rewritten behind one writer's back is noticed by it, the other's memory stays", async () => {
    const [a, b] = [new DnsFilesCache(), new DnsFilesCache()];
    const [pa, pb] = [a.paths("same", join(base, "a")), b.paths("same", join(base, "b"))];
    await writeSandboxDnsFiles(pa, { resolvConf: RESOLV }, { durable: false, keepUserEdits: true, cache: a });
    await writeSandboxDnsFiles(pb, { resolvConf: RESOLV }, { durable: false, keepUserEdits: true, cache: b });
    assert.equal(b.written.recall(pa.resolvConf), undefined, "b never wrote a's file");
    assert.equal(a.written.recall(pb.resolvConf), undefined, "a never wrote b's file");
    writeFileSync(pa.resolvConf, "nameserver 192.0.2.77\n");
    const kept = await writeSandboxDnsFiles(pa, { resolvConf: `${RESOLV}# next\n` }, { durable: false, keepUserEdits: true, cache: a });
    assert.equal(kept.resolvConfWritten, false, "a noticed the edit and kept it");
    assert.equal(a.written.recall(pa.resolvConf), undefined);
    assert.equal(b.written.recall(pb.resolvConf), RESOLV, "b still knows its file");
    assert.notEqual(a.paths("same", join(base, "a")), b.paths("same", join(base, "a")), "each has its own memo");
  });
});

describe("removeSandboxDnsFiles", () => {
  const base = scratch();
  after(() => rmSync(base, { recursive: true, force: true }));

  it("removes our files, our leftover temp files and the directory; already gone is fine", async () => {
    const paths = sandboxDnsPaths("gone", base);
    await writeSandboxDnsFiles(paths, { resolvConf: RESOLV, hosts: HOSTS });
    writeFileSync(join(paths.dir, ".resolv.conf.dnet-0123456789ab.tmp"), "crash leftover");
    writeFileSync(join(base, "..gone.resolv.conf.hash.dnet-0123456789ab.tmp"), "crash leftover");
    assert.equal(await removeSandboxDnsFiles(paths), true);
    assert.deepEqual(readdirSync(base), []);
    assert.equal(await removeSandboxDnsFiles(paths), true);
  });

  it("leaves files it did not write, and the directory with them", async () => {
    const paths = sandboxDnsPaths("shared", base);
    await writeSandboxDnsFiles(paths, { resolvConf: RESOLV, hosts: HOSTS });
    writeFileSync(join(paths.dir, "nsswitch.conf"), "hosts: files dns\n");
    assert.equal(await removeSandboxDnsFiles(paths), false);
    assert.deepEqual(readdirSync(paths.dir), ["nsswitch.conf"]);
    assert.equal(existsSync(paths.resolvConfHash), false);
  });
});

describe("ip netns exec sees the files", () => {
  it("bind-mounts our resolv.conf and hosts over /etc in a scratch namespace", rootOnly, async (t) => {
    const name = uniqueName("tdns");
    const hadEtcNetns = existsSync(DEFAULT_ETC_NETNS_DIR);
    const paths = sandboxDnsPaths(name);
    t.after(async () => {
      tryRun("ip", ["netns", "del", name]);
      await removeSandboxDnsFiles(paths).catch(() => undefined);
      // Only remove /etc/netns if this test created it and nobody else put anything there meanwhile.
      if (!hadEtcNetns) { try { rmdirSync(DEFAULT_ETC_NETNS_DIR); } catch { /* in use by someone else */ } }
    });
    const user = parseDnsUserConfig({ dns: ["9.9.9.9"], dnsSearch: ["foo.example"], dnsOptions: ["ndots:3"] });
    const resolvConf = sandboxResolvConf({ host: "nameserver 10.255.255.53\n", user, embeddedDns: true }).content;
    const hosts = buildHosts({ hostname: "test", domainname: "docker.io", extraHosts: [parseExtraHost("db:10.0.0.5")], endpoints: [{ ipv4: "10.10.0.2" }] });
    await writeSandboxDnsFiles(paths, { resolvConf, hosts });
    run("ip", ["netns", "add", name]);
    for (const [file, expected] of [["/etc/resolv.conf", resolvConf], ["/etc/hosts", hosts]] as const) {
      const r = spawnSync("ip", ["netns", "exec", name, "cat", file], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expected);
      // Nothing in the directory lacks a counterpart in /etc (iproute2 complains about each such file).
      assert.equal(r.stderr, "");
    }
    assert.equal(resolvConf, "search foo.example\nnameserver 127.0.0.11\noptions ndots:3\n");
  });
});
