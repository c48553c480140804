// Root end-to-end test with real packets: published ports answered from the outside, from the host itself
// (127.0.0.1, its addresses, the bridge gateway), from a sibling sandbox through the host address
// (hairpin) and from another network, all without a userland proxy; fixed, range, dynamic, UDP, an
// explicit host IP and host_binding_ipv4; ports following the sandbox's gateway endpoint; Docker's
// conflict errors. The controller runs in a scratch netns H. Not root: skipped with a reason.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootOnly } from "../../testing/kernel.js";
import { PNET } from "../../testing/bridge-scenarios-ports.js";
import { FNET } from "../../testing/bridge-scenarios-ports-follow.js";
import { OUTSIDE as O, ScratchHost, type Report } from "../../testing/bridge-topology.js";

const P1 = `p1 ${PNET.p}.2`;

describe("bridge e2e: published ports", { ...rootOnly, timeout: 180_000 }, () => {
  let host: ScratchHost | undefined;
  let r: Report = {};
  const seen = (key: string): unknown => {
    assert.ok(key in r, `the scenario did not record "${key}"`);
    return r[key];
  };

  before(async () => {
    host = new ScratchHost("bp").build();
    r = await host.run("ports");
  });

  after(() => host?.teardown());

  test("from the outside: every host address, TCP and UDP, the client's own address preserved", () => {
    assert.equal(seen("outside → host:8080"), `${P1} ${O.peerIp}`);
    assert.equal(seen("outside → host2:8080"), `${P1} ${O.peerIp}`);
    assert.equal(seen("outside udp → host:5353"), `p1 - ${O.peerIp}`);
    assert.equal(seen("outside → p1:80 directly"), "FAIL", "only the published port, DNATed, gets in");
  });

  test("from the host itself: 127.0.0.1, its address and the bridge gateway", () => {
    assert.equal(seen("host → 127.0.0.1:8080"), `${P1} ${PNET.p}.1`, "loopback is masqueraded to the bridge address");
    assert.equal(seen("host udp → 127.0.0.1:5353"), `p1 - ${PNET.p}.1`);
    assert.equal(seen("host → host:8080"), `${P1} ${O.hostIp}`);
    assert.equal(seen("host → p gateway:8080"), `${P1} ${PNET.p}.1`);
  });

  test("hairpin: a sibling sandbox (and the sandbox itself) through the host address or the gateway", () => {
    assert.equal(seen("p2 → host:8080 (hairpin)"), `${P1} ${PNET.p}.1`);
    assert.equal(seen("p2 → p gateway:8080 (hairpin)"), `${P1} ${PNET.p}.1`);
    assert.equal(seen("p2 udp → host:5353 (hairpin)"), `p1 - ${PNET.p}.1`);
    assert.equal(seen("p1 → host:8080 (itself)"), `${P1} ${PNET.p}.1`);
  });

  test("from a sandbox of another network (masqueraded like any outbound traffic)", () => {
    assert.equal(seen("q1 → host:8080 (other network)"), `${P1} ${PNET.p}.1`);
  });

  test("no userland proxy: the only sockets on host ports are the ones holding the published ports (answers above come from the sandboxes)", () => {
    const local = (seen("listeners in H") as string[]).map((l) => { const f = l.trim().split(/\s+/); return `${f[0]} ${f[4]}`; }).sort();
    assert.deepEqual(local, [
      `tcp ${O.hostIp2}:8081`, `tcp ${O.hostIp}:8082`, "tcp 0.0.0.0:32768", "tcp 0.0.0.0:8080", "tcp 0.0.0.0:9000", "udp 0.0.0.0:5353",
    ].sort());
  });

  test("range and dynamic host ports: one port from the range, dynamic from ip_local_port_range", () => {
    assert.equal(seen("outside → host:9000 (range)"), `q1 ${PNET.q}.2 ${O.peerIp}`);
    assert.equal(seen("dynamic port"), 32768, "the first port of H's ip_local_port_range (32768-60999)");
    assert.equal(seen("outside → host:dynamic"), `q1 ${PNET.q}.2 ${O.peerIp}`);
  });

  test("an explicit host IP and host_binding_ipv4 publish on that address only", () => {
    assert.equal(seen("outside → host:8082 (bound to host)"), `${P1} ${O.peerIp}`);
    assert.equal(seen("outside → host2:8082 (bound to host)"), "FAIL");
    assert.equal(seen("outside → host2:8081 (host_binding_ipv4)"), `h1 ${PNET.hb}.2 ${O.peerIp}`);
    assert.equal(seen("outside → host:8081 (host_binding_ipv4)"), "FAIL");
  });

  test("DriverInfo's portmap: Docker's shape, resolved host ports, unspecified address for every-address bindings", () => {
    const ip = `${PNET.p}.2`;
    assert.deepEqual(seen("portmap p1"), [
      { Proto: "tcp", IP: ip, Port: 80, HostIP: "0.0.0.0", HostPort: 8080, HostPortEnd: 8080 },
      { Proto: "udp", IP: ip, Port: 54, HostIP: "0.0.0.0", HostPort: 5353, HostPortEnd: 5353 },
      { Proto: "tcp", IP: ip, Port: 81, HostIP: O.hostIp, HostPort: 8082, HostPortEnd: 8082 },
    ]);
    assert.deepEqual(seen("portmap q1"), [
      { Proto: "tcp", IP: `${PNET.q}.2`, Port: 80, HostIP: "0.0.0.0", HostPort: 9000, HostPortEnd: 9000 },
      { Proto: "tcp", IP: `${PNET.q}.2`, Port: 81, HostIP: "0.0.0.0", HostPort: 32768, HostPortEnd: 32768 },
    ]);
    assert.deepEqual(seen("portmap p2"), []);
  });

  test("published ports and the default route follow the sandbox's gateway endpoint", () => {
    const { gz, ga } = seen("gateway addresses") as { gz: string; ga: string };
    assert.equal(seen("gateway 1: :8090"), `g ${gz} ${O.peerIp}`);
    assert.ok((seen("gateway 1: routes") as string[]).includes(`default via ${PNET.gz}.1 dev eth0`));
    assert.equal(seen("gateway 2: :8090"), `g ${ga} ${O.peerIp}`, "gw-a sorts before gw-z: it took the ports");
    assert.ok((seen("gateway 2: routes") as string[]).includes(`default via ${PNET.ga}.1 dev eth1`), String(seen("gateway 2: routes")));
    const maps = seen("gateway 2: portmaps") as { gz: unknown[]; ga: Array<{ HostPort: number }> };
    assert.deepEqual(maps.gz, [], "revoked from the old gateway endpoint");
    assert.equal(maps.ga[0]?.HostPort, 8090);
    assert.equal(seen("gateway 3: :8090"), `g ${gz} ${O.peerIp}`, "back on gw-z once gw-a left");
    assert.ok((seen("gateway 3: routes") as string[]).includes(`default via ${PNET.gz}.1 dev eth0`));
    assert.ok(!(seen("gateway 3: routes") as string[]).some((l) => l.includes("eth1")));
    assert.equal(seen("gateway 3: eth1 left g at once"), true, "no interface under its name once leave returns");
    assert.equal(seen("gateway 3: eth1 gone from g"), true, String(seen("gateway 3: links of g")));
    assert.equal((seen("gateway 4: join error") as { kind: string }).kind, "conflict", "gw-a's join failed on its host port");
    assert.ok((seen("gateway 4: routes") as string[]).includes(`default via ${PNET.gz}.1 dev eth0`), String(seen("gateway 4: routes")));
    assert.equal(seen("gateway 4: :8090"), `g ${gz} ${O.peerIp}`, "the port is gw-z's again");
    assert.equal(seen("gateway 4: links of g"), true);
  });

  test("Docker 20.10: a sandbox's ports move with its gateway to a dual-stack network it connects to, published on IPv4 and IPv6 there", () => {
    const { a, b, b6 } = seen("follow 2: addresses") as { a: string; b: string; b6: string };
    assert.equal(seen("follow 1: :8091"), `pf ${a} ${O.peerIp}`);
    assert.ok((seen("follow 2: routes") as string[]).includes(`default via ${FNET.ds}.1 dev eth1`), String(seen("follow 2: routes")));
    assert.equal(seen("follow 2: :8091"), `pf ${b} ${O.peerIp}`, "the IPv4 port answers from the new gateway network");
    assert.equal(seen("follow 2: [::]:8091"), `pf ${b6} ${O.peerIp6}`, "and the same port on IPv6");
    const maps = seen("follow 2: portmaps") as { a: unknown[]; b: Array<{ Proto: string; HostIP: string; HostPort: number }> };
    assert.deepEqual(maps.a, [], "nothing stays on the old gateway endpoint");
    assert.deepEqual(maps.b.map((m) => `${m.Proto} ${m.HostIP} ${m.HostPort}`).sort(),
      [`tcp 0.0.0.0 8091`, `tcp :: 8091`, `udp 0.0.0.0 ${String(seen("follow 2: udp dynamic port"))}`, `udp :: ${String(seen("follow 2: udp dynamic port"))}`].sort());
    assert.notEqual(seen("follow 2: udp dynamic port"), 0, "a dynamic port shows the port chosen");
    assert.equal(seen("follow 2: udp :dynamic"), `pf - ${O.peerIp}`);
    assert.equal(seen("follow 3: A left, :8091"), `pf ${b} ${O.peerIp}`, "the ports are the sandbox's: they stay when the network they came with leaves");
    assert.equal(seen("follow 4: no gateway, :8091"), "FAIL");
  });

  test("published host ports are held by a socket per family: no host program can take them; released with the ports", () => {
    assert.deepEqual(seen("follow 2: sockets on 8091"), ["tcp 0.0.0.0:8091", "tcp [::]:8091"]);
    assert.match(String(seen("follow 2: a host program binds 8091")), /Address already in use/);
    assert.deepEqual(seen("follow 4: sockets on 8091"), []);
    assert.equal(seen("follow 4: a host program binds 8091"), "bound");
  });

  test("a host port a host program holds: refused (Docker's bind error), not taken over; skipped inside a range", () => {
    const id = String(seen("reserve: pr1 id"));
    assert.deepEqual(seen("reserve: host program's port"), {
      kind: "conflict", message: `driver failed programming external connectivity on endpoint pr1 (${id}): listen tcp4 0.0.0.0:8095: bind: address already in use`,
    });
    assert.match(String(seen("reserve: host program still answers")), /^hostprog /);
    assert.deepEqual((seen("reserve: range portmap") as Array<{ HostPort: number }>).map((m) => m.HostPort), [9101], "9100 is the host program's: the next free port of the range");
    assert.match(String(seen("reserve: :9101")), /^pr2 /);
    assert.match(String(seen("reserve: :9100 still the host program's")), /^hostprog /);
  });

  test("what cannot be served is refused: [::1] (no NAT out of the IPv6 loopback), an IPv6 host address on an IPv4-only network; served on a dual-stack one", () => {
    const refused = (key: string): { kind: string; message: string } => seen(key) as { kind: string; message: string };
    assert.equal(refused("refuse: [::1]").kind, "invalid-argument");
    assert.match(refused("refuse: [::1]").message, /cannot publish \[::1\]:8089:80\/tcp: the IPv6 loopback address cannot be forwarded/);
    assert.equal(refused("refuse: IPv6 host address on an IPv4-only network").kind, "invalid-argument");
    assert.match(refused("refuse: IPv6 host address on an IPv4-only network").message, /cannot publish \[fd00:51::1\]:8089:80\/tcp: the sandbox has no IPv6 address/);
    assert.deepEqual((seen("publish: [hostIp6]:8089 portmap") as Array<{ HostIP: string; HostPort: number }>).map((m) => `${m.HostIP} ${m.HostPort}`), [`${O.hostIp6} 8089`]);
    assert.equal(seen("publish: outside → [hostIp6]:8089"), `pr5 ${String(seen("publish: pr5 ip6"))} ${O.peerIp6}`);
  });

  test("same host port: Docker's message with the endpoint's name and ID; the join is rolled back", () => {
    const id = String(seen("conflict: dup id"));
    assert.deepEqual(seen("conflict: same port"), {
      kind: "conflict",
      message: `driver failed programming external connectivity on endpoint dup (${id}): Bind for 0.0.0.0:8080 failed: port is already allocated`,
    });
    assert.equal(seen("conflict: dup not joined"), true);
    assert.equal(seen("conflict: sandbox has only lo again"), true);
  });

  test("a specific address collides with a wildcard binding of the same port; two specific addresses do not", () => {
    const id = String(seen("conflict: spec id"));
    assert.deepEqual(seen("conflict: specific vs wildcard"), {
      kind: "conflict",
      message: `driver failed programming external connectivity on endpoint spec (${id}): Bind for ${O.hostIp}:8080 failed: port is already allocated`,
    });
    assert.equal(seen("no conflict: another specific address for 8082"), "no error");
  });

  test("after the conflicts the first owner still has its port, once in the map; no detached veth stays", () => {
    assert.equal(seen("after conflicts: outside → host:8080"), `${P1} ${O.peerIp}`);
    const map = String(seen("after conflicts: ports4 map"));
    assert.equal(map.match(/tcp \. 8080 : /g)?.length, 1, map);
    assert.match(map, new RegExp(`tcp \\. 8080 : ${PNET.p.replaceAll(".", "\\.")}\\.2 \\. 80\\b`));
    assert.equal(seen("after conflicts: no detached veth left in H"), true, String(seen("after conflicts: H links")));
  });
});
