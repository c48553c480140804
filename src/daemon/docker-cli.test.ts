// End to end with the real `docker` CLI against the daemon's socket: network create/ls/inspect/rm/
// connect/disconnect/prune with Docker's flags, Docker's errors, and the kernel checked with iproute2.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DockerNetwork } from "../api/dto.js";
import { TestDaemon, assertConsistent, kernelAddrs } from "../testing/test-daemon.js";

describe("the real docker CLI against dnet", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  const docker = async (...args: string[]): Promise<string> => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  it("creates a network with every IPAM flag, labels and options, and inspects it as Docker would", async () => {
    const id = (await docker("network", "create", "--subnet", "10.91.0.0/24", "--gateway", "10.91.0.1", "--ip-range", "10.91.0.128/25",
      "--aux-address", "reserved=10.91.0.10", "--label", "team=net", "-o", "com.docker.network.bridge.name=brdk1", "dk1")).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const [n] = JSON.parse(await docker("network", "inspect", "dk1")) as DockerNetwork[];
    assert.ok(n);
    assert.equal(n.Id, id);
    assert.equal(n.Driver, "bridge");
    assert.equal(n.Scope, "local");
    assert.deepEqual(n.IPAM.Config, [{ Subnet: "10.91.0.0/24", IPRange: "10.91.0.128/25", Gateway: "10.91.0.1", AuxiliaryAddresses: { reserved: "10.91.0.10" } }]);
    assert.deepEqual(n.Labels, { team: "net" });
    assert.equal(n.Options["com.docker.network.bridge.name"], "brdk1");
    assert.deepEqual(n.Containers, {});
    assert.ok(kernelAddrs((c, a) => d.inHost(c, a)).get("brdk1")?.includes("10.91.0.1/24"), "bridge brdk1 carries the gateway");
    const fmt = (await docker("network", "inspect", "-f", "{{.Name}} {{.Internal}} {{.EnableIPv6}}", id.slice(0, 12))).trim();
    assert.equal(fmt, "dk1 false false");
  });

  it("creates internal and IPv6 networks", async () => {
    await docker("network", "create", "--internal", "--subnet", "10.92.0.0/24", "dkint");
    await docker("network", "create", "--ipv6", "--subnet", "10.93.0.0/24", "--subnet", "fd00:dead:93::/64", "dk6");
    const [i] = JSON.parse(await docker("network", "inspect", "dkint")) as DockerNetwork[];
    const [six] = JSON.parse(await docker("network", "inspect", "dk6")) as DockerNetwork[];
    assert.equal(i?.Internal, true);
    assert.equal(six?.EnableIPv6, true);
    assert.deepEqual(six?.IPAM.Config?.map((c) => c.Subnet), ["10.93.0.0/24", "fd00:dead:93::/64"]);
  });

  it("lists with filters, quiet and format", async () => {
    const names = (await docker("network", "ls", "--format", "{{.Name}}")).trim().split("\n").sort();
    assert.deepEqual(names, ["bridge", "dk1", "dk6", "dkint", "host", "none"]);
    const table = await docker("network", "ls");
    assert.match(table.split("\n")[0] ?? "", /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE/);
    assert.equal((await docker("network", "ls", "-q", "--filter", "name=dkint")).trim().length, 12);
    assert.equal((await docker("network", "ls", "-q", "--filter", "label=team=net", "--no-trunc")).trim().length, 64);
    assert.deepEqual((await docker("network", "ls", "--filter", "type=builtin", "--format", "{{.Name}}")).trim().split("\n").sort(), ["bridge", "host", "none"]);
    assert.deepEqual((await docker("network", "ls", "--filter", "driver=null", "--format", "{{.Name}}")).trim(), "none");
  });

  it("connects a sandbox with --ip and --alias, the kernel shows the address, and disconnects it", async () => {
    const sb = await d.client.createSandbox({ Name: "dksb1" });
    await docker("network", "connect", "--ip", "10.91.0.200", "--alias", "web", "--alias", "www", "dk1", "dksb1");
    const [n] = JSON.parse(await docker("network", "inspect", "dk1")) as DockerNetwork[];
    const c = n?.Containers[sb.ContainerID];
    assert.equal(c?.Name, "dksb1");
    assert.equal(c?.IPv4Address, "10.91.0.200/24");
    assert.match(c?.MacAddress ?? "", /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const info = await d.client.inspectSandbox("dksb1");
    assert.deepEqual(info.Endpoints[0]?.Aliases, ["web", "www"]);
    const addrs = kernelAddrs((cmd, a) => d.inNetns(info.Key, cmd, a));
    assert.ok(addrs.get(info.Endpoints[0]?.IfName ?? "")?.includes("10.91.0.200/24"));
    d.inNetns(info.Key, "ping", ["-c1", "-W2", "10.91.0.1"]);
    await assertConsistent(d);
    await docker("network", "disconnect", "dk1", "dksb1");
    assert.deepEqual(JSON.parse(await docker("network", "inspect", "dk1"))[0].Containers, {});
    const left = kernelAddrs((cmd, a) => d.inNetns(info.Key, cmd, a));
    assert.equal(left.has(info.Endpoints[0]?.IfName ?? ""), false, "the interface left the sandbox");
    // The library destroys the old link off the request path (renamed dx…): the address goes with it.
    await assertConsistent(d);
    assert.equal([...kernelAddrs((cmd, a) => d.inNetns(info.Key, cmd, a)).values()].flat().includes("10.91.0.200/24"), false, "the address is gone");
  });

  it("reports Docker's errors with a non-zero exit", async () => {
    const dup = await d.docker(["network", "create", "dk1"]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /Error response from daemon: network with name dk1 already exists/);
    const missing = await d.docker(["network", "inspect", "nope"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /network nope not found/);
    const pre = await d.docker(["network", "rm", "host"]);
    assert.match(pre.stderr, /host is a pre-defined network and cannot be removed/);
    const noSb = await d.docker(["network", "connect", "dk1", "ghost"]);
    assert.match(noSb.stderr, /No such container: ghost/);
    const badIp = await d.docker(["network", "connect", "--ip", "10.99.0.5", "dk1", "dksb1"]);
    assert.notEqual(badIp.code, 0);
    const gw = await d.docker(["network", "create", "--subnet", "10.94.0.0/24", "--gateway", "10.95.0.1", "dkbad"]);
    assert.notEqual(gw.code, 0);
    assert.equal((await d.docker(["network", "inspect", "dkbad"])).code === 0, false, "a failed create leaves nothing");
  });

  it("refuses to remove a network in use, then removes and prunes", async () => {
    await docker("network", "connect", "dk6", "dksb1");
    const busy = await d.docker(["network", "rm", "dk6"]);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /has active endpoints/);
    await docker("network", "create", "dkprune");
    const pruned = await docker("network", "prune", "-f");
    assert.match(pruned, /Deleted Networks:/);
    assert.match(pruned, /dkprune/);
    assert.doesNotMatch(pruned, /dk6|host|none|bridge/);
    const left = (await docker("network", "ls", "--format", "{{.Name}}")).trim().split("\n").sort();
    assert.deepEqual(left, ["bridge", "dk6", "host", "none"]);
    await docker("network", "disconnect", "dk6", "dksb1");
    assert.equal((await docker("network", "rm", "dk6")).trim(), "dk6");
    await d.client.removeSandbox("dksb1", true);
    await assertConsistent(d);
  });
});
