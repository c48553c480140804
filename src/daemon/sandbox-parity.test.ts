// Root end to end, sandboxes as Docker's containers see their network (through the `dnet` and `docker`
// CLIs): their own hostname (a UTS namespace that `dnet run` and `sandbox exec` enter), no default route
// from an internal network (Docker 25), interface names that come back after a reconnect (Docker 28).

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { TestDaemon } from "../testing/test-daemon.js";

describe("sandboxes like Docker's containers (root)", { ...rootOnly, timeout: 120_000 }, () => {
  const d = new TestDaemon();
  before(async () => {
    await d.start();
    for (const args of [["--subnet", "10.98.1.0/24", "sa"], ["--subnet", "10.98.2.0/24", "sb"], ["--subnet", "10.98.3.0/24", "sc"], ["--internal", "--subnet", "10.98.4.0/24", "si"]]) {
      const r = await d.docker(["network", "create", ...args]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => { await d.cleanup(); });

  const dnet = async (...args: string[]): Promise<string> => {
    const r = await d.dnet(args);
    assert.equal(r.code, 0, `dnet ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  it("dnet run --hostname and sandbox exec show the sandbox's hostname and domain name, not the host's", async () => {
    assert.equal((await dnet("run", "--rm", "--network", "sa", "--hostname", "h1", "--", "hostname")).trim(), "h1");
    await dnet("sandbox", "create", "--hostname", "h2", "--domainname", "corp.example", "--network", "sa", "uts2");
    assert.equal((await dnet("sandbox", "exec", "uts2", "--", "hostname")).trim(), "h2");
    assert.equal((await dnet("sandbox", "exec", "uts2", "--", "domainname")).trim(), "corp.example");
    const sb = await d.client.inspectSandbox("uts2");
    assert.ok(sb.UtsPath !== "" && existsSync(sb.UtsPath), sb.UtsPath);
    await dnet("sandbox", "create", "uts3");
    assert.equal((await dnet("sandbox", "exec", "uts3", "--", "hostname")).trim(), "uts3", "Docker's default: the container ID's first 12 characters");
    await d.stop();
    await d.start();
    assert.equal((await dnet("sandbox", "exec", "uts2", "--", "hostname")).trim(), "h2", "kept across a restart");
    await dnet("sandbox", "rm", "-f", "uts2", "uts3");
    assert.equal(existsSync(sb.UtsPath), false, "removed with the sandbox");
  });

  it("Docker 25: an internal network gives no default route; a non-internal one then does", async () => {
    await dnet("sandbox", "create", "--network", "si", "int1");
    const sb = await d.client.inspectSandbox("int1");
    assert.equal(d.inNetns(sb.Key, "ip", ["-4", "route", "show", "default"]).trim(), "");
    assert.equal(sb.Endpoints[0]?.Gateway, "");
    const r = await d.docker(["network", "connect", "sa", "int1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(d.inNetns(sb.Key, "ip", ["-4", "route", "show", "default"]), /via 10\.98\.1\.1 dev eth1/);
    await dnet("sandbox", "rm", "-f", "int1");
  });

  it("Docker 28: a reconnect takes the lowest free interface number (eth0 comes back), not a new one", async () => {
    await d.client.createSandbox({ Name: "nums" });
    const docker = async (...args: string[]): Promise<void> => {
      const r = await d.docker(args);
      assert.equal(r.code, 0, r.stderr);
    };
    await docker("network", "connect", "sa", "nums");
    await docker("network", "connect", "sb", "nums");
    await docker("network", "disconnect", "sa", "nums");
    await docker("network", "connect", "sc", "nums");
    await docker("network", "disconnect", "sb", "nums");
    await docker("network", "connect", "sa", "nums");
    const sb = await d.client.inspectSandbox("nums");
    assert.deepEqual(Object.fromEntries(sb.Endpoints.map((e) => [e.NetworkName, e.IfName])), { sc: "eth0", sa: "eth1" });
    const links = d.inNetns(sb.Key, "ip", ["-o", "link"]).split("\n").map((l) => l.split(": ")[1]?.split("@")[0]).filter((n) => n === "eth0" || n === "eth1");
    assert.deepEqual(links.sort(), ["eth0", "eth1"]);
    await d.client.removeSandbox("nums", true);
  });
});
