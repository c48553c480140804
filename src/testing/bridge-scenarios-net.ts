// Scenario "connectivity": sandboxes on one network, on different networks, with ICC off, on an internal
// network, without masquerade, with SNAT to host_ipv4, with an MTU and an interface prefix; traffic to
// and from the outside; what the kernel shows in H and in the sandboxes.

import { curl, exec, links, multicastSnooping, ping, routes, udp } from "./bridge-probes.js";
import { OUTSIDE as O } from "./bridge-topology.js";
import type { World } from "./bridge-world.js";

/** Docker's option keys, spelled out (the public contract; this layer does not import the driver). */
export const OPT = Object.freeze({
  name: "com.docker.network.bridge.name",
  icc: "com.docker.network.bridge.enable_icc",
  masquerade: "com.docker.network.bridge.enable_ip_masquerade",
  hostBinding: "com.docker.network.bridge.host_binding_ipv4",
  inhibit: "com.docker.network.bridge.inhibit_ipv4",
  mtu: "com.docker.network.driver.mtu",
  prefix: "com.docker.network.container_iface_prefix",
  snat: "com.docker.network.host_ipv4",
});

export const NET = Object.freeze({
  a: "10.241.1", b: "10.241.2", c: "10.241.3", i: "10.241.4", n: "10.241.5", m: "10.241.6", x: "10.241.7",
});

export async function connectivityScenario(w: World): Promise<void> {
  const A = await w.network("net-a", { subnet: `${NET.a}.0/24`, options: { [OPT.name]: "dnet-a" } });
  const B = await w.network("net-b", { subnet: `${NET.b}.0/24` });
  const C = await w.network("net-c", { subnet: `${NET.c}.0/24`, options: { [OPT.icc]: "false" } });
  const I = await w.network("net-i", { subnet: `${NET.i}.0/24`, internal: true });
  const N = await w.network("net-n", { subnet: `${NET.n}.0/24`, options: { [OPT.masquerade]: "false" } });
  const M = await w.network("net-m", { subnet: `${NET.m}.0/24`, options: { [OPT.mtu]: "1400", [OPT.prefix]: "lnv" } });
  const X = await w.network("net-x", { subnet: `${NET.x}.0/24`, options: { [OPT.snat]: O.hostIp2 } });
  const a1 = await w.attach(A, "a1");
  const a2 = await w.attach(A, "a2", { mac: "02:aa:bb:cc:dd:ee" });
  const b1 = await w.attach(B, "b1");
  const c1 = await w.attach(C, "c1");
  const c2 = await w.attach(C, "c2");
  const i1 = await w.attach(I, "i1");
  const i2 = await w.attach(I, "i2");
  const n1 = await w.attach(N, "n1");
  const m1 = await w.attach(M, "m1");
  const x1 = await w.attach(X, "x1");
  await Promise.all([
    w.servers.start(w.outside, "out", ["tcp:80", "udp:53"]),
    w.servers.start(a1.key, "a1", ["tcp:80"]),
    w.servers.start(c2.key, "c2", ["tcp:80"]),
    w.servers.start(i2.key, "i2", ["tcp:80"]),
  ]);

  await w.probe({
    "ping a1 → a2": () => ping(a1.key, a2.ip),
    "ping a2 → a1": () => ping(a2.key, a1.ip),
    "curl a2 → a1": () => curl(a2.key, a1.ip, 80),
    "ping a1 → its gateway": () => ping(a1.key, `${NET.a}.1`),
    "ping a1 → b1": () => ping(a1.key, b1.ip),
    "ping b1 → a1": () => ping(b1.key, a1.ip),
    "curl b1 → a1": () => curl(b1.key, a1.ip, 80),
    "ping c1 → c2 (icc off)": () => ping(c1.key, c2.ip),
    "curl c1 → c2 (icc off)": () => curl(c1.key, c2.ip, 80),
    "ping c1 → its gateway (icc off)": () => ping(c1.key, `${NET.c}.1`),
    "curl c1 → internet (icc off)": () => curl(c1.key, O.internetIp, 80),
    "ping i1 → i2 (internal)": () => ping(i1.key, i2.ip),
    "curl i1 → i2 (internal)": () => curl(i1.key, i2.ip, 80),
    "ping i1 → outside peer (internal)": () => ping(i1.key, O.peerIp),
    "curl i1 → internet (internal)": () => curl(i1.key, O.internetIp, 80),
    "ping i1 → a1 (internal)": () => ping(i1.key, a1.ip),
    "ping a1 → i2 (into internal)": () => ping(a1.key, i2.ip),
    "curl outside → i2 directly (internal)": () => curl(w.outside, i2.ip, 80),
    "ping i1 → host address (internal)": () => ping(i1.key, O.hostIp),
    "ping i1 → its bridge address (internal)": () => ping(i1.key, `${NET.i}.1`),
    // No default route: a connection out fails at once (ENETUNREACH) instead of timing out.
    "route i1 → internet (internal)": async () => (await exec(i1.key, "ip", ["route", "get", O.internetIp])).out,
    "curl a1 → internet": () => curl(a1.key, O.internetIp, 80),
    // To the peer address: a UDP reply from "the internet" on OUT's lo would leave with eth0's source.
    "udp a1 → outside peer": () => udp(a1.key, O.peerIp, 53),
    "curl n1 → internet (no masquerade)": () => curl(n1.key, O.internetIp, 80),
    "curl x1 → internet (host_ipv4)": () => curl(x1.key, O.internetIp, 80),
    "curl outside → a1 directly (nothing published)": () => curl(w.outside, a1.ip, 80),
    "ping outside → a1 directly": () => ping(w.outside, a1.ip),
  });

  const host = await links();
  const bridgeOf = (id: string): string => `br-${id.slice(0, 12)}`;
  w.see("H links", host);
  w.see("bridge names", { a: "dnet-a", m: bridgeOf(M.id) });
  w.see("bridge mcast_snooping", { a: await multicastSnooping("dnet-a"), m: await multicastSnooping(bridgeOf(M.id)) });
  w.see("a1 links", await links(a1.key));
  w.see("a2 links", await links(a2.key));
  w.see("m1 links", await links(m1.key));
  w.see("a1 routes", await routes(a1.key));
  w.see("i1 routes", await routes(i1.key));
  w.see("a1 address", a1.ip);
  w.see("a1 driverInfo", a1.ep.driverInfo());
  w.see("a2 driverInfo", a2.ep.driverInfo());
  w.see("ip_forward in H", (await exec(undefined, "cat", ["/proc/sys/net/ipv4/ip_forward"])).out);
  w.see("n1 address", n1.ip);
  w.see("a1 eth0 disable_ipv6", (await exec(a1.key, "cat", ["/proc/sys/net/ipv6/conf/eth0/disable_ipv6"])).out);
  w.see("a1 IPv6 addresses", (await exec(a1.key, "ip", ["-6", "-o", "addr", "show", "dev", "eth0"])).out);
}
