// Root integration tests of per-netns sysctls: written through a handle, read back with `ip netns exec … sysctl`.

import assert from "node:assert/strict";
import { closeSync, readFileSync, readSync } from "node:fs";
import { before, describe, it } from "node:test";
import { LibnetworkError } from "../errors/index.js";
import { rootOnly, run } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { createBridge } from "./link-create.js";
import { openProcSysNet, readSysctl, sysctlPath, writeSysctl } from "./sysctl.js";

/** The host's value, read from this process's (the host's) /proc/sys. */
const hostValue = (key: string): string => readFileSync(sysctlPath(key), "utf8").trim();

/** The independent oracle: sysctl(8) run inside the namespace. */
const nsValue = (netns: string, key: string): string => run("ip", ["netns", "exec", netns, "sysctl", "-n", key]).trim();

function isError(kind: string, code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof LibnetworkError, `expected a LibnetworkError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

const KEYS = [
  "net.ipv4.ip_forward",
  "net.ipv4.conf.all.forwarding",
  "net.ipv6.conf.all.forwarding",
  "net.ipv4.conf.default.rp_filter",
  "net.ipv6.conf.all.disable_ipv6",
];

describe("osl sysctls inside a scratch netns (root)", rootOnly, () => {
  const ns = useScratchNamespaces();
  const scratch = ns.scratch;
  const hostBefore = new Map<string, string>();

  before(() => {
    for (const key of KEYS) hostBefore.set(key, hostValue(key));
  });

  it("writes forwarding and other net.* keys in the netns only; sysctl(8) there reads them back", () => {
    const { name, h } = scratch();
    for (const key of KEYS) {
      const flipped = h.readSysctl(key) === "1" ? "0" : "1";
      h.writeSysctl(key, flipped);
      assert.equal(nsValue(name, key), flipped, key);
      assert.equal(h.readSysctl(key), flipped, key);
      assert.equal(readSysctl(ns.native, h.nsFd, key), flipped, key);
    }
    for (const key of KEYS) assert.equal(hostValue(key), hostBefore.get(key), `host's ${key} unchanged`);
  });

  it("openAt relative to the netns's /proc/sys/net reads that netns's values; a negative dirFd is refused", () => {
    const { name, h } = scratch();
    h.writeSysctl("net.ipv4.ip_forward", "1");
    const dirFd = openProcSysNet(ns.native, h.nsFd);
    try {
      const fd = ns.native.openAt(h.nsFd, "ipv4/ip_forward", 0, dirFd);
      const buf = Buffer.alloc(8);
      const n = readSync(fd, buf, 0, 8, 0);
      closeSync(fd);
      assert.equal(buf.subarray(0, n).toString().trim(), nsValue(name, "net.ipv4.ip_forward"));
      assert.throws(() => ns.native.openAt(h.nsFd, "ipv4/ip_forward", 0, -5), /non-negative/);
    } finally {
      closeSync(dirFd);
    }
  });

  it("reaches per-interface keys, including an interface name with a dot (slash form)", async () => {
    const { name, h } = scratch();
    await createBridge(h, { name: "br.10" });
    writeSysctl(ns.native, h.nsFd, "net/ipv4/conf/br.10/forwarding", "1");
    assert.equal(nsValue(name, "net/ipv4/conf/br.10/forwarding"), "1");
    h.writeSysctl("net.ipv4.conf.lo.rp_filter", "2");
    assert.equal(nsValue(name, "net.ipv4.conf.lo.rp_filter"), "2");
    h.writeSysctl("net.ipv4.ip_local_port_range", "20000\t30000");
    assert.equal(nsValue(name, "net.ipv4.ip_local_port_range").replace(/\s+/g, " "), "20000 30000");
  });

  it("refuses non-net keys and malformed keys with invalid-argument, and unknown keys with not-found", () => {
    const { h } = scratch();
    const invalid = isError("invalid-argument", "ERR_INVALID_SYSCTL");
    const bad = ["kernel.hostname", "vm.swappiness", "net", "", "net..ipv4", "net.ipv4.", "net/../kernel/hostname",
      "net/ipv4/../../kernel/hostname", "/net/ipv4/ip_forward", "net.ipv4.conf.a b.forwarding", "net.ipv4.ip_forward\n"];
    for (const key of bad) {
      assert.throws(() => h.readSysctl(key), invalid, JSON.stringify(key));
      assert.throws(() => h.writeSysctl(key, "1"), invalid, JSON.stringify(key));
    }
    const missing = isError("not-found", "ERR_SYSCTL_NOT_FOUND");
    assert.throws(() => h.readSysctl("net.ipv4.no_such_key"), missing);
    assert.throws(() => h.writeSysctl("net.ipv4.conf.nope0.forwarding", "1"), missing);
  });

  it("refuses bad values: newlines before any write, and what the kernel rejects (EINVAL)", () => {
    const { name, h } = scratch();
    const before = nsValue(name, "net.ipv4.ip_forward");
    const invalid = isError("invalid-argument", "ERR_INVALID_SYSCTL");
    assert.throws(() => h.writeSysctl("net.ipv4.ip_forward", "1\n0"), invalid);
    assert.throws(() => h.writeSysctl("net.ipv4.ip_forward", "\0"), invalid);
    assert.throws(() => h.writeSysctl("net.ipv4.ip_forward", "yes"), invalid);
    assert.equal(nsValue(name, "net.ipv4.ip_forward"), before);
  });
});
