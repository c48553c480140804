// Scenarios "bad-input" (bad option values and conflicts: clear errors, nothing created) and "cleanup"
// (after a network is deleted no link, route, nft rule or set element of it remains; the last network
// takes the table along). Plus the option scenarios of bridge-scenarios-opts.ts.

import { eventually, links, linksAwaitingReaper, must, nftRuleset, ping, routes } from "./bridge-probes.js";
import { OPT } from "./bridge-scenarios-net.js";
import { bridgesScenario, ipv6Scenario } from "./bridge-scenarios-opts.js";
import type { NetworkSpec, World } from "./bridge-world.js";

export const LNET = Object.freeze({ base: "10.243.1", full: "10.243.7", full6: "fd00:243:7", keep: "10.243.9" });

/** Everything a failed create could have left behind, as comparable text. */
async function snapshot(w: World): Promise<Record<string, unknown>> {
  const hostLinks = await links();
  return {
    links: Object.entries(hostLinks).map(([n, l]) => `${n} ${l.kind} master=${l.master} ${l.addrs.join(",")}`).sort(),
    routes: (await routes()).sort(),
    nft: (await nftRuleset()).text,
    networks: w.c.networks().map((n) => n.name).sort(),
    sandboxes: w.c.sandboxes().length,
  };
}

/** Bad network options: name → [spec, also pass the IPAM driver]. */
const BAD: ReadonlyArray<readonly [string, NetworkSpec]> = [
  ["enable_icc=maybe", { subnet: "10.243.2.0/24", options: { [OPT.icc]: "maybe" } }],
  ["enable_ip_masquerade=2", { subnet: "10.243.2.0/24", options: { [OPT.masquerade]: "2" } }],
  ["inhibit_ipv4=yes", { subnet: "10.243.2.0/24", options: { [OPT.inhibit]: "yes" } }],
  ["mtu=-1", { subnet: "10.243.2.0/24", options: { [OPT.mtu]: "-1" } }],
  ["mtu=abc", { subnet: "10.243.2.0/24", options: { [OPT.mtu]: "abc" } }],
  ["host_binding_ipv4=nope", { subnet: "10.243.2.0/24", options: { [OPT.hostBinding]: "nope" } }],
  ["host_ipv4=IPv6", { subnet: "10.243.2.0/24", options: { [OPT.snat]: "2001:db8::1" } }],
  ["bridge name too long", { subnet: "10.243.2.0/24", options: { [OPT.name]: "dnet-bridge-too-long" } }],
  ["bridge name with *", { subnet: "10.243.2.0/24", options: { [OPT.name]: "br*x" } }],
  ["bridge name of a non-bridge link", { subnet: "10.243.2.0/24", options: { [OPT.name]: "ext0" } }],
  ["container_iface_prefix=9x", { subnet: "10.243.2.0/24", options: { [OPT.prefix]: "9x" } }],
  ["unknown bridge option", { subnet: "10.243.2.0/24", options: { "com.docker.network.bridge.enable_icc_typo": "true" } }],
  ["default_bridge=true", { subnet: "10.243.2.0/24", options: { "com.docker.network.bridge.default_bridge": "true" } }],
  ["same bridge name", { subnet: "10.243.2.0/24", options: { [OPT.name]: "dnet-base" } }],
  ["overlapping subnet", { subnet: `${LNET.base}.0/25` }],
  ["same subnet split by ip-range", { subnet: `${LNET.base}.0/24`, ipRange: `${LNET.base}.128/25` }],
];

export async function badInputScenario(w: World): Promise<void> {
  const base = await w.network("base", { subnet: `${LNET.base}.0/24`, options: { [OPT.name]: "dnet-base" } });
  await w.attach(base, "b1", { ports: [{ port: 80, hostPort: 8080 }] });
  w.see("base id", base.id);
  const before = await snapshot(w);
  w.see("baseline has table inet dnet", (await nftRuleset()).hasDnetTable);
  const errors: Record<string, unknown> = {};
  const unchanged: Record<string, boolean> = {};
  const compare = async (name: string): Promise<void> => {
    const after = await snapshot(w);
    unchanged[name] = JSON.stringify(after) === JSON.stringify(before);
    if (!unchanged[name]) w.see(`changed by ${name}`, { before, after });
  };
  for (const [name, spec] of BAD) {
    errors[name] = await w.errorOf(w.network(`bad-${name}`, spec));
    await compare(name);
  }
  errors["two IPv4 subnets"] = await w.errorOf(w.c.createNetwork({
    name: "bad-two", driver: "bridge", ipam: { config: [{ subnet: "10.243.2.0/24" }, { subnet: "10.243.3.0/24" }] },
  }));
  await compare("two IPv4 subnets");
  errors["null IPAM"] = await w.errorOf(w.c.createNetwork({ name: "bad-null", driver: "bridge", ipam: { driver: "null" } }));
  await compare("null IPAM");
  w.see("errors", errors);
  w.see("unchanged", unchanged);
  // Every failed attempt gave its pool back: the subnet they all asked for is free.
  w.see("10.243.2.0/24 afterwards", await w.errorOf(w.network("good", { subnet: "10.243.2.0/24" })));
}

export async function cleanupScenario(w: World): Promise<void> {
  const keep = await w.network("keep", { subnet: `${LNET.keep}.0/24` });
  const k1 = await w.attach(keep, "k1", { ports: [{ port: 80, hostPort: 8079 }] });
  const k2 = await w.attach(keep, "k2");
  const full = await w.network("full", {
    subnet: `${LNET.full}.0/24`, subnet6: `${LNET.full6}::/64`, options: { [OPT.icc]: "false", [OPT.mtu]: "1450" },
  });
  const bridge = `br-${full.id.slice(0, 12)}`;
  const f1 = await w.attach(full, "f1", { ports: [{ port: 80, hostPort: 8070 }, { proto: "udp", port: 53, hostPort: 5370 }, { port: 81, hostPort: 0 }] });
  const f2 = await w.attach(full, "f2");
  const v6Off = (net: { id: string }): Promise<string> => must(undefined, "cat", [`/proc/sys/net/ipv6/conf/br-${net.id.slice(0, 12)}/disable_ipv6`]);
  w.see("bridge disable_ipv6: IPv4-only, dual stack", [(await v6Off(keep)).trim(), (await v6Off(full)).trim()]);
  const mentions = (text: string): string[] =>
    [bridge, `${LNET.full}.`, `${LNET.full6}:`, "8070", "5370", f1.ip, f2.ip].filter((s) => text.includes(s));
  const during = await nftRuleset();
  w.see("during: ruleset mentions", mentions(during.text));
  w.see("during: H links of full", Object.entries(await links()).filter(([n, l]) => n === bridge || l.master === bridge).map(([n]) => n));
  // Leave and join again at once: the left veth waits for the reaper, its sandbox end down and renamed
  // (no eth0 in the sandbox's view), its host end still holding the endpoint's name until the rejoin
  // moves it out of the way.
  await k2.ep.leave(k2.sb);
  const left = await links(k2.key);
  w.see("left: k2 sandbox links", Object.keys(left).map((n) => (n.startsWith("dx") ? "dx…" : n)).sort());
  await k2.ep.join(k2.sb);
  w.see("rejoined: k2 interface", k2.ep.info().ifname);
  w.see("rejoined: k1 reaches k2", await ping(k1.key, k2.ip));
  // Torn down the way users do: leave + delete one endpoint, delete the other's sandbox, then the network.
  await f1.ep.leave(f1.sb);
  await f1.ep.delete();
  await f1.sb.delete();
  await f2.sb.delete();
  await full.delete();
  const after = await nftRuleset();
  // The bridge leaves under its name at once (down, renamed, in the trash group); the reaper destroys it.
  w.see("after: bridge name free at once", !Object.keys(await links()).includes(bridge));
  w.see("after: reaper done", await eventually(async () => (await linksAwaitingReaper()).length === 0));
  const hostLinks = await links();
  w.see("after: ruleset mentions", mentions(after.text));
  w.see("after: links of full", Object.entries(hostLinks).filter(([n, l]) => n === bridge || l.master === bridge || n.startsWith("dx")).map(([n]) => n));
  w.see("after: H links", Object.keys(hostLinks).sort());
  w.see("after: routes of full", (await routes()).filter((r) => r.includes(`${LNET.full}.`) || r.includes(`${LNET.full6}:`)));
  w.see("after: keep still works", await ping(k1.key, k2.ip));
  w.see("after: keep's elements still there", after.text.includes(`br-${keep.id.slice(0, 12)}`) && after.text.includes("8079"));
  await k1.sb.delete();
  await k2.sb.delete();
  await keep.delete();
  w.see("last: reaper done", await eventually(async () => (await linksAwaitingReaper()).length === 0));
  const last = await nftRuleset();
  w.see("last: table inet dnet exists", last.hasDnetTable);
  w.see("last: ruleset", last.text);
  w.see("last: H links", Object.keys(await links()).sort());
  w.see("last: H routes", (await routes()).sort());
}

export const lifecycleScenarios: Readonly<Record<string, (w: World) => Promise<void>>> = {
  "bad-input": badInputScenario,
  cleanup: cleanupScenario,
  bridges: bridgesScenario,
  ipv6: ipv6Scenario,
};
