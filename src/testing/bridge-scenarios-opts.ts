// Scenarios "bridges" (a pre-existing bridge is used and left in place; inhibit_ipv4 on the user's
// bridge and on one dnet creates) and "ipv6" (dual stack: v6 gateway on the bridge, v6 forwarding,
// v6 between sandboxes, to the outside and published).

import { curl, exec, links, multicastSnooping, must, nftRuleset, ping, routes } from "./bridge-probes.js";
import { OPT } from "./bridge-scenarios-net.js";
import { OUTSIDE as O } from "./bridge-topology.js";
import type { World } from "./bridge-world.js";

export const ONET = Object.freeze({ pre: "10.243.3", inh: "10.243.4", inh2: "10.243.5", v6: "10.243.6", v6p: "fd00:243:6" });

export async function bridgesScenario(w: World): Promise<void> {
  await w.servers.start(w.outside, "out", ["tcp:80"]);
  await preExisting(w);
  await inhibitOnUserBridge(w);
  const inh2 = await w.network("inh2", { subnet: `${ONET.inh2}.0/24`, options: { [OPT.inhibit]: "true" } });
  const j1 = await w.attach(inh2, "j1");
  w.see("inh2: bridge addresses", (await links())[`br-${inh2.id.slice(0, 12)}`]?.addrs);
  w.see("inh2: j1 routes", await routes(j1.key));
}

async function preExisting(w: World): Promise<void> {
  // The user's bridge (made here, in H): dnet adopts it and must leave it in place.
  await must(undefined, "ip", ["link", "add", "brpre", "type", "bridge"]);
  try {
    const pre = await w.network("pre", { subnet: `${ONET.pre}.0/24`, options: { [OPT.name]: "brpre" } });
    w.see("pre: brpre while in use", (await links()).brpre);
    w.see("pre: brpre mcast_snooping", await multicastSnooping("brpre"));
    const p1 = await w.attach(pre, "p1", { ports: [{ port: 80, hostPort: 8083 }] });
    const p2 = await w.attach(pre, "p2");
    await w.servers.start(p1.key, "p1", ["tcp:80"]);
    await w.probe({
      "pre: ping p2 → p1": () => ping(p2.key, p1.ip),
      "pre: curl outside → host:8083": () => curl(w.outside, O.hostIp, 8083),
      "pre: curl p1 → internet": () => curl(p1.key, O.internetIp, 80),
    });
    w.see("pre: ports of brpre", Object.entries(await links()).filter(([, l]) => l.master === "brpre").length);
    await p1.sb.delete();
    await p2.sb.delete();
    await pre.delete();
    w.see("pre: brpre after delete", (await links()).brpre ?? "gone");
    w.see("pre: routes after delete", (await routes()).filter((r) => r.includes(`${ONET.pre}.`)));
    w.see("pre: ruleset mentions brpre", (await nftRuleset()).text.includes("brpre"));
  } finally {
    await exec(undefined, "ip", ["link", "del", "brpre"]);
  }
}

/** The user's bridge carries the gateway address itself; inhibit_ipv4 keeps dnet from touching it. */
async function inhibitOnUserBridge(w: World): Promise<void> {
  await must(undefined, "ip", ["link", "add", "brinh", "type", "bridge"]);
  try {
    await must(undefined, "ip", ["addr", "add", `${ONET.inh}.254/24`, "dev", "brinh"]);
    await must(undefined, "ip", ["link", "set", "brinh", "up"]);
    const inh = await w.network("inh", {
      subnet: `${ONET.inh}.0/24`, gateway: `${ONET.inh}.254`, options: { [OPT.name]: "brinh", [OPT.inhibit]: "true" },
    });
    w.see("inh: brinh addresses", (await links()).brinh?.addrs);
    const i1 = await w.attach(inh, "i1");
    w.see("inh: i1 routes", await routes(i1.key));
    await w.probe({
      "inh: ping i1 → user's gateway": () => ping(i1.key, `${ONET.inh}.254`),
      "inh: curl i1 → internet": () => curl(i1.key, O.internetIp, 80),
    });
    await i1.sb.delete();
    await inh.delete();
    w.see("inh: brinh after delete", (await links()).brinh?.addrs ?? "gone");
  } finally {
    await exec(undefined, "ip", ["link", "del", "brinh"]);
  }
}

export async function ipv6Scenario(w: World): Promise<void> {
  const V = await w.network("v6", { subnet: `${ONET.v6}.0/24`, subnet6: `${ONET.v6p}::/64` });
  const bridge = `br-${V.id.slice(0, 12)}`;
  const s1 = await w.attach(V, "s1", { ports: [{ port: 80, hostPort: 8086 }] });
  const s2 = await w.attach(V, "s2");
  await Promise.all([w.servers.start(s1.key, "s1", ["tcp:80"]), w.servers.start(w.outside, "out", ["tcp:80"])]);
  w.see("bridge", (await links())[bridge]);
  w.see("v6 forwarding in H", (await exec(undefined, "cat", ["/proc/sys/net/ipv6/conf/all/forwarding"])).out);
  w.see("s1 links", await links(s1.key));
  w.see("s1 routes", await routes(s1.key));
  w.see("s1 eth0 disable_ipv6", (await exec(s1.key, "cat", ["/proc/sys/net/ipv6/conf/eth0/disable_ipv6"])).out);
  w.see("addresses", { s1: s1.ip, s1v6: s1.ip6, s2: s2.ip, s2v6: s2.ip6 });
  w.see("s1 portmap", s1.ep.driverInfo()["com.docker.network.portmap"]);
  await w.probe({
    "ping6 s1 → s2": () => ping(s1.key, s2.ip6),
    "ping6 s1 → gateway": () => ping(s1.key, `${ONET.v6p}::1`),
    "ping s1 → s2": () => ping(s1.key, s2.ip),
    "curl6 s1 → internet": () => curl(s1.key, O.internetIp6, 80),
    "curl s1 → internet": () => curl(s1.key, O.internetIp, 80),
    "curl6 outside → host:8086": () => curl(w.outside, O.hostIp6, 8086),
    "curl outside → host:8086": () => curl(w.outside, O.hostIp, 8086),
    "curl6 s2 → host:8086 (hairpin)": () => curl(s2.key, O.hostIp6, 8086),
    "curl6 outside → s1 directly": () => curl(w.outside, s1.ip6, 80),
  });
}
