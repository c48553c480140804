// Part of scenario "ports": a sandbox's own published ports follow its gateway endpoint (Docker: they are
// programmed there) across a connect to a dual-stack network, for both families, and across disconnects;
// every published host port is held by a socket in H (a host program's port is refused or skipped, a
// published one cannot be taken); what cannot be served is refused ([::1], an IPv6 host address on an
// IPv4-only gateway).

import { curl, eventually, exec, must, routes, udp } from "./bridge-probes.js";
import { OUTSIDE as O } from "./bridge-topology.js";
import type { World } from "./bridge-world.js";

export const FNET = Object.freeze({ v4: "10.242.6", ds: "10.242.7", ds6: "fd00:242:7:", refuse: "10.242.8" });
const PORTMAP = "com.docker.network.portmap";
/** H itself, for host programs (the scenario runs in H). */
const H = `/proc/${process.pid}/ns/net`;

interface PortMapEntry { readonly Proto: string; readonly Port: number; readonly HostIP: string; readonly HostPort: number }

/** Whether a host program (SO_REUSEADDR and listen, as servers do) can take tcp `port` on every IPv4 address of H now. */
async function hostProgramCanBind(port: number): Promise<string> {
  const code = "import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',int(__import__('sys').argv[1])));s.listen();print('bound')";
  return (await exec(undefined, "python3", ["-c", code, String(port)])).out.split("\n").pop() ?? "";
}

/** The local addresses of H's sockets on `port` (`ss -Htuln`: proto and address). */
async function socketsOn(port: number): Promise<string[]> {
  const out = await must(undefined, "ss", ["-Htuln", `sport = :${port}`]);
  return out.split("\n").filter((l) => l.trim() !== "").map((l) => { const f = l.trim().split(/\s+/); return `${f[0]} ${f[4]}`; }).sort();
}

export async function portsFollowGateway(w: World): Promise<void> {
  const A = await w.network("pf-a", { subnet: `${FNET.v4}.0/24` });
  const B = await w.network("pf-b", { subnet: `${FNET.ds}.0/24`, subnet6: `${FNET.ds6}:/64` });
  const s = await w.sandbox("pf", [{ proto: "tcp", port: 80, hostPort: 8091 }, { proto: "udp", port: 54, hostPort: 0 }]);
  const a = await w.attach(A, "pf-a", { sandbox: s });
  await w.servers.start(s.key, "pf", ["tcp:80", "udp:54"]);
  w.see("follow 1: :8091", await curl(w.outside, O.hostIp, 8091));
  const b = await w.attach(B, "pf-b", { sandbox: s });
  w.see("follow 2: routes", await routes(s.key));
  w.see("follow 2: :8091", await curl(w.outside, O.hostIp, 8091));
  // The first IPv6 packets to a just-joined interface can wait on neighbour discovery past curl's 1 s
  // connect timeout (a client's SYN retry gets through): ask until the answer comes, or give up.
  let v6 = "FAIL";
  await eventually(async () => (v6 = await curl(w.outside, O.hostIp6, 8091)) !== "FAIL", 6000);
  w.see("follow 2: [::]:8091", v6);
  const maps = { a: a.ep.driverInfo()[PORTMAP] as readonly PortMapEntry[], b: b.ep.driverInfo()[PORTMAP] as readonly PortMapEntry[] };
  w.see("follow 2: portmaps", maps);
  const udpPort = maps.b.find((m) => m.Proto === "udp")?.HostPort ?? 0;
  w.see("follow 2: udp dynamic port", udpPort);
  w.see("follow 2: udp :dynamic", await udp(w.outside, O.hostIp, udpPort));
  w.see("follow 2: sockets on 8091", await socketsOn(8091));
  w.see("follow 2: a host program binds 8091", await hostProgramCanBind(8091));
  w.see("follow 2: addresses", { a: a.ip, b: b.ip, b6: b.ip6 });
  await a.ep.leave(s);
  w.see("follow 3: A left, :8091", await curl(w.outside, O.hostIp, 8091));
  await b.ep.leave(s);
  w.see("follow 4: no gateway, :8091", await curl(w.outside, O.hostIp, 8091));
  w.see("follow 4: sockets on 8091", await socketsOn(8091));
  w.see("follow 4: a host program binds 8091", await hostProgramCanBind(8091));
  await refusals(w, B);
}

/** Host ports a host program holds, and bindings that cannot be served. */
async function refusals(w: World, dualStack: Awaited<ReturnType<World["network"]>>): Promise<void> {
  const V4 = await w.network("pf-r", { subnet: `${FNET.refuse}.0/24` });
  await w.servers.start(H, "hostprog", ["tcp:8095", "tcp:9100"]);
  const taken = await w.sandbox("pr1", [{ port: 80, hostPort: 8095 }]);
  const takenEp = await V4.createEndpoint({ name: "pr1" });
  w.see("reserve: host program's port", await w.errorOf(takenEp.join(taken)));
  w.see("reserve: pr1 id", takenEp.id);
  w.see("reserve: host program still answers", await curl(w.outside, O.hostIp, 8095));
  const ranged = await w.sandbox("pr2", [{ port: 90, hostPort: 9100, hostPortEnd: 9102 }]);
  const r = await w.attach(V4, "pr2", { sandbox: ranged });
  await w.servers.start(ranged.key, "pr2", ["tcp:90"]);
  w.see("reserve: range portmap", r.ep.driverInfo()[PORTMAP]);
  w.see("reserve: :9101", await curl(w.outside, O.hostIp, 9101));
  w.see("reserve: :9100 still the host program's", await curl(w.outside, O.hostIp, 9100));
  const loop6 = await w.sandbox("pr3", [{ port: 80, hostPort: 8089, hostIp: "::1" }]);
  w.see("refuse: [::1]", await w.errorOf((await dualStack.createEndpoint({ name: "pr3" })).join(loop6)));
  const v6OnV4 = await w.sandbox("pr4", [{ port: 80, hostPort: 8089, hostIp: O.hostIp6 }]);
  w.see("refuse: IPv6 host address on an IPv4-only network", await w.errorOf((await V4.createEndpoint({ name: "pr4" })).join(v6OnV4)));
  const v6 = await w.sandbox("pr5", [{ port: 80, hostPort: 8089, hostIp: O.hostIp6 }]);
  const ok = await w.attach(dualStack, "pr5", { sandbox: v6 });
  await w.servers.start(v6.key, "pr5", ["tcp:80"]);
  w.see("publish: [hostIp6]:8089 portmap", ok.ep.driverInfo()[PORTMAP]);
  w.see("publish: outside → [hostIp6]:8089", await curl(w.outside, O.hostIp6, 8089));
  w.see("publish: pr5 ip6", ok.ip6);
}
