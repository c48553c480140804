// A sandbox taking a neighbour's IP (`ip addr add` + a gratuitous ARP) receives the neighbour's traffic on
// a bridge network without port pinning (the default, as on Docker's bridge); with dnet.bridge.pin_ports=true its
// gratuitous ARP and its packets from that address are dropped at its bridge port and it gets nothing.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { TestDaemon } from "../testing/test-daemon.js";
import { sleep } from "../testing/test-clients.js";

/** Sends gratuitous ARP replies claiming `ip` for `mac` out of `ifname` (an AF_PACKET socket). */
const GARP = `
import socket, struct, sys
ifname, ip, mac = sys.argv[1:4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
m = bytes.fromhex(mac.replace(":", ""))
a = socket.inet_aton(ip)
for op in (1, 2):
    s.send(b"\\xff" * 6 + m + b"\\x08\\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + m + a + b"\\xff" * 6 + a)
`;

/** Counts the UDP datagrams that reach `ip`:`port` within `secs`; prints the count. */
const COUNT = `
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND: bind even before the address is there
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(0.2)
print("ready", flush=True)
n, end = 0, time.time() + float(sys.argv[3])
while time.time() < end:
    try:
        s.recv(100); n += 1
    except socket.timeout:
        pass
print(n)
`;

/** Starts a counter; resolves once it listens, with the promise of its count. */
function countIn(key: string, ip: string, port: number, secs: number): Promise<{ count: Promise<number> }> {
  const p = spawn("nsenter", [`--net=${key}`, "python3", "-c", COUNT, ip, String(port), String(secs)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const count = new Promise<number>((resolve) => p.once("exit", () => resolve(Number(out.replace("ready", "").trim()))));
  return new Promise((resolve) => {
    p.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.startsWith("ready")) resolve({ count });
    });
    p.once("exit", () => resolve({ count }));
  });
}

describe("a sandbox taking a neighbour's IP", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  const scenario = async (name: string, subnet: string, options: Record<string, string>): Promise<{ victim: number; thief: number }> => {
    await d.client.createNetwork({ Name: name, Options: options, IPAM: { Config: [{ Subnet: `${subnet}.0/24` }] } });
    const sender = await d.client.createSandbox({ Name: `${name}-a`, Networks: [{ Network: name, IPv4Address: `${subnet}.10` }] });
    const victim = await d.client.createSandbox({ Name: `${name}-b`, Networks: [{ Network: name, IPv4Address: `${subnet}.11` }] });
    const thief = await d.client.createSandbox({ Name: `${name}-c`, Networks: [{ Network: name, IPv4Address: `${subnet}.12` }] });
    const ip = `${subnet}.11`;
    d.inNetns(sender.Key, "ping", ["-c1", "-W2", ip]); // the sender knows the victim's MAC
    await sleep(1_100); // past the ARP lock time, so a gratuitous ARP may replace that entry
    const thiefMac = thief.Endpoints[0]?.MacAddress ?? "";
    d.inNetns(thief.Key, "ip", ["addr", "add", `${ip}/24`, "dev", "eth0"]);
    d.inNetns(thief.Key, "python3", ["-c", GARP, "eth0", ip, thiefMac]);
    const [atVictim, atThief] = await Promise.all([countIn(victim.Key, ip, 5555, 3), countIn(thief.Key, ip, 5555, 3)]);
    d.inNetns(sender.Key, "python3", ["-c", `import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(10):
    s.sendto(b"x", ("${ip}", 5555)); time.sleep(0.05)`]);
    const [v, t] = await Promise.all([atVictim?.count, atThief?.count]);
    for (const s of ["a", "b", "c"]) await d.client.removeSandbox(`${name}-${s}`, true);
    await d.client.removeNetwork(name);
    return { victim: v ?? -1, thief: t ?? -1 };
  };

  it("without pinning (the default), the thief gets the victim's traffic, as on Docker's bridge", { timeout: 30_000 }, async () => {
    const r = await scenario("nopin", "10.193.0", {});
    console.log(`pin_ports default (off): victim got ${r.victim}, thief got ${r.thief} of 10`);
    assert.ok(r.thief > 0, `the thief received nothing (${JSON.stringify(r)}): the scenario does not reproduce the attack`);
  });

  it("with pinning (dnet.bridge.pin_ports=true), the thief gets nothing and the victim everything", { timeout: 30_000 }, async () => {
    const r = await scenario("pin", "10.194.0", { "dnet.bridge.pin_ports": "true" });
    console.log(`pin_ports=true: victim got ${r.victim}, thief got ${r.thief} of 10`);
    assert.equal(r.thief, 0);
    assert.equal(r.victim, 10);
  });
});
