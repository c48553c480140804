// Scenario "ports": published ports reached from the outside, from the host itself (127.0.0.1, its
// addresses, the bridge gateway), from a sibling sandbox (hairpin) and from another network; fixed,
// range, dynamic, UDP, explicit host IP, host_binding_ipv4; no userland proxy (host ports only held by a
// socket); ports following the sandbox's gateway endpoint; host port conflicts.

import { curl, eventually, links, linksAwaitingReaper, must, routes, udp } from "./bridge-probes.js";
import { OPT } from "./bridge-scenarios-net.js";
import { OUTSIDE as O } from "./bridge-topology.js";
import type { Attached, World } from "./bridge-world.js";
import type { PortMapEntry } from "../controller/index.js";
import { portsFollowGateway } from "./bridge-scenarios-ports-follow.js";

export const PNET = Object.freeze({ p: "10.242.1", q: "10.242.2", hb: "10.242.3", gz: "10.242.4", ga: "10.242.5" });
const portmapOf = (a: Attached): readonly PortMapEntry[] => a.ep.driverInfo()["com.docker.network.portmap"];

export async function portsScenario(w: World): Promise<void> {
  const P = await w.network("net-p", { subnet: `${PNET.p}.0/24` });
  const Q = await w.network("net-q", { subnet: `${PNET.q}.0/24` });
  const HB = await w.network("net-hb", { subnet: `${PNET.hb}.0/24`, options: { [OPT.hostBinding]: O.hostIp2 } });
  const p1 = await w.attach(P, "p1", { ports: [
    { proto: "tcp", port: 80, hostPort: 8080 }, { proto: "udp", port: 54, hostPort: 5353 }, { proto: "tcp", port: 81, hostPort: 8082, hostIp: O.hostIp },
  ] });
  const p2 = await w.attach(P, "p2");
  const q1 = await w.attach(Q, "q1", { ports: [{ port: 80, hostPort: 9000, hostPortEnd: 9005 }, { port: 81, hostPort: 0 }] });
  const h1 = await w.attach(HB, "h1", { ports: [{ port: 80, hostPort: 8081 }] });
  await Promise.all([
    w.servers.start(p1.key, "p1", ["tcp:80", "tcp:81", "udp:54"]),
    w.servers.start(q1.key, "q1", ["tcp:80", "tcp:81"]),
    w.servers.start(h1.key, "h1", ["tcp:80"]),
  ]);
  const dyn = portmapOf(q1).find((m) => m.Port === 81)?.HostPort ?? 0;
  w.see("portmap p1", portmapOf(p1));
  w.see("portmap q1", portmapOf(q1));
  w.see("portmap p2", portmapOf(p2));

  await w.probe({
    "outside → host:8080": () => curl(w.outside, O.hostIp, 8080),
    "outside → host2:8080": () => curl(w.outside, O.hostIp2, 8080),
    "outside udp → host:5353": () => udp(w.outside, O.hostIp, 5353),
    "host → 127.0.0.1:8080": () => curl(undefined, "127.0.0.1", 8080),
    "host udp → 127.0.0.1:5353": () => udp(undefined, "127.0.0.1", 5353),
    "host → host:8080": () => curl(undefined, O.hostIp, 8080),
    "host → p gateway:8080": () => curl(undefined, `${PNET.p}.1`, 8080),
    "p2 → host:8080 (hairpin)": () => curl(p2.key, O.hostIp, 8080),
    "p2 → p gateway:8080 (hairpin)": () => curl(p2.key, `${PNET.p}.1`, 8080),
    "p2 udp → host:5353 (hairpin)": () => udp(p2.key, O.hostIp, 5353),
    "p1 → host:8080 (itself)": () => curl(p1.key, O.hostIp, 8080),
    "q1 → host:8080 (other network)": () => curl(q1.key, O.hostIp, 8080),
    "outside → host:8082 (bound to host)": () => curl(w.outside, O.hostIp, 8082),
    "outside → host2:8082 (bound to host)": () => curl(w.outside, O.hostIp2, 8082),
    "outside → host:9000 (range)": () => curl(w.outside, O.hostIp, 9000),
    "outside → host:dynamic": () => curl(w.outside, O.hostIp, dyn),
    "outside → host2:8081 (host_binding_ipv4)": () => curl(w.outside, O.hostIp2, 8081),
    "outside → host:8081 (host_binding_ipv4)": () => curl(w.outside, O.hostIp, 8081),
    "outside → p1:80 directly": () => curl(w.outside, p1.ip, 80),
  });
  const ss = await must(undefined, "ss", ["-Htuln"]);
  w.see("listeners in H", ss.split("\n").filter((l) => l.trim() !== ""));
  w.see("dynamic port", dyn);

  await gatewayFollows(w);
  await conflicts(w, p1);
  await portsFollowGateway(w);
}

/** A sandbox on gw-z, then also on gw-a (which sorts first, so it becomes the gateway), then not. */
async function gatewayFollows(w: World): Promise<void> {
  const GZ = await w.network("gw-z", { subnet: `${PNET.gz}.0/24` });
  const GA = await w.network("gw-a", { subnet: `${PNET.ga}.0/24` });
  const ports = [{ proto: "tcp" as const, port: 80, hostPort: 8090 }];
  const g = await w.sandbox("g");
  const gz = await w.attach(GZ, "gz", { ports, sandbox: g });
  await w.servers.start(g.key, "g", ["tcp:80"]);
  w.see("gateway 1: :8090", await curl(w.outside, O.hostIp, 8090));
  w.see("gateway 1: routes", await routes(g.key));
  const ga = await w.attach(GA, "ga", { ports, sandbox: g });
  w.see("gateway 2: :8090", await curl(w.outside, O.hostIp, 8090));
  w.see("gateway 2: routes", await routes(g.key));
  w.see("gateway 2: portmaps", { gz: portmapOf(gz), ga: portmapOf(ga) });
  await ga.ep.leave(g);
  w.see("gateway 3: eth1 left g at once", !("eth1" in await links(g.key)));
  w.see("gateway 3: :8090", await curl(w.outside, O.hostIp, 8090));
  w.see("gateway 3: routes", await routes(g.key));
  w.see("gateway 3: eth1 gone from g", await eventually(async () => Object.keys(await links(g.key)).sort().join(",") === "eth0,lo"));
  w.see("gateway 3: links of g", Object.keys(await links(g.key)).sort());
  // A join that takes the gateway (its default route goes in with its interface), then fails to publish
  // (host port 8080 is p1's): the default route and the published port go back to gw-z.
  const gb = await GA.createEndpoint({ name: "gb", portBindings: [{ port: 80, hostPort: 8080 }] });
  w.see("gateway 4: join error", await w.errorOf(gb.join(g)));
  w.see("gateway 4: routes", await routes(g.key));
  w.see("gateway 4: :8090", await curl(w.outside, O.hostIp, 8090));
  w.see("gateway 4: links of g", await eventually(async () => Object.keys(await links(g.key)).sort().join(",") === "eth0,lo"));
  w.see("gateway addresses", { gz: gz.ip, ga: ga.ip });
}

async function conflicts(w: World, p1: Attached): Promise<void> {
  const Q = w.c.network("net-q");
  const dup = await Q.createEndpoint({ name: "dup", portBindings: [{ port: 80, hostPort: 8080 }] });
  const dupSb = await w.sandbox("dup");
  w.see("conflict: same port", await w.errorOf(dup.join(dupSb)));
  w.see("conflict: dup id", dup.id);
  w.see("conflict: dup not joined", dup.info().sandboxId === undefined);
  w.see("conflict: sandbox has only lo again", await eventually(async () => Object.keys(await links(dupSb.key)).join(",") === "lo"));
  const spec = await Q.createEndpoint({ name: "spec", portBindings: [{ port: 80, hostPort: 8080, hostIp: O.hostIp }] });
  const specSb = await w.sandbox("spec");
  w.see("conflict: specific vs wildcard", await w.errorOf(spec.join(specSb)));
  w.see("conflict: spec id", spec.id);
  const other = await Q.createEndpoint({ name: "other", portBindings: [{ port: 81, hostPort: 8082, hostIp: O.hostIp2 }] });
  const otherSb = await w.sandbox("other");
  w.see("no conflict: another specific address for 8082", await w.errorOf(other.join(otherSb)));
  w.see("after conflicts: outside → host:8080", await curl(w.outside, O.hostIp, 8080));
  w.see("after conflicts: p1 address", p1.ip);
  w.see("after conflicts: no detached veth left in H", await eventually(async () => !Object.keys(await links()).some((l) => l.startsWith("dx"))));
  // The failed joins' host ends wait for the reaper (50 ms after the last leave); when it runs is timing.
  w.see("after conflicts: reaper done in H", await eventually(async () => (await linksAwaitingReaper()).length === 0));
  w.see("after conflicts: H links", Object.keys(await links()));
  w.see("after conflicts: ports4 map", await must(undefined, "nft", ["list", "map", "inet", "dnet", "ports4"]));
}
