// Root integration tests of a sandbox's hosts and resolv.conf in <etcNetnsDir>/<name>/ (§5.4, §5.5), made
// from a host resolv.conf the test writes, and one end-to-end run in /run/netns + /etc/netns with `ip netns exec`.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootOnly, run, tryRun } from "../testing/kernel.js";
import { TestVethDriver } from "../testing/veth-driver.js";
import type { NetworkController } from "./controller.js";
import type { Network, Sandbox } from "./objects.js";
import { Controller, openHarness, readEtc, uniqueName, type Harness } from "./harness.test.js";

const DEFAULTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
  + "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
const HOST_RESOLV = "# written by the test\nnameserver 127.0.0.1\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n"
  + "search example.test\noptions timeout:2\n";

describe("sandbox hosts and resolv.conf (root)", rootOnly, () => {
  let h: Harness;
  let v4: Network;
  let v4b: Network;
  let dual: Network;
  before(async () => {
    // The host-file rules (filtering, fallbacks, IPv6 re-filtering) show when the embedded resolver is off;
    // with it on, a sandbox on a user network gets 127.0.0.11 (the default-directory test below).
    h = await openHarness({ resolvConf: HOST_RESOLV, embeddedDns: false });
    const make = (name: string, subnets: string[], ipv6 = false) => h.controller.createNetwork({
      name: `${name}-${uniqueName("")}`, driver: "testveth", ipv6, ipam: { config: subnets.map((subnet) => ({ subnet })) },
    });
    v4 = await make("one", ["10.237.1.0/24"]);
    v4b = await make("two", ["10.237.2.0/24"]);
    dual = await make("dual", ["10.237.3.0/24", "fd00:237:3::/64"], true);
  });
  after(async () => { await h?.close(); });

  const sandbox = (o: Partial<Parameters<NetworkController["createSandbox"]>[0]> = {}): Promise<Sandbox> =>
    h.controller.createSandbox({ containerId: uniqueName("ctr"), ...o });

  it("without DNS options: the host file minus unreachable nameservers (loopback; IPv6 without an IPv6 network), with its hash", async () => {
    const sb = await sandbox();
    try {
      const expected = "# written by the test\nnameserver 192.0.2.53\nsearch example.test\noptions timeout:2\n";
      assert.equal(readEtc(h, sb.name, "resolv.conf"), expected);
      const hash = readFileSync(join(h.etcNetnsDir, `.${sb.name}.resolv.conf.hash`), "utf8");
      assert.equal(hash.trim(), `sha256:${createHash("sha256").update(expected).digest("hex")}`);
      const ep = await dual.createEndpoint({ name: sb.containerId });
      await ep.join(sb);
      assert.equal(readEtc(h, sb.name, "resolv.conf"), expected.replace("nameserver 192.0.2.53\n", "nameserver 192.0.2.53\nnameserver 2001:db8::53\n"),
        "re-filtered on join: with an IPv6 network the IPv6 nameserver is reachable");
    } finally {
      await sb.delete();
    }
  });

  it("a host file with only loopback nameservers gives Docker's fallback servers", async () => {
    writeFileSync(h.hostResolvConf, "nameserver 127.0.0.1\nsearch lo.example\n");
    try {
      const sb = await sandbox();
      assert.equal(readEtc(h, sb.name, "resolv.conf"), "search lo.example\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
      await sb.delete();
    } finally {
      writeFileSync(h.hostResolvConf, HOST_RESOLV);
    }
  });

  it("DNS servers, search domains and options given: the file is built from them", async () => {
    const sb = await sandbox({ dns: ["9.9.9.9", "2001:db8::99"], dnsSearch: ["foo.example", "bar.example"], dnsOptions: ["ndots:3", "attempts:2"] });
    const partial = await sandbox({ dnsSearch: ["only.example"] });
    try {
      assert.equal(readEtc(h, sb.name, "resolv.conf"),
        "search foo.example bar.example\nnameserver 9.9.9.9\nnameserver 2001:db8::99\noptions ndots:3 attempts:2\n");
      assert.equal(readEtc(h, partial.name, "resolv.conf"), "search only.example\nnameserver 192.0.2.53\noptions timeout:2\n",
        "what the user left out comes from the host");
    } finally {
      await sb.delete();
      await partial.delete();
    }
  });

  it("a resolv.conf the user edited is kept on join; hosts is still updated", async () => {
    const sb = await sandbox({ hostname: "edit" });
    try {
      const path = join(h.etcNetnsDir, sb.name, "resolv.conf");
      writeFileSync(path, "nameserver 203.0.113.7\n");
      const ep = await dual.createEndpoint({ name: sb.containerId });
      await ep.join(sb);
      assert.equal(readFileSync(path, "utf8"), "nameserver 203.0.113.7\n");
      assert.match(readEtc(h, sb.name, "hosts"), /^10\.237\.3\.\d+\tedit$/m);
    } finally {
      await sb.delete();
    }
  });

  it("hosts: Docker's six defaults, extra hosts, then one line per joined network and family; leave removes its lines", async () => {
    const sb = await sandbox({ hostname: "web", domainname: "example.org", extraHosts: ["db:10.1.2.3", { name: "v6db", ip: "2001:db8::1" }] });
    const [a, b, c] = [await v4.createEndpoint({ name: sb.containerId }), await v4b.createEndpoint({ name: sb.containerId }), await dual.createEndpoint({ name: sb.containerId })];
    try {
      const base = `${DEFAULTS}10.1.2.3\tdb\n2001:db8::1\tv6db\n`;
      assert.equal(readEtc(h, sb.name, "hosts"), base);
      await a.join(sb);
      assert.equal(readEtc(h, sb.name, "hosts"), `${base}10.237.1.2\tweb.example.org web\n`);
      await b.join(sb);
      await c.join(sb);
      const v6 = (c.info().addressIPv6 ?? "").split("/")[0];
      assert.match(v6 ?? "", /^fd00:237:3::/);
      assert.equal(readEtc(h, sb.name, "hosts"),
        `${base}10.237.1.2\tweb.example.org web\n10.237.2.2\tweb.example.org web\n10.237.3.2\tweb.example.org web\n${v6}\tweb.example.org web\n`);
      await a.leave(sb);
      assert.equal(readEtc(h, sb.name, "hosts"),
        `${base}10.237.2.2\tweb.example.org web\n10.237.3.2\tweb.example.org web\n${v6}\tweb.example.org web\n`);
    } finally {
      await sb.delete();
      await a.delete().catch(() => {});
    }
  });

  it("hosts: a hostname without a domain gives a one-name line; no hostname means the container's short ID", async () => {
    const plain = await sandbox({ hostname: "solo" });
    const cid = `c${"0123456789abcdef".repeat(4)}`;
    const unnamed = await h.controller.createSandbox({ containerId: cid });
    try {
      await (await v4.createEndpoint({ name: plain.containerId })).join(plain);
      await (await v4.createEndpoint({ name: cid })).join(unnamed);
      assert.match(readEtc(h, plain.name, "hosts"), /^10\.237\.1\.\d+\tsolo\n$/m);
      assert.match(readEtc(h, unnamed.name, "hosts"), new RegExp(`^10\\.237\\.1\\.\\d+\\t${cid.slice(0, 12)}$`, "m"));
    } finally {
      await plain.delete();
      await unnamed.delete();
    }
  });
});

describe("default directories: /run/netns/<name> and /etc/netns/<name> work with `ip netns exec` (root)", rootOnly, () => {
  const name = uniqueName("dnetctl");
  const dir = mkdtempSync(join(tmpdir(), "dnet-ctl-default-"));
  const etcNetnsExisted = existsSync("/etc/netns");
  let c: NetworkController | undefined;
  before(async () => {
    writeFileSync(join(dir, "resolv.conf"), "nameserver 192.0.2.53\n");
    c = await Controller.create({
      dataDir: join(dir, "data"), hostResolvConf: join(dir, "resolv.conf"), firewall: "none",
      drivers: ({ handles }) => [new TestVethDriver(handles)],
    });
  });
  after(async () => {
    for (const sb of c?.sandboxes() ?? []) await sb.delete().catch(() => {});
    for (const n of c?.networks() ?? []) if (!n.info().predefined) await n.delete().catch(() => {});
    await c?.close();
    if (existsSync(`/run/netns/${name}`)) tryRun("ip", ["netns", "delete", name]);
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
    rmSync(`/etc/netns/.${name}.resolv.conf.hash`, { force: true });
    if (!etcNetnsExisted) { try { rmdirSync("/etc/netns"); } catch { /* another user's files */ } }
    rmSync(dir, { recursive: true, force: true });
  });

  it("ip netns list / exec / -n see the sandbox, its hosts and resolv.conf; delete removes all of it", async () => {
    const controller = c as NetworkController;
    const sb = await controller.createSandbox({ containerId: name, hostname: "web", domainname: "example.org", dnsSearch: ["s.example"] });
    const n = await controller.createNetwork({ name, driver: "testveth", ipam: { config: [{ subnet: "10.237.9.0/24" }] } });
    const ep = await n.createEndpoint({ name });
    await ep.join(sb);
    assert.equal(sb.key, `/run/netns/${name}`);
    assert.ok(run("ip", ["netns", "list"]).split("\n").some((l) => l.split(" ")[0] === name));
    assert.equal(run("ip", ["netns", "exec", name, "cat", "/etc/hosts"]), `${DEFAULTS}10.237.9.2\tweb.example.org web\n`);
    // A sandbox on a user network resolves through the embedded DNS (Docker §5.4), which answers its names.
    assert.equal(run("ip", ["netns", "exec", name, "cat", "/etc/resolv.conf"]), "search s.example\nnameserver 127.0.0.11\noptions ndots:0\n");
    assert.equal(run("ip", ["netns", "exec", name, "dig", "+short", "+time=2", "+tries=1", name]).trim(), "10.237.9.2");
    assert.equal(readFileSync(`/etc/netns/${name}/hosts`, "utf8"), run("ip", ["netns", "exec", name, "cat", "/etc/hosts"]));
    const addrs = JSON.parse(run("ip", ["-n", name, "-j", "-4", "addr", "show", "eth0"])) as Array<{ addr_info: Array<{ local: string }> }>;
    assert.equal(addrs[0]?.addr_info[0]?.local, "10.237.9.2");
    await sb.delete();
    await n.delete();
    assert.equal(existsSync(`/run/netns/${name}`), false);
    assert.equal(existsSync(`/etc/netns/${name}`), false);
    assert.equal(existsSync(`/etc/netns/.${name}.resolv.conf.hash`), false);
    assert.ok(!run("ip", ["netns", "list"]).split("\n").some((l) => l.split(" ")[0] === name));
  });
});
