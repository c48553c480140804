// End to end with the `dnet` CLI: every network and sandbox command, exec/run in the sandbox's netns with
// its hosts and resolv.conf, exit codes (0 / 1 with one "Error:" line / 2 for usage), and the kernel.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DockerNetwork, SandboxDto } from "../api/dto.js";
import { TestDaemon, assertConsistent, kernelAddrs } from "../testing/test-daemon.js";

describe("dnet CLI end to end", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  const dnet = async (...args: string[]): Promise<string> => {
    const r = await d.dnet(args);
    assert.equal(r.code, 0, `dnet ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (code: number, pattern: RegExp, ...args: string[]): Promise<void> => {
    const r = await d.dnet(args);
    assert.equal(r.code, code, `dnet ${args.join(" ")} → ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /^Error: /);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, "one line on stderr");
    assert.match(r.stderr, pattern);
  };

  it("prints client and server versions", async () => {
    const out = await dnet("version");
    assert.match(out, /Client:[\s\S]*Server:[\s\S]*API version: 1\.41/);
  });

  it("creates, lists and inspects networks", async () => {
    const id = (await dnet("network", "create", "--subnet", "10.81.0.0/24", "--gateway", "10.81.0.254", "--ip-range", "10.81.0.0/25",
      "--aux-address", "r=10.81.0.100", "--label", "env=test", "-o", "com.docker.network.bridge.name=brcli1", "cli1")).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await dnet("network", "create", "-d", "bridge", "--internal", "cli2");
    const ls = (await dnet("network", "ls")).trim().split("\n");
    assert.match(ls[0] ?? "", /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    assert.deepEqual(ls.slice(1).map((l) => l.split(/\s+/)[1]), ["bridge", "cli1", "cli2", "host", "none"]);
    assert.equal((await dnet("network", "ls", "-q")).trim().split("\n").length, 5);
    const asJson = JSON.parse(await dnet("network", "ls", "--format", "json")) as DockerNetwork[];
    assert.equal(asJson.find((n) => n.Name === "cli2")?.Internal, true);
    const [n] = JSON.parse(await dnet("network", "inspect", id.slice(0, 10))) as DockerNetwork[];
    assert.equal(n?.Name, "cli1");
    assert.deepEqual(n?.IPAM.Config, [{ Subnet: "10.81.0.0/24", IPRange: "10.81.0.0/25", Gateway: "10.81.0.254", AuxiliaryAddresses: { r: "10.81.0.100" } }]);
    assert.deepEqual(n?.Labels, { env: "test" });
    assert.ok(kernelAddrs((c, a) => d.inHost(c, a)).get("brcli1")?.includes("10.81.0.254/24"));
  });

  it("creates sandboxes on networks, connects with --ip/--alias, and they reach each other", async () => {
    const id = (await dnet("sandbox", "create", "--hostname", "alpha", "--domainname", "example.org", "--dns", "127.0.0.1",
      "--dns-search", "corp.example", "--add-host", "db:10.1.2.3", "--network", "cli1:a1,a2", "sba")).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await dnet("sandbox", "create", "sbb");
    await dnet("network", "connect", "--ip", "10.81.0.50", "--alias", "bee", "cli1", "sbb");
    const [a, b] = JSON.parse(await dnet("sandbox", "inspect", "sba", "sbb")) as SandboxDto[];
    assert.deepEqual(a?.Endpoints.map((e) => [e.NetworkName, e.Aliases]), [["cli1", ["a1", "a2"]]]);
    assert.equal(b?.Endpoints[0]?.IPv4Address, "10.81.0.50/24");
    const ls = await dnet("sandbox", "ls");
    assert.match(ls, /sba\s+cli1\s+10\.81\.0\.\d+\/24/);
    assert.match(ls, /sbb\s+cli1\s+10\.81\.0\.50\/24/);
    d.inNetns(a?.Key ?? "", "ping", ["-c1", "-W2", "10.81.0.50"]);
    await assertConsistent(d);
  });

  it("exec runs in the sandbox netns with its hosts and resolv.conf, and propagates the exit code", async () => {
    const out = await dnet("sandbox", "exec", "sba", "--", "sh", "-c", "ip -o -4 addr show; cat /etc/hosts /etc/resolv.conf");
    assert.match(out, /inet 10\.81\.0\.\d+\/24/);
    assert.match(out, /10\.1\.2\.3\s+db/);
    assert.match(out, /alpha\.example\.org/);
    assert.match(out, /search corp\.example\nnameserver 127\.0\.0\.11\n/);
    assert.match(out, /search corp\.example/);
    const r = await d.dnet(["sandbox", "exec", "sbb", "--", "sh", "-c", "exit 7"]);
    assert.equal(r.code, 7);
  });

  it("run gives the process a fresh sandbox and --rm removes it when the process exits", async () => {
    const r = await d.dnet(["run", "--rm", "--name", "runner", "--network", "cli1", "--hostname", "runhost", "--", "sh", "-c", "hostname -f >/dev/null; grep -c runhost /etc/hosts; ip -o -4 addr show | grep -c 10.81.0; exit 3"]);
    assert.equal(r.code, 3, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), ["1", "1"]);
    assert.doesNotMatch(await dnet("sandbox", "ls"), /runner/);
    const kept = await d.dnet(["run", "--name", "keeper", "--", "true"]);
    assert.equal(kept.code, 0);
    assert.match(await dnet("sandbox", "ls", "-q", "--no-trunc"), /[0-9a-f]{64}/);
    await dnet("sandbox", "rm", "keeper");
  });

  it("disconnects, removes, prunes; errors exit 1 with one line, usage errors exit 2", async () => {
    await fails(1, /network with name cli1 already exists/, "network", "create", "cli1");
    await fails(1, /network nope not found/, "network", "inspect", "nope");
    await fails(1, /No such container: ghost/, "network", "connect", "cli1", "ghost");
    await fails(1, /has active endpoints/, "network", "rm", "cli1");
    await fails(1, /connected to 1 network/, "sandbox", "rm", "sbb");
    await fails(2, /requires exactly 1 argument/, "network", "create");
    await fails(2, /unknown flag: --bogus/, "network", "ls", "--bogus");
    await fails(2, /unknown command/, "frobnicate");
    await fails(2, /no matching subnet for gateway/, "network", "create", "--subnet", "10.9.0.0/24", "--gateway", "10.8.0.1", "x");
    await fails(1, /cannot connect to the dnet daemon/, "-H", `unix://${d.tmp}/missing.sock`, "network", "ls");
    await dnet("network", "disconnect", "cli1", "sbb");
    assert.equal((await dnet("sandbox", "rm", "sbb")).trim(), "sbb");
    assert.equal((await dnet("sandbox", "rm", "-f", "sba")).trim(), "sba");
    assert.match(await dnet("network", "prune", "-f"), /Deleted Networks:\ncli1\ncli2|Deleted Networks:\ncli2\ncli1/);
    assert.deepEqual((await dnet("network", "ls", "--format", "json")).includes("cli1"), false);
    assert.deepEqual(await assertConsistent(d), { networks: 3, sandboxes: 0, endpoints: 0 });
  });

  it("DNET_HOST selects the daemon", async () => {
    const { runCmd, DNET_MAIN } = await import("../testing/test-daemon.js");
    const r = await runCmd(process.execPath, [DNET_MAIN, "network", "ls", "-q"], { ...process.env, DNET_HOST: d.host });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, 3, "none, host and bridge");
  });
});
