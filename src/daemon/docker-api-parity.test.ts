// Root end to end, Docker Engine API answers against the daemon (Docker 20.10 = API 1.41 unless a test
// names another version), through the `docker` CLI where it has a command and raw HTTP otherwise: the
// predefined bridge network, IPAM options as sent, CheckDuplicate per API version, names Docker accepts,
// the swarm routes, the dangling filter, inspect's scope, Containers keyed by container ID, connect's links,
// link-local addresses and driver options, and a static IPv6 address on a network without IPv6.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DockerNetwork } from "../api/dto.js";
import { rootOnly } from "../testing/kernel.js";
import { TestDaemon } from "../testing/test-daemon.js";

describe("Docker API parity (root)", { ...rootOnly, timeout: 180_000 }, () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  const docker = async (...args: string[]): Promise<string> => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const inspect = async (name: string): Promise<DockerNetwork> => (JSON.parse(await docker("network", "inspect", name)) as DockerNetwork[])[0] as DockerNetwork;
  const http = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const r = await d.client.raw(method, path, body);
    return { status: r.status, json: r.text === "" ? undefined : JSON.parse(r.text) };
  };

  it("Docker 20.10: a predefined bridge network on its own device dnet0, with Docker's default-bridge options", async () => {
    assert.deepEqual((await docker("network", "ls", "--filter", "type=builtin", "--format", "{{.Name}}")).trim().split("\n").sort(), ["bridge", "host", "none"]);
    const n = await inspect("bridge");
    assert.equal(n.Driver, "bridge");
    assert.deepEqual(n.Options, {
      "com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.enable_icc": "true",
      "com.docker.network.bridge.enable_ip_masquerade": "true", "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
      "com.docker.network.bridge.name": "dnet0", "com.docker.network.driver.mtu": "1500",
    });
    assert.equal(n.IPAM.Options, null);
    const subnet = n.IPAM.Config?.[0]?.Subnet ?? "";
    assert.match(subnet, /^172\.17\.0\.0\/16$/, "the first free default pool");
    assert.match(d.inHost("ip", ["-o", "-4", "addr", "show", "dev", "dnet0"]), /inet 172\.17\.0\.1\/16/);
    const rm = await d.docker(["network", "rm", "bridge"]);
    assert.match(rm.stderr, /bridge is a pre-defined network and cannot be removed/);
    const again = await d.docker(["network", "create", "bridge"]);
    assert.match(again.stderr, /operation is not permitted on predefined bridge network/);
  });

  it("Docker 20.10's default bridge: ICC on, no names in the embedded DNS (the host's resolvers), no static IPs or aliases", async () => {
    for (const n of ["db1", "db2"]) await d.client.createSandbox({ Name: n, Networks: [{ Network: "bridge" }] });
    const [a, b] = [await d.client.inspectSandbox("db1"), await d.client.inspectSandbox("db2")];
    d.inNetns(a.Key, "ping", ["-c1", "-W2", b.Endpoints[0]?.IPv4Address.split("/")[0] ?? "?"]);
    const resolv = d.inHost("cat", [a.ResolvConfPath]);
    assert.doesNotMatch(resolv, /127\.0\.0\.11/, resolv);
    assert.match(resolv, /nameserver 127\.0\.0\.1|nameserver/);
    assert.equal((await d.docker(["network", "connect", "--ip", "172.17.9.9", "bridge", "db1"])).stderr.trim(),
      "Error response from daemon: user specified IP address is supported on user defined networks only");
    await d.client.createSandbox({ Name: "db3" });
    assert.equal((await d.docker(["network", "connect", "--alias", "x", "bridge", "db3"])).stderr.trim(),
      "Error response from daemon: network-scoped alias is supported only for containers in user defined networks");
    for (const n of ["db1", "db2", "db3"]) await d.client.removeSandbox(n, true);
  });

  it("Docker 20.10: IPAM.Options is null when the client sent none, {} when it sent an empty map", async () => {
    assert.equal((await http("POST", "/v1.41/networks/create", { Name: "opt-null", CheckDuplicate: true })).status, 201);
    assert.equal((await http("POST", "/v1.41/networks/create", { Name: "opt-empty", IPAM: { Options: {} } })).status, 201);
    assert.equal((await http("GET", "/v1.41/networks/opt-null")).json.IPAM.Options, null);
    assert.deepEqual((await http("GET", "/v1.41/networks/opt-empty")).json.IPAM.Options, {});
  });

  it("CheckDuplicate: up to API 1.43 (Docker 20.10) false creates a duplicate, ambiguous afterwards; from 1.44 (Docker 25) always refused", async () => {
    const first = await http("POST", "/v1.41/networks/create", { Name: "dup", CheckDuplicate: false });
    const second = await http("POST", "/v1.41/networks/create", { Name: "dup", CheckDuplicate: false });
    assert.deepEqual([first.status, second.status], [201, 201]);
    assert.equal(second.json.Warning, `Network with name dup (id : ${first.json.Id as string}) already exists`);
    assert.deepEqual(await http("GET", "/v1.41/networks/dup"), { status: 400, json: { message: "2 matches found based on name: network dup is ambiguous", code: "ERR_NETWORK_AMBIGUOUS", kind: "invalid-argument" } });
    assert.match((await d.docker(["network", "rm", "dup"])).stderr, /network dup is ambiguous \(2 matches found based on name\)/);
    assert.equal((await http("POST", "/v1.41/networks/create", { Name: "dup", CheckDuplicate: true })).status, 409);
    const v144 = await http("POST", "/v1.44/networks/create", { Name: "dup", CheckDuplicate: false });
    assert.deepEqual([v144.status, v144.json.message], [409, "network with name dup already exists"]);
    for (const id of [first.json.Id, second.json.Id] as string[]) assert.equal((await http("DELETE", `/v1.41/networks/${id}`)).status, 204);
  });

  it("names Docker accepts are accepted (spaces, tabs, backslashes, '..'); the network's endpoints still resolve, unqualified", async () => {
    for (const name of ["test 01", "a\tb", "a\\b", "a..b"]) await docker("network", "create", name);
    assert.equal((await inspect("test 01")).Name, "test 01");
    await d.client.createSandbox({ Name: "sp1", Networks: [{ Network: "test 01" }] });
    await d.client.createSandbox({ Name: "sp2", Networks: [{ Network: "test 01" }] });
    const sp2 = await d.client.inspectSandbox("sp2");
    const answer = d.inNetns(sp2.Key, "dig", ["+short", "+time=2", "+tries=1", "@127.0.0.11", "sp1"]).trim();
    assert.equal(answer, (await d.client.inspectSandbox("sp1")).Endpoints[0]?.IPv4Address.split("/")[0]);
    for (const n of ["sp1", "sp2"]) await d.client.removeSandbox(n, true);
    for (const name of ["test 01", "a\tb", "a\\b", "a..b"]) await docker("network", "rm", name);
  });

  it("Docker 20.10 not in a swarm: the swarm routes answer 503 with its messages", async () => {
    const leave = await d.docker(["swarm", "leave"]);
    assert.equal(leave.stderr.trim(), "Error response from daemon: This node is not part of a swarm");
    const get = await http("GET", "/v1.41/swarm");
    assert.equal(get.status, 503);
    assert.match(get.json.message, /^This node is not a swarm manager\. Use "docker swarm init"/);
    assert.equal((await http("GET", "/v1.41/services")).status, 503);
  });

  it("dangling=true lists only networks with nothing connected, never the predefined ones (docker network ls -f dangling=true)", async () => {
    await docker("network", "create", "dg-empty");
    await docker("network", "create", "dg-used");
    await d.client.createSandbox({ Name: "dgs", Networks: [{ Network: "dg-used" }] });
    const dangling = (await docker("network", "ls", "-f", "dangling=true", "--format", "{{.Name}}")).trim().split("\n").filter((n) => n.startsWith("dg-") || ["bridge", "host", "none"].includes(n));
    assert.deepEqual(dangling, ["dg-empty"]);
    const used = (await docker("network", "ls", "-f", "dangling=false", "--format", "{{.Name}}")).trim().split("\n").sort();
    assert.deepEqual(used.filter((n) => n.startsWith("dg-") || ["bridge", "host", "none"].includes(n)), ["bridge", "dg-used", "host", "none"]);
    assert.equal((await http("GET", `/networks?filters=${encodeURIComponent('{"dangling":["maybe"]}')}`)).status, 400);
  });

  it("inspect's scope query: a local network is not found as swarm or global; Containers are keyed by container ID", async () => {
    assert.equal((await http("GET", "/v1.41/networks/dg-used?scope=local")).status, 200);
    assert.equal((await http("GET", "/v1.41/networks/dg-used?scope=swarm")).status, 404);
    assert.equal((await http("GET", "/v1.41/networks/dg-used?scope=global")).status, 404);
    await d.client.createSandbox({ Name: "keyed", ContainerID: "c0ffee0123456789", Networks: [{ Network: "dg-used" }] });
    const n = await inspect("dg-used");
    assert.equal(n.Containers["c0ffee0123456789"]?.Name, "keyed");
    assert.equal(n.Containers["dgs"]?.Name, "dgs", "a sandbox made without a container ID has its name as one");
    for (const s of ["dgs", "keyed"]) await d.client.removeSandbox(s, true);
  });

  it("connect's --link, --link-local-ip and --driver-opt: a sandbox-local DNS alias and hosts entries, the address on the interface, the options recorded", async () => {
    await docker("network", "create", "--subnet", "10.97.1.0/24", "ln");
    await d.client.createSandbox({ Name: "lt1", Networks: [{ Network: "ln" }] });
    await d.client.createSandbox({ Name: "lt2" });
    await docker("network", "connect", "--link", "lt1:db", "--link-local-ip", "169.254.10.10", "--driver-opt", "com.example.x=1", "ln", "lt2");
    const lt2 = await d.client.inspectSandbox("lt2");
    assert.deepEqual([lt2.Endpoints[0]?.Links, lt2.Endpoints[0]?.LinkLocalIPs, lt2.Endpoints[0]?.DriverOpts], [["lt1:db"], ["169.254.10.10"], { "com.example.x": "1" }]);
    assert.match(d.inNetns(lt2.Key, "ip", ["-o", "addr", "show", "dev", "eth0"]), /inet 169\.254\.10\.10\/16/);
    assert.match(d.inHost("cat", [lt2.HostsPath]), /^10\.97\.1\.2\tdb$/m);
    assert.equal(d.inNetns(lt2.Key, "dig", ["+short", "+time=2", "+tries=1", "@127.0.0.11", "db"]).trim(), "10.97.1.2");
    const lt1 = await d.client.inspectSandbox("lt1");
    assert.equal(d.inNetns(lt1.Key, "dig", ["+short", "+time=2", "+tries=1", "@127.0.0.11", "db"]).trim(), "", "the alias is lt2's only");
    assert.equal((await docker("container", "inspect", "-f", "{{json .NetworkSettings.Networks.ln.DriverOpts}}", "lt2")).trim(), '{"com.example.x":"1"}');
    const bad = await d.docker(["network", "connect", "--link-local-ip", "10.0.0.1", "ln", "lt1"]);
    assert.match(bad.stderr, /invalid link local IP address: 10\.0\.0\.1/);
  });

  it("a static IPv6 address on a network with an IPv6 subnet but EnableIPv6 false: accepted and not assigned (Docker 20.10); outside the subnet refused from API 1.44", async () => {
    await docker("network", "create", "--subnet", "10.97.2.0/24", "--subnet", "fd00:97:2::/64", "no6");
    await d.client.createSandbox({ Name: "s6" });
    await docker("network", "connect", "--ip6", "fd00:97:2::5", "no6", "s6");
    const s6 = await d.client.inspectSandbox("s6");
    assert.equal(s6.Endpoints[0]?.IPv6Address, "");
    assert.doesNotMatch(d.inNetns(s6.Key, "ip", ["-o", "addr"]), /fd00:97:2::5/);
    await docker("network", "disconnect", "no6", "s6");
    const outside = await http("POST", "/v1.44/networks/no6/connect", { Container: "s6", EndpointConfig: { IPAMConfig: { IPv6Address: "fd00:1::5" } } });
    assert.deepEqual([outside.status, outside.json.message], [400, "no configured subnet or ip-range contain the IP address fd00:1::5"]);
    const noSubnet = await d.docker(["network", "connect", "--ip6", "fd00:1::5", "ln", "s6"]);
    assert.match(noSubnet.stderr, /user specified IP address is supported only when connecting to networks with user configured subnets/);
  });

  it("--bridge none: no default network, and one an earlier start made is removed with its device", async () => {
    await d.client.removeSandbox("lt1", true);
    await d.client.removeSandbox("lt2", true);
    await d.stop();
    await d.start(["--bridge", "none"]);
    assert.equal((await d.docker(["network", "inspect", "bridge"])).code, 1);
    assert.doesNotMatch(d.inHost("ip", ["-o", "link"]), /dnet0/);
    await d.stop();
    await d.start();
    assert.equal((await inspect("bridge")).Options["com.docker.network.bridge.name"], "dnet0");
  });
});
