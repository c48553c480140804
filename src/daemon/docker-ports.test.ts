// Root end to end, published ports against the daemon (Docker 20.10 semantics unless said), through the
// `docker` and `dnet` CLIs and raw HTTP, checked from the daemon's host netns with curl and a bind check:
// ports follow the gateway endpoint to a dual-stack network (both families); a host program's port is
// refused and a published one held by a socket, across a restart; what cannot be served is refused;
// ranges and dynamic ports show the port actually chosen (what `docker port` prints).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SandboxDto } from "../api/dto.js";
import { rootOnly } from "../testing/kernel.js";
import { NetnsPrograms, bindCheck, curlIn } from "../testing/netns-programs.js";
import { TestDaemon } from "../testing/test-daemon.js";
import { waitFor } from "../testing/test-clients.js";

const HOST6 = "fd00:96:99::1";

describe("published ports through the daemon (root)", { ...rootOnly, timeout: 240_000 }, () => {
  const d = new TestDaemon();
  const programs = new NetnsPrograms();
  const hostNs = `/run/netns/${d.hostNetns}`;
  before(async () => {
    await d.start();
    // An IPv6 address of "the host", to reach ports published on [::] from the host side.
    d.inHost("ip", ["addr", "add", `${HOST6}/128`, "dev", "lo"]);
    const docker = async (...args: string[]): Promise<void> => {
      const r = await d.docker(args);
      assert.equal(r.code, 0, r.stderr);
    };
    await docker("network", "create", "--subnet", "10.96.1.0/24", "pa");
    await docker("network", "create", "--ipv6", "--subnet", "10.96.2.0/24", "--subnet", "fd00:96:2::/64", "pb");
  });
  after(async () => {
    programs.stopAll();
    await d.cleanup();
  });

  const dnet = (...args: string[]) => d.dnet(args);
  const sandbox = (name: string): Promise<SandboxDto> => d.client.inspectSandbox(name);
  /** The first IPv6 packets to a just-joined interface can wait on neighbour discovery past curl's timeout. */
  const curl6 = async (port: number): Promise<string> => {
    let out = "FAIL";
    await waitFor(() => (out = curlIn(hostNs, HOST6, port)) !== "FAIL", 8000, 200);
    return out;
  };

  it("Docker 20.10: a sandbox's ports follow the default route to a dual-stack network it is connected to, on IPv4 and IPv6", async () => {
    await d.client.createSandbox({ Name: "ps1", Networks: [{ Network: "pa" }], PortBindings: [{ Proto: "tcp", Port: 80, HostPort: 8080 }] });
    await programs.echo((await sandbox("ps1")).Key, "ps1", ["tcp:80"]);
    assert.match(curlIn(hostNs, "127.0.0.1", 8080), /^ps1 10\.96\.1\.2 /);
    const connect = await d.docker(["network", "connect", "pb", "ps1"]);
    assert.equal(connect.code, 0, connect.stderr);
    const sb = await sandbox("ps1");
    assert.match(d.inNetns(sb.Key, "ip", ["route", "show", "default"]), /via 10\.96\.2\.1 dev eth1/, "pb (dual stack) took the default route");
    assert.match(curlIn(hostNs, "127.0.0.1", 8080), /^ps1 10\.96\.2\.2 /, "8080 answers from the new gateway endpoint");
    assert.match(await curl6(8080), /^ps1 fd00:96:2::2 /, "and on IPv6");
    const byNet = Object.fromEntries(sb.Endpoints.map((e) => [e.NetworkName, e.PortBindings.map((p) => `${p.HostIP}:${p.HostPort}`)]));
    assert.deepEqual(byNet, { pa: [], pb: ["0.0.0.0:8080", ":::8080"] }, "inspect says where the port is published");
    assert.deepEqual(sb.Ports, { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "::", HostPort: "8080" }] });
    const port = await d.docker(["port", "ps1"]);
    assert.deepEqual(port.stdout.trim().split("\n").sort(), ["80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080"], port.stderr);
    const leave = await d.docker(["network", "disconnect", "pa", "ps1"]);
    assert.equal(leave.code, 0, leave.stderr);
    assert.match(curlIn(hostNs, "127.0.0.1", 8080), /^ps1 10\.96\.2\.2 /, "the ports are the sandbox's: they stay when pa goes");
  });

  it("a host port a host program holds is refused (address already in use), not taken over; a published one no host program can take, across a restart", async () => {
    await programs.echo(hostNs, "hostprog", ["tcp:8095"]);
    const refused = await dnet("sandbox", "create", "--network", "pa", "-p", "8095:80", "ps2");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Error: driver failed programming external connectivity on endpoint ps2 \([0-9a-f]{64}\): listen tcp4 0\.0\.0\.0:8095: bind: address already in use\n$/);
    assert.equal((await d.client.listSandboxes()).some((s) => s.Name === "ps2"), false, "the failed create left no sandbox");
    assert.match(curlIn(hostNs, "127.0.0.1", 8095), /^hostprog /, "the host program keeps its port");
    const made = await dnet("sandbox", "create", "--network", "pa", "-p", "8096:80", "ps3");
    assert.equal(made.code, 0, made.stderr);
    await programs.echo((await sandbox("ps3")).Key, "ps3", ["tcp:80"]);
    assert.match(bindCheck(hostNs, 8096), /Address already in use/);
    await d.stop("SIGTERM");
    await d.start();
    assert.match(bindCheck(hostNs, 8096), /Address already in use/, "held again after the restart");
    assert.match(curlIn(hostNs, "127.0.0.1", 8096), /^ps3 /);
    assert.equal((await dnet("sandbox", "rm", "-f", "ps3")).code, 0);
    assert.equal(bindCheck(hostNs, 8096), "bound", "released with the sandbox");
  });

  it("what cannot be served is refused with 400 and a clear message: [::1], an IPv6 host address on an IPv4-only network; served on a dual-stack one", async () => {
    const loop = await dnet("sandbox", "create", "--network", "pb", "-p", "[::1]:8089:80", "ps4");
    assert.equal(loop.code, 1);
    assert.match(loop.stderr, /cannot publish \[::1\]:8089:80\/tcp: the IPv6 loopback address cannot be forwarded to a sandbox/);
    const raw = await d.client.raw("POST", "/sandboxes", {
      Name: "ps4", Networks: [{ Network: "pa" }], PortBindings: [{ Proto: "tcp", Port: 80, HostIP: HOST6, HostPort: 8089 }],
    });
    assert.equal(raw.status, 400, raw.text);
    assert.match(JSON.parse(raw.text).message, /cannot publish \[fd00:96:99::1\]:8089:80\/tcp: the sandbox has no IPv6 address/);
    const ok = await dnet("sandbox", "create", "--network", "pb", "-p", `[${HOST6}]:8089:80`, "ps5");
    assert.equal(ok.code, 0, ok.stderr);
    await programs.echo((await sandbox("ps5")).Key, "ps5", ["tcp:80"]);
    assert.match(await curl6(8089), /^ps5 fd00:96:2::[0-9a-f]+ /);
    assert.deepEqual((await sandbox("ps5")).Ports, { "80/tcp": [{ HostIp: HOST6, HostPort: "8089" }] });
    // A disconnect is never refused for it: the gateway moves to pa, which cannot serve the port; inspect says so.
    assert.equal((await d.docker(["network", "connect", "pa", "ps5"])).code, 0);
    const leave = await d.docker(["network", "disconnect", "pb", "ps5"]);
    assert.equal(leave.code, 0, leave.stderr);
    assert.deepEqual((await sandbox("ps5")).Ports, { "80/tcp": null });
  });

  it("a dynamic UDP port and a host range show the port actually chosen (a host program's port in the range is skipped), as docker port prints", async () => {
    await programs.echo(hostNs, "hostprog9100", ["tcp:9100"]);
    const made = await dnet("sandbox", "create", "--network", "pa", "-p", "53/udp", "-p", "9100-9102:90", "ps6");
    assert.equal(made.code, 0, made.stderr);
    await programs.echo((await sandbox("ps6")).Key, "ps6", ["tcp:90"]);
    const ports = (await sandbox("ps6")).Ports;
    const udp = ports["53/udp"]?.[0];
    assert.ok(udp !== undefined && Number(udp.HostPort) >= 32768, JSON.stringify(ports));
    assert.deepEqual(ports["90/tcp"], [{ HostIp: "0.0.0.0", HostPort: "9101" }]);
    const all = await d.docker(["port", "ps6"]);
    assert.deepEqual(all.stdout.trim().split("\n").sort(), [`53/udp -> 0.0.0.0:${udp.HostPort}`, "90/tcp -> 0.0.0.0:9101"], all.stderr);
    assert.equal((await d.docker(["port", "ps6", "90/tcp"])).stdout.trim(), "0.0.0.0:9101");
    // `dnet port` prints what `docker port` (28) prints, for the whole sandbox and for one port.
    const mine = await dnet("port", "ps6");
    assert.deepEqual(mine.stdout.trim().split("\n").sort(), all.stdout.trim().split("\n").sort(), mine.stderr);
    assert.equal((await dnet("port", "ps6", "90")).stdout.trim(), "0.0.0.0:9101");
    const none = await dnet("port", "ps6", "91/tcp");
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^Error: no public port '91\/tcp' published for ps6/);
    assert.match(curlIn(hostNs, "127.0.0.1", 9101), /^ps6 /);
  });
});
