// Tests for the §5.4 rules: exact sandbox resolv.conf contents and upstreams, compared to what Docker writes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDnsUserConfig } from "./resolvconf.js";
import { isLoopbackNameserver, sandboxResolvConf } from "./sandbox-resolvconf.js";

const HOST_PLAIN = "nameserver 10.255.255.53\n";
const HOST_STUB = "# This is /run/systemd/resolve/stub-resolv.conf\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
const HOST_DUAL = "# generated\nnameserver 1.1.1.1\nnameserver 2606:4700::1111\nsearch corp.example\n";
const GOOGLE4 = "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
const GOOGLE6 = "nameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n";

describe("sandboxResolvConf with the embedded DNS (user networks)", () => {
  it("matches Docker for --dns 9.9.9.9 --dns-search foo.example --dns-option ndots:3", () => {
    const user = parseDnsUserConfig({ dns: ["9.9.9.9"], dnsSearch: ["foo.example"], dnsOptions: ["ndots:3"] });
    const rc = sandboxResolvConf({ host: HOST_PLAIN, user, embeddedDns: true });
    assert.equal(rc.content, "search foo.example\nnameserver 127.0.0.11\noptions ndots:3\n");
    assert.deepEqual(rc.upstreams, [{ address: "9.9.9.9", hostLoopback: false }]);
  });

  it("matches Docker without user options: 127.0.0.11 and ndots:0, the host's servers upstream", () => {
    const rc = sandboxResolvConf({ host: HOST_PLAIN, embeddedDns: true });
    assert.equal(rc.content, "nameserver 127.0.0.11\noptions ndots:0\n");
    assert.deepEqual(rc.upstreams, [{ address: "10.255.255.53", hostLoopback: false }]);
  });

  it("keeps search and host options, appends ndots:0, and forwards to the host's loopback stub", () => {
    const rc = sandboxResolvConf({ host: HOST_STUB, embeddedDns: true });
    assert.equal(rc.content, "search lan\nnameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n");
    assert.deepEqual(rc.upstreams, [{ address: "127.0.0.53", hostLoopback: true }]);
  });

  it("does not add ndots:0 when the host's options already set ndots", () => {
    const rc = sandboxResolvConf({ host: "nameserver 10.0.0.1\noptions ndots:2 rotate\n", embeddedDns: true });
    assert.equal(rc.content, "nameserver 127.0.0.11\noptions ndots:2 rotate\n");
  });

  it("lists the host's IPv6 servers only when the sandbox has IPv6", () => {
    const v6 = sandboxResolvConf({ host: HOST_DUAL, embeddedDns: true, ipv6: true });
    assert.equal(v6.content, "search corp.example\nnameserver 127.0.0.11\nnameserver 2606:4700::1111\noptions ndots:0\n");
    const v4 = sandboxResolvConf({ host: HOST_DUAL, embeddedDns: true, ipv6: false });
    assert.equal(v4.content, "search corp.example\nnameserver 127.0.0.11\noptions ndots:0\n");
    // Forwarding happens from the host side, so every host server stays an upstream either way.
    assert.deepEqual(v4.upstreams, [
      { address: "1.1.1.1", hostLoopback: false },
      { address: "2606:4700::1111", hostLoopback: false },
    ]);
  });

  it("never writes the fallback servers, but forwards to them when the host has no nameserver", () => {
    const rc = sandboxResolvConf({ host: undefined, embeddedDns: true });
    assert.equal(rc.content, "nameserver 127.0.0.11\noptions ndots:0\n");
    assert.deepEqual(rc.upstreams, [
      { address: "8.8.8.8", hostLoopback: false },
      { address: "8.8.4.4", hostLoopback: false },
    ]);
    const loopOnly = sandboxResolvConf({ host: "nameserver 127.0.0.1\n", embeddedDns: true });
    assert.equal(loopOnly.content, "nameserver 127.0.0.11\noptions ndots:0\n");
    assert.deepEqual(loopOnly.upstreams, [{ address: "127.0.0.1", hostLoopback: true }]);
  });

  it("takes missing parts from the host and marks user loopback servers as the sandbox's own", () => {
    const user = parseDnsUserConfig({ dns: ["127.0.0.1"] });
    const rc = sandboxResolvConf({ host: HOST_STUB, user, embeddedDns: true });
    assert.equal(rc.content, "search lan\nnameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n");
    assert.deepEqual(rc.upstreams, [{ address: "127.0.0.1", hostLoopback: false }]);
  });
});

describe("sandboxResolvConf without the embedded DNS", () => {
  it("matches Docker's default bridge with --dns 9.9.9.9", () => {
    const rc = sandboxResolvConf({ host: HOST_PLAIN, user: parseDnsUserConfig({ dns: ["9.9.9.9"] }) });
    assert.equal(rc.content, "nameserver 9.9.9.9\n");
  });

  it("copies the host file when nothing needs filtering", () => {
    assert.equal(sandboxResolvConf({ host: HOST_PLAIN }).content, HOST_PLAIN);
  });

  it("drops loopback servers, keeps the rest of the file, and falls back to Google's servers", () => {
    const rc = sandboxResolvConf({ host: HOST_STUB });
    assert.equal(rc.content, `# This is /run/systemd/resolve/stub-resolv.conf\noptions edns0 trust-ad\nsearch lan\n${GOOGLE4}`);
    assert.deepEqual(rc.upstreams, [{ address: "127.0.0.53", hostLoopback: true }]);
    const v6 = sandboxResolvConf({ host: "nameserver ::1\nnameserver 127.0.1.1\n", ipv6: true });
    assert.equal(v6.content, GOOGLE4 + GOOGLE6);
  });

  it("drops IPv6 servers when the sandbox has no IPv6 network", () => {
    assert.equal(sandboxResolvConf({ host: HOST_DUAL, ipv6: false }).content, "# generated\nnameserver 1.1.1.1\nsearch corp.example\n");
    assert.equal(sandboxResolvConf({ host: HOST_DUAL, ipv6: true }).content, HOST_DUAL);
    assert.equal(sandboxResolvConf({ host: "nameserver fd00::53", ipv6: false }).content, GOOGLE4);
  });

  it("uses the fallback servers when the host has no resolv.conf", () => {
    assert.equal(sandboxResolvConf({ host: undefined }).content, GOOGLE4);
    assert.equal(sandboxResolvConf({ host: undefined, ipv6: true }).content, GOOGLE4 + GOOGLE6);
  });

  it("builds from user search/options with the host's reachable servers", () => {
    const host = "nameserver 127.0.0.1\nnameserver 1.1.1.1\noptions rotate\nsearch home\n";
    const search = sandboxResolvConf({ host, user: parseDnsUserConfig({ dnsSearch: ["corp.example"] }) });
    assert.equal(search.content, "search corp.example\nnameserver 1.1.1.1\noptions rotate\n");
    const opts = sandboxResolvConf({ host, user: parseDnsUserConfig({ dnsOptions: ["ndots:1"] }) });
    assert.equal(opts.content, "search home\nnameserver 1.1.1.1\noptions ndots:1\n");
    const dot = sandboxResolvConf({ host: "nameserver 127.0.0.53\n", user: parseDnsUserConfig({ dnsSearch: ["."] }) });
    assert.equal(dot.content, GOOGLE4);
  });

  it("keeps the user's IPv6 servers even without an IPv6 network (the user asked for them)", () => {
    const rc = sandboxResolvConf({ host: HOST_PLAIN, user: parseDnsUserConfig({ dns: ["2001:db8::53", "9.9.9.9"] }) });
    assert.equal(rc.content, "nameserver 2001:db8::53\nnameserver 9.9.9.9\n");
  });
});

describe("sandboxResolvConf with host networking", () => {
  it("is a byte copy of the host file without DNS options (empty when missing)", () => {
    const odd = "# keep me\nnameserver 127.0.0.53\nlookup file bind\n\n\nno final newline";
    assert.equal(sandboxResolvConf({ host: odd, hostNetworking: true }).content, odd);
    assert.equal(sandboxResolvConf({ host: undefined, hostNetworking: true }).content, "");
    assert.equal(sandboxResolvConf({ host: HOST_STUB, hostNetworking: true, embeddedDns: true }).content, HOST_STUB);
  });

  it("builds from user options without filtering the host's loopback servers", () => {
    const rc = sandboxResolvConf({ host: HOST_STUB, hostNetworking: true, user: parseDnsUserConfig({ dnsSearch: ["x.example"] }) });
    assert.equal(rc.content, "search x.example\nnameserver 127.0.0.53\noptions edns0 trust-ad\n");
  });
});

describe("isLoopbackNameserver", () => {
  it("knows 127/8 and ::1 only", () => {
    for (const yes of ["127.0.0.1", "127.0.0.53", "127.255.0.9", "::1"]) assert.equal(isLoopbackNameserver(yes), true, yes);
    for (const no of ["128.0.0.1", "10.0.0.1", "::2", "fe80::1%lo", "junk"]) assert.equal(isLoopbackNameserver(no), false, no);
  });
});
