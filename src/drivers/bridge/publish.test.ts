// Unit tests (no root): which mappings an endpoint's port bindings become (families, host_binding_ipv4,
// explicit host IPs, ranges chosen from and ranges mapped one to one), what cannot be served is refused,
// host ports held by another program are skipped in a range and refused when fixed, long ranges checked
// instead of held, rollback of reserved ports and sockets, bindings unpublished one by one, and the
// bridge conflict check's Docker text.

import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { CreateNetworkRequest, PortBinding } from "../../driver-api/index.js";
import { LibnetworkError, conflict } from "../../errors/index.js";
import type { PortReservation, ReservedProto } from "../../osl/index.js";
import type { DriftReport, FirewallBackend, FirewallNetwork, PortMapping } from "../../firewall/contract.js";
import { formatIp, parseIp, parsePrefix } from "../../types/index.js";
import { parseBridgeConfig } from "./config.js";
import { PortBridges } from "./port-bridges.js";
import { BridgeLabels as L } from "./labels.js";
import { checkConflicts, firewallNetwork, type BridgeNetworkState } from "./network.js";
import { PortAllocator } from "./ports.js";
import { RESERVED_RANGE_MAX, publishPorts as publish, unpublishPorts as unpublish, type BridgeEndpointState, type Publisher } from "./publish.js";

class FakeFirewall implements FirewallBackend {
  readonly name = "fake";
  readonly added: Array<{ networkId: string; endpointId: string; mappings: readonly PortMapping[] }> = [];
  readonly removed: string[] = [];
  readonly removedMappings: Array<readonly PortMapping[]> = [];
  failNext: Error | undefined;
  async addNetwork(_net: FirewallNetwork): Promise<void> {}
  async removeNetwork(_id: string): Promise<void> {}
  async addPortMappings(networkId: string, endpointId: string, mappings: readonly PortMapping[]): Promise<void> {
    const err = this.failNext;
    this.failNext = undefined;
    if (err !== undefined) throw err;
    this.added.push({ networkId, endpointId, mappings });
  }
  async removePortMappings(_networkId: string, endpointId: string, mappings?: readonly PortMapping[]): Promise<void> {
    if (mappings === undefined) this.removed.push(endpointId); else this.removedMappings.push(mappings);
  }
  async check(): Promise<DriftReport> { return { drifted: false, problems: [] }; }
  async restore(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Stands in for the host's sockets: "proto ip:port" strings a host program holds, and the ones we hold. */
class FakeHost {
  readonly busy = new Set<string>();
  readonly held = new Set<string>();
  reserve = (proto: ReservedProto, hostIp: ReturnType<typeof parseIp>, port: number): PortReservation => {
    const key = `${proto} ${formatIp(hostIp)}:${port}`;
    if (this.busy.has(key)) throw conflict("ERR_PORT_IN_USE", `listen ${proto}${hostIp.family} ${key.split(" ")[1]}: bind: address already in use`);
    this.held.add(key);
    return { proto, hostIp, port, release: () => { this.held.delete(key); } };
  };
  readonly checked: string[] = [];
  checkFree = async (proto: ReservedProto, hostIp: ReturnType<typeof parseIp>, lo: number, hi: number): Promise<void> => {
    this.checked.push(`${proto} ${formatIp(hostIp)}:${lo}-${hi}`);
    for (let port = lo; port <= hi; port++) {
      if (this.busy.has(`${proto} ${formatIp(hostIp)}:${port}`)) throw conflict("ERR_PORT_IN_USE", `listen ${proto}${hostIp.family} ${formatIp(hostIp)}:${port}: bind: address already in use`);
    }
  };
}

let host = new FakeHost();
const publisher = (fw: FakeFirewall, ports: PortAllocator): Publisher => ({ fw, ports, reserve: host.reserve, checkFree: host.checkFree, hairpin: async () => {} });
const publishPorts = async (fw: FakeFirewall, ports: PortAllocator, net: BridgeNetworkState, ep: BridgeEndpointState): Promise<PortMapping[]> =>
  [...(await publish(publisher(fw, ports), net, ep, ep.portBindings)).values()].flatMap((pb) => pb.mappings);

function network(id: string, options: Record<string, string> = {}, more: Partial<CreateNetworkRequest> = {}): BridgeNetworkState {
  const config = parseBridgeConfig({
    networkId: id, options: new Map(Object.entries(options)), internal: false, enableIPv6: false,
    ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.20.0.0/24"), gateway: parsePrefix("10.20.0.1/24"), auxAddresses: new Map() }],
    ipv6: [], ...more,
  });
  return { config, createdBridge: true, bridgeIndex: 7, addedAddresses: [], portBridges: new PortBridges(config) };
}

function endpoint(bindings: PortBinding[], v6 = false): BridgeEndpointState {
  return {
    networkId: "n1", endpointId: "e1", options: new Map(), portBindings: bindings, mac: "02:42:0a:14:00:02", hostIfname: "vethe1", published: new Map(),
    iface: { address: parsePrefix("10.20.0.2/24"), ...(v6 ? { addressIPv6: parsePrefix("fd00:20::2/64") } : {}) },
  };
}

const tcp = (port: number, hostPort: number, hostPortEnd = hostPort, hostIp?: string): PortBinding =>
  ({ proto: "tcp", port, hostPort, hostPortEnd, ...(hostIp === undefined ? {} : { hostIp: parseIp(hostIp) }) });

/** Mappings as short strings: "tcp [hostIp]:hostPort -> containerIp:port". */
const show = (ms: readonly PortMapping[]): string[] =>
  ms.map((m) => `${m.proto} ${m.hostIp === undefined ? "*" : formatIp(m.hostIp)}:${m.hostPort}-${m.hostPortEnd} -> ${formatIp(m.containerIp)}:${m.containerPort}`);

describe("publishPorts", () => {
  beforeEach(() => { host = new FakeHost(); });

  test("IPv4 only: one mapping on every address; a range maps one chosen port; dynamic comes from the range", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator([32768, 60999]);
    const out = await publishPorts(fw, ports, network("n1"), endpoint([tcp(80, 8080), tcp(81, 9000, 9010), tcp(82, 0)]));
    assert.deepEqual(show(out), ["tcp *:8080-8080 -> 10.20.0.2:80", "tcp *:9000-9000 -> 10.20.0.2:81", "tcp *:32768-32768 -> 10.20.0.2:82"]);
    assert.deepEqual(fw.added.map((a) => [a.networkId, a.endpointId, show(a.mappings)]), [["n1", "e1", show(out)]], "one firewall call");
  });

  test("dual stack: a binding without host IP is published on IPv4 and IPv6, with the same dynamic port", async () => {
    const fw = new FakeFirewall();
    const v6 = { enableIPv6: true, ipv6: [{ addressSpace: "LocalDefault", pool: parsePrefix("fd00:20::/64"), auxAddresses: new Map() }] };
    const out = await publishPorts(fw, new PortAllocator([32768, 60999]), network("n1", {}, v6), endpoint([tcp(80, 0), tcp(443, 8443)], true));
    assert.deepEqual(show(out), [
      "tcp *:32768-32768 -> 10.20.0.2:80", "tcp *:32768-32768 -> fd00:20::2:80", "tcp *:8443-8443 -> 10.20.0.2:443", "tcp *:8443-8443 -> fd00:20::2:443",
    ]);
  });

  test("host_binding_ipv4 (specific) becomes the host IP and suppresses the IPv6 binding; 0.0.0.0 changes nothing", async () => {
    const v6 = { enableIPv6: true, ipv6: [{ addressSpace: "LocalDefault", pool: parsePrefix("fd00:20::/64"), auxAddresses: new Map() }] };
    const specific = network("n1", { [L.hostBindingIpv4]: "192.0.2.9" }, v6);
    assert.deepEqual(show(await publishPorts(new FakeFirewall(), new PortAllocator(), specific, endpoint([tcp(80, 8080)], true))),
      ["tcp 192.0.2.9:8080-8080 -> 10.20.0.2:80"]);
    const unspecified = network("n1", { [L.hostBindingIpv4]: "0.0.0.0" }, v6);
    assert.deepEqual(show(await publishPorts(new FakeFirewall(), new PortAllocator(), unspecified, endpoint([tcp(80, 8080)], true))),
      ["tcp *:8080-8080 -> 10.20.0.2:80", "tcp *:8080-8080 -> fd00:20::2:80"]);
  });

  test("an explicit host IP picks its family (and wins over host_binding_ipv4)", async () => {
    const v6 = { enableIPv6: true, ipv6: [{ addressSpace: "LocalDefault", pool: parsePrefix("fd00:20::/64"), auxAddresses: new Map() }] };
    const net = network("n1", { [L.hostBindingIpv4]: "192.0.2.9" }, v6);
    const out = await publishPorts(new FakeFirewall(), new PortAllocator(), net, endpoint([tcp(80, 8080, 8080, "2001:db8::5"), tcp(81, 8081, 8081, "127.0.0.1")], true));
    assert.deepEqual(show(out), ["tcp 2001:db8::5:8080-8080 -> fd00:20::2:80", "tcp 127.0.0.1:8081-8081 -> 10.20.0.2:81"]);
  });

  test("what cannot be served is refused, not dropped: an IPv6 host IP without a container IPv6 address (no NAT46), the IPv6 loopback", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator();
    await assert.rejects(publishPorts(fw, ports, network("n1"), endpoint([tcp(80, 8080), tcp(80, 8089, 8089, "2001:db8::5")])), {
      code: "ERR_PUBLISH_FAMILY", kind: "invalid-argument",
      message: "cannot publish [2001:db8::5]:8089:80/tcp: the sandbox has no IPv6 address on the network that publishes its ports (the gateway network is IPv4-only)",
    });
    assert.equal(ports.size, 0, "8080, taken before, was given back");
    assert.equal(host.held.size, 0);
    await assert.rejects(publishPorts(fw, ports, network("n1"), endpoint([tcp(80, 8089, 8089, "::1")], true)), { code: "ERR_PUBLISH_IPV6_LOOPBACK", kind: "invalid-argument" });
    assert.equal(fw.added.length, 0);
  });

  test("every published host port is held by a socket per address, released on unpublish", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator([32768, 60999]);
    const v6 = { enableIPv6: true, ipv6: [{ addressSpace: "LocalDefault", pool: parsePrefix("fd00:20::/64"), auxAddresses: new Map() }] };
    const ep = endpoint([tcp(80, 8080), { proto: "udp", port: 53, hostPort: 0, hostPortEnd: 0 }], true);
    const out = await publish(publisher(fw, ports), network("n1", {}, v6), ep, ep.portBindings);
    assert.deepEqual([...host.held].sort(), ["tcp 0.0.0.0:8080", "tcp :::8080", "udp 0.0.0.0:32768", "udp :::32768"]);
    await unpublish(publisher(fw, ports), "n1", { ...ep, published: out });
    assert.equal(host.held.size, 0);
    assert.equal(ports.size, 0);
  });

  test("a host port a host program holds: refused when fixed (Docker's bind error), skipped in a range and when dynamic", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator([32768, 60999]);
    host.busy.add("tcp 0.0.0.0:8095");
    host.busy.add("tcp 0.0.0.0:9100");
    host.busy.add("udp 0.0.0.0:32768");
    await assert.rejects(publishPorts(fw, ports, network("n1"), endpoint([tcp(80, 8095)])), {
      kind: "conflict", code: "ERR_PORT_IN_USE", message: "listen tcp4 0.0.0.0:8095: bind: address already in use",
    });
    assert.equal(ports.size, 0);
    const out = await publishPorts(fw, ports, network("n1"), endpoint([tcp(90, 9100, 9102), { proto: "udp", port: 53, hostPort: 0, hostPortEnd: 0 }]));
    assert.deepEqual(show(out), ["tcp *:9101-9101 -> 10.20.0.2:90", "udp *:32769-32769 -> 10.20.0.2:53"]);
  });

  test("internal networks and endpoints without bindings publish nothing and do not call the firewall", async () => {
    const fw = new FakeFirewall();
    assert.deepEqual(await publishPorts(fw, new PortAllocator(), network("n1", {}, { internal: true }), endpoint([tcp(80, 8080)])), []);
    assert.deepEqual(await publishPorts(fw, new PortAllocator(), network("n1"), endpoint([])), []);
    assert.equal(fw.added.length, 0);
  });

  test("a taken port: Docker's message, the firewall untouched, the ports reserved before it released", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator([32768, 60999]);
    ports.allocate("tcp", parseIp("0.0.0.0"), 8081, 8081);
    await assert.rejects(publishPorts(fw, ports, network("n1"), endpoint([tcp(80, 8080), tcp(81, 8081)])), (err: unknown) => {
      assert.ok(err instanceof LibnetworkError);
      assert.equal(err.kind, "conflict");
      assert.equal(err.message, "Bind for 0.0.0.0:8081 failed: port is already allocated");
      return true;
    });
    assert.equal(fw.added.length, 0);
    assert.equal(ports.size, 1, "8080 was given back");
    assert.equal(ports.allocate("tcp", parseIp("0.0.0.0"), 8080, 8080), 8080);
  });

  test("a firewall failure gives every reserved port back", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator([32768, 60999]);
    fw.failNext = conflict("ERR_FIREWALL_PORT_IN_USE", "tcp/8080 on every IPv4 address is already published by x/y");
    await assert.rejects(publishPorts(fw, ports, network("n1"), endpoint([tcp(80, 8080), tcp(81, 0)])), /already published by x\/y/);
    assert.equal(ports.size, 0);
  });

  test("unpublishPorts removes the endpoint's rules and releases its ports", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator([32768, 60999]);
    const ep = endpoint([tcp(80, 8080), tcp(81, 0)]);
    const out = await publish(publisher(fw, ports), network("n1"), ep, ep.portBindings);
    assert.equal(ports.size, 2);
    await unpublish(publisher(fw, ports), "n1", { ...ep, published: out });
    assert.deepEqual(fw.removed, ["e1"]);
    assert.equal(ports.size, 0);
  });
});

describe("port ranges mapped one to one, and bindings unpublished one by one", () => {
  beforeEach(() => { host = new FakeHost(); });
  const range = (lo: number, hi: number, hostLo = lo, proto: "tcp" | "udp" = "tcp"): PortBinding =>
    ({ proto, port: lo, portEnd: hi, hostPort: hostLo, hostPortEnd: hostLo + hi - lo });

  test("a short range: one mapping per family for the whole range, every port held by a socket and the allocator", async () => {
    const ports = new PortAllocator([32768, 60999]);
    const out = await publishPorts(new FakeFirewall(), ports, network("n1"), endpoint([range(9000, 9003, 19000)]));
    assert.deepEqual(show(out), ["tcp *:19000-19003 -> 10.20.0.2:9000"]);
    assert.deepEqual([...host.held].sort(), ["tcp 0.0.0.0:19000", "tcp 0.0.0.0:19001", "tcp 0.0.0.0:19002", "tcp 0.0.0.0:19003"]);
    assert.equal(ports.size, 4);
    assert.throws(() => ports.allocate("tcp", parseIp("0.0.0.0"), 19002, 19002), { code: "ERR_PORT_ALLOCATED" });
  });

  test(`a range longer than ${RESERVED_RANGE_MAX} ports is checked free, not held; a host program on one of its ports refuses it`, async () => {
    const ports = new PortAllocator([32768, 60999]);
    const out = await publishPorts(new FakeFirewall(), ports, network("n1"), endpoint([range(10000, 19999)]));
    assert.deepEqual(show(out), ["tcp *:10000-19999 -> 10.20.0.2:10000"]);
    assert.equal(host.held.size, 0, "no socket");
    assert.deepEqual(host.checked, ["tcp 0.0.0.0:10000-19999"]);
    assert.equal(ports.size, 10000, "the allocator holds the range");
    host.busy.add("udp 0.0.0.0:20500");
    await assert.rejects(publishPorts(new FakeFirewall(), ports, network("n1"), endpoint([range(20000, 20999, 20000, "udp")])),
      { code: "ERR_PORT_IN_USE", message: "listen udp4 0.0.0.0:20500: bind: address already in use" });
    assert.equal(ports.size, 10000, "the refused range holds nothing");
  });

  test("a container range needs host ports of the same length; a range overlapping a published port is Docker's conflict", async () => {
    const ports = new PortAllocator([32768, 60999]);
    await assert.rejects(publishPorts(new FakeFirewall(), ports, network("n1"), endpoint([{ proto: "tcp", port: 9000, portEnd: 9001, hostPort: 0, hostPortEnd: 0 }])), {
      code: "ERR_PUBLISH_RANGE", message: "cannot publish 9000-9001/tcp: a container port range needs a host port range of the same length",
    });
    await assert.rejects(publishPorts(new FakeFirewall(), ports, network("n1"), endpoint([{ proto: "tcp", port: 9000, portEnd: 9001, hostPort: 8000, hostPortEnd: 8002 }])),
      { code: "ERR_PUBLISH_RANGE" });
    ports.allocate("tcp", parseIp("0.0.0.0"), 9500, 9500);
    await assert.rejects(publishPorts(new FakeFirewall(), ports, network("n1"), endpoint([tcp(80, 8080), range(9000, 9999)])),
      { code: "ERR_PORT_ALLOCATED", message: "Bind for 0.0.0.0:9500 failed: port is already allocated" });
    assert.equal(ports.size, 1, "8080 given back too");
    assert.equal(host.held.size, 0);
  });

  test("unpublishing some bindings removes their mappings only and gives back their ports and sockets", async () => {
    const fw = new FakeFirewall();
    const ports = new PortAllocator([32768, 60999]);
    const ep = endpoint([tcp(80, 8080), range(9000, 9001)]);
    const out = await publish(publisher(fw, ports), network("n1"), ep, ep.portBindings);
    const [first, second] = [...out.values()];
    await unpublish(publisher(fw, ports), "n1", { ...ep, published: out }, [second as NonNullable<typeof second>]);
    assert.deepEqual(fw.removedMappings.map(show), [["tcp *:9000-9001 -> 10.20.0.2:9000"]]);
    assert.deepEqual(fw.removed, [], "not the whole endpoint");
    assert.deepEqual([...host.held], ["tcp 0.0.0.0:8080"]);
    assert.equal(ports.size, 1);
    assert.deepEqual(first?.binding, tcp(80, 8080));
  });
});

describe("checkConflicts and firewallNetwork", () => {
  const other = network("net-a", { [L.name]: "br-a" });
  test("same bridge name: Docker's Forbidden text", () => {
    assert.throws(() => checkConflicts(network("net-b", { [L.name]: "br-a" }, {
      ipv4: [{ addressSpace: "x", pool: parsePrefix("10.99.0.0/24"), auxAddresses: new Map() }],
    }).config, [other]), (err: unknown) => err instanceof LibnetworkError && err.kind === "forbidden" &&
      err.message === "cannot create network net-b (br-a): conflicts with network net-a (br-a): networks have same bridge name");
  });

  test("overlapping IPv4 or IPv6 subnets: Docker's Forbidden text", () => {
    assert.throws(() => checkConflicts(network("net-b", { [L.name]: "br-b" }, {
      ipv4: [{ addressSpace: "x", pool: parsePrefix("10.20.0.128/25"), auxAddresses: new Map() }],
    }).config, [other]), { message: "cannot create network net-b (br-b): conflicts with network net-a (br-a): networks have overlapping IPv4" });
    const v6 = (p: string): Partial<CreateNetworkRequest> => ({
      enableIPv6: true, ipv4: [{ addressSpace: "x", pool: parsePrefix(p === "fd00::/48" ? "10.1.0.0/24" : "10.2.0.0/24"), auxAddresses: new Map() }],
      ipv6: [{ addressSpace: "x", pool: parsePrefix(p), auxAddresses: new Map() }],
    });
    const a6 = network("net-c", { [L.name]: "br-c" }, v6("fd00::/48"));
    assert.throws(() => checkConflicts(network("net-d", { [L.name]: "br-d" }, v6("fd00:0:0:1::/64")).config, [a6]),
      { message: "cannot create network net-d (br-d): conflicts with network net-c (br-c): networks have overlapping IPv6" });
  });

  test("disjoint networks and the network itself (a restore) pass", () => {
    assert.doesNotThrow(() => checkConflicts(network("net-b", { [L.name]: "br-b" }, {
      ipv4: [{ addressSpace: "x", pool: parsePrefix("10.21.0.0/24"), auxAddresses: new Map() }],
    }).config, [other]));
    assert.doesNotThrow(() => checkConflicts(other.config, [other]));
  });

  test("firewallNetwork carries every firewall-relevant option", () => {
    const n = network("net-x", { [L.name]: "brx", [L.enableIcc]: "false", [L.enableIpMasquerade]: "false", [L.hostIpv4]: "192.0.2.3", [L.hostBindingIpv4]: "192.0.2.4" }, { internal: true });
    const f = firewallNetwork(n.config);
    assert.deepEqual({ ...f, subnets4: f.subnets4.length, snatSource: formatIp(f.snatSource ?? parseIp("0.0.0.0")), hostBindingIp: formatIp(f.hostBindingIp ?? parseIp("0.0.0.0")) }, {
      id: "net-x", bridge: "brx", subnets4: 1, subnets6: [], internal: true, icc: false, masquerade: false, snatSource: "192.0.2.3", hostBindingIp: "192.0.2.4",
    });
  });
});
