// Tests for ResolvConfCache: the host's resolv.conf is read again exactly when one of its files changes,
// and what it computes always equals what readHostResolvConf and sandboxResolvConf give directly.

import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ResolvConfCache } from "./resolvconf-cache.js";
import { NO_DNS_USER_CONFIG, parseDnsUserConfig, readHostResolvConf } from "./resolvconf.js";
import { sandboxResolvConf } from "./sandbox-resolvconf.js";

const dir = mkdtempSync(join(tmpdir(), "dnet-resolvconf-cache-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function paths(): { path: string; systemdPath: string } {
  n++;
  return { path: join(dir, `resolv${n}.conf`), systemdPath: join(dir, `systemd${n}.conf`) };
}

describe("ResolvConfCache", () => {
  it("follows every change of the host file: rewrite in place, same size, same mtime, replaced, removed", () => {
    const p = paths();
    const cache = new ResolvConfCache(p);
    assert.equal(cache.host().content, undefined);
    writeFileSync(p.path, "nameserver 10.0.0.1\n");
    assert.equal(cache.host().content, "nameserver 10.0.0.1\n");
    writeFileSync(p.path, "nameserver 10.0.0.2\n"); // same size
    assert.equal(cache.host().content, "nameserver 10.0.0.2\n");
    const old = new Date(Date.now() - 60_000);
    writeFileSync(p.path, "nameserver 10.0.0.3\n");
    utimesSync(p.path, old, old); // mtime put back: ctime still moves
    assert.equal(cache.host().content, "nameserver 10.0.0.3\n");
    writeFileSync(`${p.path}.new`, "nameserver 10.0.0.4\n");
    renameSync(`${p.path}.new`, p.path);
    assert.equal(cache.host().content, "nameserver 10.0.0.4\n");
    rmSync(p.path);
    assert.equal(cache.host().content, undefined);
  });

  it("returns the remembered read while nothing changed", () => {
    const p = paths();
    writeFileSync(p.path, "nameserver 10.0.0.1\n");
    const cache = new ResolvConfCache(p);
    const first = cache.host();
    assert.equal(cache.host(), first, "the same object: the file was not read again");
  });

  it("switches to systemd-resolved's file like readHostResolvConf, and follows that file too", () => {
    const p = paths();
    writeFileSync(p.path, "nameserver 127.0.0.53\noptions edns0\n");
    const cache = new ResolvConfCache(p);
    assert.deepEqual(cache.host(), readHostResolvConf(p)); // no systemd file yet: the stub file
    writeFileSync(p.systemdPath, "nameserver 192.0.2.1\n");
    assert.deepEqual(cache.host(), { path: p.systemdPath, content: "nameserver 192.0.2.1\n" });
    writeFileSync(p.systemdPath, "nameserver 192.0.2.2\n");
    assert.deepEqual(cache.host(), { path: p.systemdPath, content: "nameserver 192.0.2.2\n" });
  });

  it("computes sandbox files as sandboxResolvConf does, per input, and again after the host file changed", () => {
    const p = paths();
    writeFileSync(p.path, "search corp.example\nnameserver 10.0.0.1\nnameserver 2001:db8::1\nnameserver 127.0.0.1\n");
    const cache = new ResolvConfCache(p);
    const user = parseDnsUserConfig({ dns: ["192.0.2.9"], dnsSearch: ["a.example"], dnsOptions: ["ndots:2"] });
    const inputs = [
      { user: NO_DNS_USER_CONFIG, ipv6: false, embeddedDns: false },
      { user: NO_DNS_USER_CONFIG, ipv6: true, embeddedDns: false },
      { user: NO_DNS_USER_CONFIG, ipv6: false, embeddedDns: true },
      { user: NO_DNS_USER_CONFIG, ipv6: true, embeddedDns: true },
      { user, ipv6: false, embeddedDns: true },
      { user, ipv6: false, embeddedDns: false },
    ];
    const expected = (host: string | undefined): string[] => inputs.map((i) => sandboxResolvConf({ host, ...i }).content);
    const host1 = readHostResolvConf(p).content;
    assert.equal(new Set(expected(host1)).size, inputs.length, "every input gives its own file");
    for (let round = 0; round < 2; round++) assert.deepEqual(inputs.map((i) => cache.sandbox(i).content), expected(host1));
    writeFileSync(p.path, "nameserver 10.9.9.9\n");
    assert.deepEqual(inputs.map((i) => cache.sandbox(i).content), expected("nameserver 10.9.9.9\n"));
  });
});
