// Scenario "port-bridges": networks whose endpoints overflow onto port bridges (two ports per bridge):
// where each endpoint's port lands, traffic between bridges of one network and out, published ports from
// the outside and from sandboxes on every bridge (the same port bridge included), isolation from another
// network, ICC off across and within port bridges, a freed place reused, a deleted port bridge repaired.

import { curl, eventually, exec, links, ping } from "./bridge-probes.js";
import { OPT } from "./bridge-scenarios-net.js";
import { OUTSIDE as O } from "./bridge-topology.js";
import type { Attached, World } from "./bridge-world.js";

export const PBNET = Object.freeze({ w: "10.243.1", z: "10.243.2", v: "10.243.3", y: "10.243.5", y6: "fd00:243:5" });
const PER_BRIDGE = "dnet.bridge.ports_per_bridge";

/** Name of the bridge each attached sandbox's host end is on (veth names derive from endpoint IDs). */
async function mastersOf(attached: Readonly<Record<string, Attached>>): Promise<Record<string, string>> {
  const host = await links();
  return Object.fromEntries(Object.entries(attached).map(([name, a]) => [name, host[`veth${a.ep.id.slice(0, 11)}`]?.master ?? "(none)"]));
}

export async function portBridgesScenario(w: World): Promise<void> {
  const W = await w.network("net-w", { subnet: `${PBNET.w}.0/24`, options: { [OPT.name]: "dnet-w", [PER_BRIDGE]: "2" } });
  const Z = await w.network("net-z", { subnet: `${PBNET.z}.0/24`, options: { [OPT.name]: "dnet-z", [PER_BRIDGE]: "2", [OPT.icc]: "false" } });
  const V = await w.network("net-v", { subnet: `${PBNET.v}.0/24` });
  const ws: Record<string, Attached> = {};
  for (const n of ["w1", "w2", "w3", "w4", "w5"]) {
    ws[n] = await w.attach(W, n, n === "w3" ? { ports: [{ proto: "tcp", port: 80, hostPort: 8090 }] } : {});
  }
  const zs: Record<string, Attached> = {};
  for (const n of ["z1", "z2", "z3", "z4", "z5"]) zs[n] = await w.attach(Z, n);
  const v1 = await w.attach(V, "v1");
  const Y = await w.network("net-y", { subnet: `${PBNET.y}.0/24`, subnet6: `${PBNET.y6}::/64`, options: { [PER_BRIDGE]: "1" } });
  const y1 = await w.attach(Y, "y1");
  const y2 = await w.attach(Y, "y2", { ports: [{ proto: "tcp", port: 80, hostPort: 8093 }] });
  const y3 = await w.attach(Y, "y3");
  const [w1, w2, w3, w4, w5] = ["w1", "w2", "w3", "w4", "w5"].map((n) => ws[n] as Attached) as [Attached, Attached, Attached, Attached, Attached];
  const [z1, , z3, z4, z5] = ["z1", "z2", "z3", "z4", "z5"].map((n) => zs[n] as Attached) as [Attached, Attached, Attached, Attached, Attached];
  w.see("port bridge prefix of net-w", `dnpb${W.id.slice(0, 9)}`);
  w.see("masters of net-w", await mastersOf(ws));
  w.see("masters of net-z", await mastersOf(zs));
  await Promise.all([w.servers.start(w.outside, "out", ["tcp:80"]), w.servers.start(w3.key, "w3", ["tcp:80"]), w.servers.start(w1.key, "w1", ["tcp:80"]), w.servers.start(z4.key, "z4", ["tcp:80"]),
    w.servers.start(y2.key, "y2", ["tcp:80"])]);

  await w.probe({
    "ping w1 → w3 (bridge → port bridge)": () => ping(w1.key, w3.ip),
    "ping w3 → w5 (port bridge → port bridge)": () => ping(w3.key, w5.ip),
    "ping w3 → w4 (same port bridge)": () => ping(w3.key, w4.ip),
    "curl w5 → w1": () => curl(w5.key, w1.ip, 80),
    "ping w5 → its gateway": () => ping(w5.key, `${PBNET.w}.1`),
    "curl w5 → internet": () => curl(w5.key, O.internetIp, 80),
    "curl outside → host:8090 (w3, on a port bridge)": () => curl(w.outside, O.hostIp, 8090),
    "curl w4 → host:8090 (hairpin, same port bridge)": () => curl(w4.key, O.hostIp, 8090),
    "curl w3 → host:8090 (itself)": () => curl(w3.key, O.hostIp, 8090),
    "curl w1 → host:8090 (from the network's bridge)": () => curl(w1.key, O.hostIp, 8090),
    "curl w5 → host:8090 (from another port bridge)": () => curl(w5.key, O.hostIp, 8090),
    "curl host → 127.0.0.1:8090": () => curl(undefined, "127.0.0.1", 8090),
    "ping v1 → w3 (other network)": () => ping(v1.key, w3.ip),
    "ping w3 → v1 (other network)": () => ping(w3.key, v1.ip),
    "ping z3 → z4 (icc off, same port bridge)": () => ping(z3.key, z4.ip),
    "curl z3 → z4 (icc off, same port bridge)": () => curl(z3.key, z4.ip, 80),
    "ping z1 → z3 (icc off, bridge → port bridge)": () => ping(z1.key, z3.ip),
    "ping z3 → z5 (icc off, port bridge → port bridge)": () => ping(z3.key, z5.ip),
    "ping z5 → its gateway (icc off)": () => ping(z5.key, `${PBNET.z}.1`),
    "curl z5 → internet (icc off)": () => curl(z5.key, O.internetIp, 80),
    "ping6 y2 → y1 (port bridge → bridge)": () => ping(y2.key, y1.ip6),
    "ping6 y2 → y3 (port bridge → port bridge)": () => ping(y2.key, y3.ip6),
    "ping6 y2 → its gateway": () => ping(y2.key, `${PBNET.y6}::1`),
    "curl6 y2 → internet": () => curl(y2.key, O.internetIp6, 80),
    "curl6 outside → host:8093 (y2, on a port bridge)": () => curl(w.outside, O.hostIp6, 8093),
    "curl6 y3 → host:8093 (hairpin from another port bridge)": () => curl(y3.key, O.hostIp6, 8093),
    "curl6 y2 → host:8093 (itself)": () => curl(y2.key, O.hostIp6, 8093),
  });
  w.see("H links", await links());
  w.see("port bridge sysctls", (await exec(undefined, "sh", ["-c", `cat /proc/sys/net/ipv4/conf/dnpb${W.id.slice(0, 9)}01/arp_ignore /proc/sys/net/ipv6/conf/dnpb${W.id.slice(0, 9)}01/disable_ipv6`])).out);

  // A place freed on the network's bridge is taken by the next endpoint.
  await w2.ep.leave(w2.sb);
  const w6 = await w.attach(W, "w6");
  w.see("master of w6 (after w2 left)", (await mastersOf({ w6 }))["w6"]);

  // Deleted behind the driver's back: the link watch has the port bridge and its trunk re-created.
  await exec(undefined, "ip", ["link", "del", `dnpb${W.id.slice(0, 9)}01`]);
  w.see("ping w1 → w3 after its port bridge was deleted", await eventually(() => ping(w1.key, w3.ip), 8000));
  w.see("masters of net-w after repair", await mastersOf({ w3, w4 }));
}
