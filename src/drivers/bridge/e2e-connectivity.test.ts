// Root end-to-end test with real packets: sandboxes on one bridge network reach each other, networks are
// isolated, ICC off blocks intra-network traffic, internal networks reach nothing outside, masquerade,
// no masquerade and SNAT (host_ipv4) as seen from "the outside"; MAC, MTU, interface prefix, routes.
// The controller runs in a scratch netns H (see src/testing/bridge-topology.ts); nothing touches the
// real host. Not root: skipped with a reason.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootOnly } from "../../testing/kernel.js";
import { NET } from "../../testing/bridge-scenarios-net.js";
import { OUTSIDE as O, ScratchHost, type Report } from "../../testing/bridge-topology.js";

interface LinkView { readonly kind: string; readonly master: string; readonly mtu: number; readonly mac: string; readonly addrs: readonly string[] }
type Links = Readonly<Record<string, LinkView>>;

describe("bridge e2e: connectivity", { ...rootOnly, timeout: 180_000 }, () => {
  let host: ScratchHost | undefined;
  let r: Report = {};
  const seen = (key: string): unknown => {
    assert.ok(key in r, `the scenario did not record "${key}"`);
    return r[key];
  };
  const hostLinks = (): Links => seen("H links") as Links;

  before(async () => {
    host = new ScratchHost("bc").build();
    r = await host.run("connectivity");
  });

  after(() => host?.teardown());

  test("two sandboxes on one network ping each other and talk TCP without NAT", () => {
    assert.equal(seen("ping a1 → a2"), true);
    assert.equal(seen("ping a2 → a1"), true);
    assert.equal(seen("curl a2 → a1"), `a1 ${NET.a}.2 ${NET.a}.3`, "a1 answers and sees a2's own address");
    assert.equal(seen("ping a1 → its gateway"), true);
  });

  test("sandboxes on different networks cannot reach each other, either way", () => {
    assert.equal(seen("ping a1 → b1"), false);
    assert.equal(seen("ping b1 → a1"), false);
    assert.equal(seen("curl b1 → a1"), "FAIL");
  });

  test("ICC off blocks traffic between sandboxes of the network, not to its gateway or out", () => {
    assert.equal(seen("ping c1 → c2 (icc off)"), false);
    assert.equal(seen("curl c1 → c2 (icc off)"), "FAIL");
    assert.equal(seen("ping c1 → its gateway (icc off)"), true);
    assert.equal(seen("curl c1 → internet (icc off)"), `out ${O.internetIp} ${O.hostIp}`);
  });

  test("an internal network talks inside itself and reaches nothing outside its subnet", () => {
    assert.equal(seen("ping i1 → i2 (internal)"), true);
    assert.equal(seen("curl i1 → i2 (internal)"), `i2 ${NET.i}.3 ${NET.i}.2`);
    assert.equal(seen("ping i1 → outside peer (internal)"), false);
    assert.equal(seen("curl i1 → internet (internal)"), "FAIL");
    assert.equal(seen("ping i1 → a1 (internal)"), false);
    assert.equal(seen("ping a1 → i2 (into internal)"), false);
    assert.equal(seen("curl outside → i2 directly (internal)"), "FAIL", "even though the outside has a route to it");
  });

  test("Docker 25+'s internal semantics: no default route (connections out fail at once), the host answers on the network's bridge address", () => {
    assert.ok(!(seen("i1 routes") as string[]).some((r) => r.startsWith("default")), String(seen("i1 routes")));
    assert.match(String(seen("route i1 → internet (internal)")), /Network is unreachable/);
    assert.equal(seen("ping i1 → its bridge address (internal)"), true, "INPUT is not filtered, as in Docker");
    assert.equal(seen("ping i1 → host address (internal)"), false, "no route to the host's other addresses");
  });

  test("masquerade: the outside sees the host's address (TCP and UDP)", () => {
    assert.equal(seen("curl a1 → internet"), `out ${O.internetIp} ${O.hostIp}`);
    assert.equal(seen("udp a1 → outside peer"), `out - ${O.hostIp}`);
  });

  test("enable_ip_masquerade=false: the outside sees the sandbox's own address", () => {
    assert.equal(seen("curl n1 → internet (no masquerade)"), `out ${O.internetIp} ${String(seen("n1 address"))}`);
  });

  test("host_ipv4: SNAT to that address instead of MASQUERADE", () => {
    assert.equal(seen("curl x1 → internet (host_ipv4)"), `out ${O.internetIp} ${O.hostIp2}`);
  });

  test("nothing unpublished is reachable from outside, though the outside routes to the subnets", () => {
    assert.equal(seen("curl outside → a1 directly (nothing published)"), "FAIL");
    assert.equal(seen("ping outside → a1 directly"), false);
  });

  test("the bridge: named by the option or br-<id12>, holds the gateway, ip_forward on in H", () => {
    const names = seen("bridge names") as { a: string; m: string };
    const a = hostLinks()[names.a];
    assert.equal(a?.kind, "bridge");
    assert.deepEqual(a?.addrs, [`${NET.a}.1/24`]);
    assert.match(names.m, /^br-[0-9a-f]{12}$/);
    assert.equal(hostLinks()[names.m]?.kind, "bridge");
    assert.equal(seen("ip_forward in H"), "1");
    assert.deepEqual(seen("bridge mcast_snooping"), { a: 0, m: 0 }, "multicast snooping off on bridges dnet creates");
  });

  test("each joined endpoint is a veth whose host end sits on its network's bridge", () => {
    const ports = Object.entries(hostLinks()).filter(([name]) => /^veth[0-9a-f]{11}$/.test(name));
    assert.equal(ports.length, 10, Object.keys(hostLinks()).join(" "));
    assert.equal(ports.filter(([, l]) => l.master === "dnet-a").length, 2);
    assert.ok(ports.every(([, l]) => l.kind === "veth" && l.master.length > 0));
  });

  test("MAC: 02:42:<IPv4 bytes>, or the one given; DriverInfo reports it", () => {
    const a1 = (seen("a1 links") as Links).eth0;
    assert.equal(a1?.mac, "02:42:0a:f1:01:02", `${String(seen("a1 address"))} → 02:42:0a:f1:01:02`);
    assert.deepEqual(a1?.addrs, [`${NET.a}.2/24`]);
    assert.equal((seen("a2 links") as Links).eth0?.mac, "02:aa:bb:cc:dd:ee");
    assert.deepEqual(seen("a1 driverInfo"), { "com.docker.network.portmap": [], "com.docker.network.endpoint.macaddress": "02:42:0a:f1:01:02" });
    assert.equal((seen("a2 driverInfo") as Record<string, unknown>)["com.docker.network.endpoint.macaddress"], "02:aa:bb:cc:dd:ee");
  });

  test("default route via the gateway endpoint; nothing else but the connected route", () => {
    assert.deepEqual(seen("a1 routes"), [`default via ${NET.a}.1 dev eth0`, `${NET.a}.0/24 dev eth0`]);
  });

  test("an IPv4-only network's interface has IPv6 disabled (no link-local, no NDP/MLD chatter on the bridge)", () => {
    assert.equal(seen("a1 eth0 disable_ipv6"), "1");
    assert.equal(seen("a1 IPv6 addresses"), "");
  });

  test("com.docker.network.driver.mtu on both veth ends; container_iface_prefix names the interface", () => {
    const m1 = seen("m1 links") as Links;
    assert.deepEqual(Object.keys(m1).sort(), ["lnv0", "lo"]);
    assert.equal(m1.lnv0?.mtu, 1400);
    const bridge = (seen("bridge names") as { m: string }).m;
    const hostEnd = Object.values(hostLinks()).find((l) => l.master === bridge);
    assert.equal(hostEnd?.mtu, 1400);
    assert.equal((seen("a1 links") as Links).eth0?.mtu, 1500, "other networks keep the default");
  });
});
