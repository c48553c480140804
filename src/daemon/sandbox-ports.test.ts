// Root end to end: ports added to and removed from a running sandbox through the daemon and the `dnet`
// CLI (`dnet port add|rm`, `dnet port`), reached from a netns that plays "the outside" (linked to the
// daemon's host netns by a veth): published at once, refused again once removed (socket released, open
// connections ended), ranges as one firewall element, clashes refused with nothing changed, events for
// each change, and the change following the gateway endpoint and surviving a restart.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { EventDto } from "../api/dto.js";
import { rootOnly } from "../testing/kernel.js";
import { NetnsPrograms, bindCheck, curlIn } from "../testing/netns-programs.js";
import { TestDaemon, sh } from "../testing/test-daemon.js";
import { waitFor } from "../testing/test-clients.js";

const HOST = "198.51.100.1";
const PEER = "198.51.100.2";

describe("ports changed on a running sandbox (root)", { ...rootOnly, timeout: 240_000 }, () => {
  const d = new TestDaemon();
  const programs = new NetnsPrograms();
  const outside = `dnpo-${randomBytes(3).toString("hex")}`;
  const outNs = `/run/netns/${outside}`;
  const hostNs = `/run/netns/${d.hostNetns}`;
  const events: EventDto[] = [];
  const stopEvents = new AbortController();
  let webKey = "";

  const dnet = (...args: string[]) => d.dnet(args);
  const ok = async (...args: string[]): Promise<string> => {
    const r = await d.dnet(args);
    assert.equal(r.code, 0, `dnet ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const fromOutside = (port: number): string => curlIn(outNs, HOST, port);
  const ranges4 = (): string => d.inHost("nft", ["-j", "list", "map", "inet", "dnet", "ranges4"]);

  before(async () => {
    await d.start();
    sh("ip", ["netns", "add", outside]);
    d.inHost("ip", ["link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", outside]);
    d.inHost("ip", ["addr", "add", `${HOST}/24`, "dev", "ext0"]);
    d.inHost("ip", ["link", "set", "ext0", "up"]);
    sh("ip", ["-n", outside, "addr", "add", `${PEER}/24`, "dev", "eth0"]);
    sh("ip", ["-n", outside, "link", "set", "eth0", "up"]);
    sh("ip", ["-n", outside, "link", "set", "lo", "up"]);
    void d.client.events((e) => { if (e.Type === "sandbox") events.push(e); }, stopEvents.signal).catch(() => undefined);
    await ok("network", "create", "--subnet", "10.97.21.0/24", "pp");
    await ok("sandbox", "create", "--network", "pp", "web");
    webKey = (await d.client.inspectSandbox("web")).Key;
    await programs.echo(webKey, "web", ["tcp:80", "tcp:81", "tcp:10005", "tcp:10999", "udp:5300"]);
  });
  after(async () => {
    stopEvents.abort();
    programs.stopAll();
    try { sh("ip", ["netns", "del", outside]); } catch { /* gone */ }
    await d.cleanup();
  });

  it("dnet port add publishes a port of the running sandbox at once: from the outside, in dnet port, held by a socket, an event", async () => {
    assert.equal(fromOutside(8080), "FAIL", "nothing on 8080 yet");
    assert.equal(await ok("port", "add", "web", "8080:80"), "80/tcp -> 0.0.0.0:8080\n");
    assert.match(fromOutside(8080), new RegExp(`^web 10\\.97\\.21\\.2 ${PEER}$`), "DNATed to the sandbox, the client's address kept");
    assert.equal(await ok("port", "web"), "80/tcp -> 0.0.0.0:8080\n");
    assert.equal(await ok("port", "web", "80/tcp"), "0.0.0.0:8080\n");
    assert.deepEqual((await d.client.inspectSandbox("web")).Ports, { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }] });
    assert.match(bindCheck(hostNs, 8080), /Address already in use/, "a host program cannot take it");
    await waitFor(() => events.some((e) => e.Action === "publish"), 5000);
    const e = events.find((x) => x.Action === "publish");
    assert.deepEqual(e?.Actor.Attributes, { name: "web", port: "80/tcp", hostIp: "", hostPort: "8080", published: "0.0.0.0:8080" });
  });

  it("dnet port rm: refused again at once, the socket released, an open connection through it ended, an event", async () => {
    // A UDP flow that keeps its source port: its conntrack entry would keep it NATed to the sandbox.
    assert.equal(await ok("port", "add", "web", "5353:5300/udp"), "5300/udp -> 0.0.0.0:5353\n");
    const flows = (): number => d.inHost("cat", ["/proc/net/nf_conntrack"]).split("\n").filter((l) => / dport=5353 /.test(l) && l.includes(`src=${PEER} `)).length;
    sh("nsenter", [`--net=${outNs}`, "python3", "-c", `import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('',40555));s.settimeout(2);s.sendto(b'x',('${HOST}',5353));print(s.recv(100))`]);
    assert.equal(flows(), 1, "the flow is tracked");
    assert.equal(await ok("port", "rm", "web", "5353:5300/udp"), "5353:5300/udp\n");
    assert.equal(flows(), 0, "its entry is gone with the port");
    assert.equal(await ok("port", "rm", "web", "80"), "8080:80/tcp\n");
    assert.equal(fromOutside(8080), "FAIL");
    assert.equal(bindCheck(hostNs, 8080), "bound", "the port is free for host programs again");
    const none = await dnet("port", "web", "80");
    assert.equal(none.code, 1);
    assert.equal(none.stderr, "Error: no public port '80/tcp' published for web\n");
    const again = await dnet("port", "rm", "web", "80");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Error: sandbox web publishes no 80\/tcp\n$/);
    await waitFor(() => events.filter((x) => x.Action === "unpublish").length === 2, 5000);
    assert.deepEqual(events.filter((x) => x.Action === "unpublish").map((x) => x.Actor.Attributes["port"]), ["5300/udp", "80/tcp"]);
  });

  it("a range onto the same ports: one firewall element, every port answers; longer than 64 ports it is checked, not held", async () => {
    assert.equal(await ok("port", "add", "web", "10000-10999:10000-10999"), "10000-10999/tcp -> 0.0.0.0:10000-10999\n");
    assert.equal(JSON.parse(ranges4()).nftables.filter((i: { map?: unknown }) => i.map !== undefined)[0].map.elem.length, 1);
    assert.match(fromOutside(10005), /^web 10\.97\.21\.2 /);
    assert.match(fromOutside(10999), /^web /);
    assert.equal(bindCheck(hostNs, 10500), "bound", "not held by 1,000 sockets");
    const ports = (await d.client.inspectSandbox("web")).Ports;
    assert.equal(Object.keys(ports).length, 1000, "Docker's shape: a key per port");
    assert.deepEqual(ports["10005/tcp"], [{ HostIp: "0.0.0.0", HostPort: "10005" }]);
    assert.equal(await ok("port", "rm", "web", "10000-10999:10000-10999"), "10000-10999:10000-10999/tcp\n");
    assert.equal(fromOutside(10005), "FAIL");
    // On one host address (its own interval map), and shifted (host ports other than the container's: an element per port).
    assert.equal(await ok("port", "add", "web", `${HOST}:10000-10099:10000-10099`), `10000-10099/tcp -> ${HOST}:10000-10099\n`);
    assert.equal(await ok("port", "add", "web", "19000-19099:10000-10099"), "10000-10099/tcp -> 0.0.0.0:19000-19099\n");
    assert.match(d.inHost("nft", ["list", "map", "inet", "dnet", "hostranges4"]), new RegExp(`${HOST.replace(/\./g, "\\.")} \\. tcp \\. 10000-10099 : 10\\.97\\.21\\.2`));
    assert.match(fromOutside(10005), /^web 10\.97\.21\.2 /);
    assert.match(fromOutside(19005), /^web 10\.97\.21\.2 /, "19005 reaches 10005");
    assert.equal(await ok("port", "rm", "web", "10000-10099"), `${HOST}:10000-10099:10000-10099/tcp\n19000-19099:10000-10099/tcp\n`);
    assert.equal(fromOutside(19005), "FAIL");
    // A host program on a port of a long range refuses the whole range, as a bind would.
    await programs.echo(hostNs, "hostprog", ["tcp:11050"]);
    const refused = await dnet("port", "add", "web", "11000-11099:11000-11099");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /listen tcp4 0\.0\.0\.0:11050: bind: address already in use/);
    assert.equal(await ok("port", "web"), "", "nothing was published");
  });

  it("clashes are refused with nothing changed: a port another sandbox publishes, a binding the sandbox has, a short range", async () => {
    await ok("sandbox", "create", "--network", "pp", "-p", "9090:80", "api");
    await programs.echo((await d.client.inspectSandbox("api")).Key, "api", ["tcp:80"]);
    await ok("port", "add", "web", "8081:81");
    const before = d.inHost("nft", ["list", "table", "inet", "dnet"]);
    const taken = await dnet("port", "add", "web", "9090:80");
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /Bind for 0\.0\.0\.0:9090 failed: port is already allocated/);
    const twice = await dnet("port", "add", "web", "8081:81");
    assert.match(twice.stderr, /^Error: sandbox web already publishes 8081:81\/tcp\n$/);
    const overlap = await dnet("port", "add", "web", "9089-9091:9089-9091");
    assert.match(overlap.stderr, /Bind for 0\.0\.0\.0:9090 failed: port is already allocated/);
    const shape = await dnet("port", "add", "web", "9000-9001");
    assert.match(shape.stderr, /a container port range needs a host port range of the same length/);
    assert.equal(d.inHost("nft", ["list", "table", "inet", "dnet"]), before, "the firewall is as it was");
    assert.equal(await ok("port", "web"), "81/tcp -> 0.0.0.0:8081\n");
    assert.equal(bindCheck(hostNs, 9089), "bound", "the refused range left no socket behind");
    assert.match(fromOutside(9090), /^api /, "the other sandbox keeps its port");
    assert.match(fromOutside(8081), /^web /);
  });

  it("an added port follows the gateway endpoint to another network and is published again after a restart", async () => {
    await ok("network", "create", "--subnet", "10.97.22.0/24", "pa"); // "pa" < "pp": it becomes the gateway
    await ok("network", "connect", "pa", "web");
    assert.match(fromOutside(8081), /^web 10\.97\.22\.2 /, "now through the pa endpoint");
    await d.stop("SIGTERM");
    await d.start();
    assert.match(fromOutside(8081), /^web 10\.97\.22\.2 /, "the record brought it back");
    assert.match(bindCheck(hostNs, 8081), /Address already in use/, "held again");
    assert.equal(await ok("port", "web"), "81/tcp -> 0.0.0.0:8081\n");
    await ok("sandbox", "rm", "-f", "web");
    assert.equal(fromOutside(8081), "FAIL");
    assert.equal(bindCheck(hostNs, 8081), "bound");
  });
});
