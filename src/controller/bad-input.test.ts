// Bad input to networks and endpoints (§8.2): every case is a typed error (kind, code, message) and
// changes nothing: store, controller lists, netns/etc dirs, the sandbox's kernel state, the driver's links.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PortProtocol } from "../driver-api/index.js";
import { MemoryStore } from "../store/index.js";
import { rootOnly } from "../testing/kernel.js";
import type { Endpoint, Network, Sandbox } from "./objects.js";
import { expectError, openHarness, uniqueName, worldSnapshot, type ExpectedError, type Harness } from "./harness.test.js";

interface Case { readonly what: string; readonly run: () => Promise<unknown> | unknown; readonly error: ExpectedError }

const invalid = (code: string, message?: string | RegExp): ExpectedError =>
  ({ kind: "invalid-argument", code, ...(message === undefined ? {} : { message }) });

describe("bad input to networks and endpoints changes nothing (root)", rootOnly, () => {
  const store = new MemoryStore();
  let h: Harness;
  let net: Network;
  let gone: Network;
  let sb: Sandbox;
  let joined: Endpoint;
  before(async () => {
    h = await openHarness({ store });
    net = await h.controller.createNetwork({ name: uniqueName("bad"), driver: "testveth", ipam: { config: [{ subnet: "10.238.1.0/24" }] } });
    gone = await h.controller.createNetwork({ name: uniqueName("gone"), driver: "testveth", ipam: { config: [{ subnet: "10.238.2.0/24" }] } });
    await gone.delete();
    sb = await h.controller.createSandbox({ containerId: uniqueName("ctr") });
    joined = await net.createEndpoint({ name: "joined", portBindings: [{ port: 80, hostPort: 8080 }] });
    await joined.join(sb);
  });
  after(async () => {
    await h?.close();
    await store.close();
  });

  const create = (o: Record<string, unknown>) => () => h.controller.createNetwork({ name: uniqueName("x"), driver: "testveth", ...o } as never);
  const pool = (cfg: Record<string, unknown>) => create({ ipam: { config: [cfg] } });
  const endpoint = (o: Record<string, unknown>) => () => net.createEndpoint({ name: uniqueName("e"), ...o } as never);
  const ports = (b: Record<string, unknown>) => endpoint({ portBindings: [{ port: 80, ...b }] });

  const cases: Case[] = [
    { what: "network: empty name", run: () => h.controller.createNetwork({ name: "", driver: "testveth" }), error: invalid("ERR_INVALID_NAME", 'invalid name: ""') },
    { what: "network: blank name", run: () => h.controller.createNetwork({ name: " \t", driver: "testveth" }), error: invalid("ERR_INVALID_NAME", 'invalid name: " \\t"') },
    { what: "network: no name at all (JavaScript caller)", run: create({ name: undefined }), error: invalid("ERR_INVALID_NAME") },
    { what: "network: README NewNetwork with a blank name", run: () => h.controller.NewNetwork("testveth", "  "), error: invalid("ERR_INVALID_NAME") },
    { what: "network: unknown driver", run: create({ driver: "nosuchdriver" }), error: { kind: "not-found", code: "ERR_DRIVER_NOT_FOUND", message: /unknown driver "nosuchdriver"/ } },
    { what: "network: unknown IPAM driver", run: create({ ipam: { driver: "nosuchipam" } }), error: { kind: "not-found", code: "ERR_IPAM_DRIVER_NOT_FOUND", message: 'could not find an IPAM driver named "nosuchipam"' } },
    { what: "network: prefix length out of range", run: pool({ subnet: "10.238.9.0/33" }), error: invalid("ERR_INVALID_CIDR", 'invalid subnet: "10.238.9.0/33"') },
    { what: "network: subnet that is no CIDR", run: pool({ subnet: "not-a-cidr" }), error: invalid("ERR_INVALID_CIDR", 'invalid subnet: "not-a-cidr"') },
    { what: "network: subnet with a bad octet", run: pool({ subnet: "10.238.300.0/24" }), error: invalid("ERR_INVALID_CIDR") },
    { what: "network: subnet without a length", run: pool({ subnet: "10.238.9.0" }), error: invalid("ERR_INVALID_CIDR") },
    { what: "network: gateway that is no IP", run: pool({ subnet: "10.238.9.0/24", gateway: "10.238.9.300" }), error: invalid("ERR_INVALID_IP", 'invalid gateway: "10.238.9.300"') },
    { what: "network: gateway outside the subnet", run: pool({ subnet: "10.238.9.0/24", gateway: "10.238.10.1" }), error: invalid("ERR_INVALID_GATEWAY", "no matching subnet for gateway 10.238.10.1") },
    { what: "network: gateway without a subnet", run: pool({ gateway: "10.238.9.1" }), error: invalid("ERR_INVALID_IPAM_CONFIG", "ip-range, gateway and aux addresses need a subnet") },
    { what: "network: ip-range that is no CIDR", run: pool({ subnet: "10.238.9.0/24", ipRange: "bad" }), error: invalid("ERR_INVALID_CIDR", 'invalid ip-range: "bad"') },
    { what: "network: ip-range outside the subnet", run: pool({ subnet: "10.238.9.0/24", ipRange: "10.238.10.0/25" }), error: invalid("ERR_INVALID_IPAM_CONFIG", "ip-range 10.238.10.0/25 is not inside subnet 10.238.9.0/24") },
    { what: "network: aux address that is no IP", run: pool({ subnet: "10.238.9.0/24", auxAddresses: { r: "x" } }), error: invalid("ERR_INVALID_IP", 'invalid aux address r: "x"') },
    { what: "network: aux address outside the subnet", run: pool({ subnet: "10.238.9.0/24", auxAddresses: { r: "10.238.10.5" } }), error: { kind: "forbidden", code: "ERR_INVALID_AUX_ADDRESS", message: "auxiliary address: (r:10.238.10.5) must belong to the master pool: 10.238.9.0/24" } },
    { what: "network: subnet equal to an existing network's", run: pool({ subnet: "10.238.1.0/24" }), error: { kind: "conflict", code: "ERR_IPAM_POOL_OVERLAP", message: "Pool overlaps with other one on this address space" } },
    { what: "network: subnet containing an existing network's", run: pool({ subnet: "10.238.0.0/16" }), error: { kind: "conflict", code: "ERR_IPAM_POOL_OVERLAP" } },
    { what: "network: loopback subnet (127.0.0.1/24 would end up on the bridge)", run: pool({ subnet: "127.0.0.1/24" }), error: invalid("ERR_RESERVED_ADDRESS", "subnet 127.0.0.1/24 is in the loopback range 127.0.0.0/8: a network cannot use it") },
    { what: "network: subnet containing the loopback range", run: pool({ subnet: "96.0.0.0/3" }), error: invalid("ERR_RESERVED_ADDRESS", /loopback range 127\.0\.0\.0\/8/) },
    { what: "network: IPv4 multicast subnet", run: pool({ subnet: "239.1.2.0/24" }), error: invalid("ERR_RESERVED_ADDRESS", "subnet 239.1.2.0/24 is in the multicast range 224.0.0.0/4: a network cannot use it") },
    { what: "network: \"this network\" subnet", run: pool({ subnet: "0.1.2.0/24" }), error: invalid("ERR_RESERVED_ADDRESS", /"this network" range 0\.0\.0\.0\/8/) },
    { what: "network: IPv6 multicast subnet", run: create({ ipv6: true, ipam: { config: [{ subnet: "10.238.20.0/24" }, { subnet: "ff05::/64" }] } }), error: invalid("ERR_RESERVED_ADDRESS", "subnet ff05::/64 is in the multicast range ff00::/8: a network cannot use it") },
    { what: "network: IPv4-mapped IPv6 subnet", run: create({ ipv6: true, ipam: { config: [{ subnet: "10.238.21.0/24" }, { subnet: "::ffff:10.238.21.0/120" }] } }), error: invalid("ERR_RESERVED_ADDRESS", /IPv4-mapped range ::ffff:0\.0\.0\.0\/96|IPv4-mapped range ::ffff:0:0\/96/) },
    { what: "network: IPv6 loopback subnet", run: create({ ipv6: true, ipam: { config: [{ subnet: "10.238.22.0/24" }, { subnet: "::/64" }] } }), error: invalid("ERR_RESERVED_ADDRESS") },
    { what: "network: driver option that is not a string", run: create({ options: { "com.docker.network.driver.mtu": 1500 } }), error: invalid("ERR_INVALID_OPTION", 'invalid driver option "com.docker.network.driver.mtu"') },
    { what: "network: label with a blank key", run: create({ labels: { " ": "v" } }), error: invalid("ERR_INVALID_OPTION", 'invalid label " "') },
    { what: "network: interface prefix option that does not parse", run: create({ options: { "com.docker.network.container_iface_prefix": "bad prefix!" } }), error: invalid("ERR_INVALID_OPTION", 'invalid com.docker.network.container_iface_prefix "bad prefix!"') },
    { what: "network: interface prefix too long for IFNAMSIZ", run: create({ options: { "com.docker.network.container_iface_prefix": "abcdefghijk" } }), error: invalid("ERR_INVALID_OPTION") },
    { what: "network: ConfigureNetworkDriver of an unknown driver", run: () => h.controller.ConfigureNetworkDriver("nosuchdriver", {}), error: { kind: "not-found", code: "ERR_DRIVER_NOT_FOUND" } },
    { what: "network: delete while an endpoint exists", run: () => net.delete(), error: { kind: "forbidden", code: "ERR_NETWORK_ACTIVE_ENDPOINTS" } },
    { what: "network: delete of a deleted network", run: () => gone.delete(), error: { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND" } },
    { what: "endpoint: empty name", run: () => net.createEndpoint({ name: "" }), error: invalid("ERR_INVALID_NAME", 'invalid name: ""') },
    { what: "endpoint: README CreateEndpoint with a blank name", run: () => net.CreateEndpoint("   "), error: invalid("ERR_INVALID_NAME") },
    { what: "endpoint: name already used in the network", run: () => net.createEndpoint({ name: "joined" }), error: { kind: "conflict", code: "ERR_ENDPOINT_EXISTS" } },
    { what: "endpoint: on a deleted network", run: () => gone.createEndpoint({ name: "e" }), error: { kind: "not-found", code: "ERR_NETWORK_NOT_FOUND" } },
    { what: "endpoint: IPv4 address that does not parse", run: endpoint({ ip: "10.238.1.300" }), error: invalid("ERR_INVALID_IP", 'invalid IPv4 address: "10.238.1.300"') },
    { what: "endpoint: IPv4 address outside the subnets", run: endpoint({ ip: "10.99.0.5" }), error: invalid("ERR_INVALID_ADDRESS", "Invalid address 10.99.0.5: It does not belong to any of this network's subnets") },
    { what: "endpoint: IPv6 address on a network without IPv6", run: endpoint({ ip6: "fd00::5" }), error: { kind: "forbidden", code: "ERR_INVALID_ADDRESS", message: /has no IPv6 subnet for address fd00::5$/ } },
    { what: "endpoint: the gateway's address", run: endpoint({ ip: "10.238.1.1" }), error: { kind: "conflict", code: "ERR_IPAM_IP_ALREADY_ALLOCATED", message: "Address already in use" } },
    { what: "endpoint: another endpoint's address", run: endpoint({ ip: "10.238.1.2" }), error: { kind: "conflict", code: "ERR_IPAM_IP_ALREADY_ALLOCATED" } },
    { what: "endpoint: MAC address that does not parse", run: endpoint({ macAddress: "02:42:zz:00:00:01" }), error: invalid("ERR_INVALID_MAC", 'invalid MAC address: "02:42:zz:00:00:01"') },
    { what: "endpoint: multicast MAC address", run: endpoint({ macAddress: "01:00:5e:00:00:01" }), error: invalid("ERR_INVALID_MAC", /01:00:5e:00:00:01 is a multicast address/) },
    { what: "endpoint: broadcast MAC address", run: endpoint({ macAddress: "ff:ff:ff:ff:ff:ff" }), error: invalid("ERR_INVALID_MAC", /is a multicast address/) },
    { what: "endpoint: all-zero MAC address", run: endpoint({ macAddress: "00:00:00:00:00:00" }), error: invalid("ERR_INVALID_MAC", /is all zeros/) },
    { what: "endpoint: container port 0", run: ports({ port: 0 }), error: invalid("ERR_INVALID_PORT", "invalid container port: 0") },
    { what: "endpoint: container port above 65535", run: ports({ port: 70000 }), error: invalid("ERR_INVALID_PORT", "invalid container port: 70000") },
    { what: "endpoint: fractional port", run: ports({ port: 80.5 }), error: invalid("ERR_INVALID_PORT") },
    { what: "endpoint: negative host port", run: ports({ hostPort: -1 }), error: invalid("ERR_INVALID_PORT", "invalid host port: -1") },
    { what: "endpoint: host port range backwards", run: ports({ hostPort: 8080, hostPortEnd: 8000 }), error: invalid("ERR_INVALID_PORT", "invalid host port range 8080-8000") },
    { what: "endpoint: host port range without a start", run: ports({ hostPortEnd: 8000 }), error: invalid("ERR_INVALID_PORT", "a host port range needs a start port") },
    { what: "endpoint: unknown protocol", run: ports({ proto: "icmp" as PortProtocol }), error: invalid("ERR_INVALID_PROTOCOL", 'invalid protocol "icmp": use tcp, udp or sctp') },
    { what: "endpoint: host IP that does not parse", run: ports({ hostIp: "localhost" }), error: invalid("ERR_INVALID_IP", 'invalid host IP: "localhost"') },
    { what: "endpoint: alias with a space", run: endpoint({ aliases: ["a b"] }), error: invalid("ERR_INVALID_ALIAS", 'invalid alias "a b"') },
    { what: "endpoint: delete while joined", run: () => joined.delete(), error: { kind: "forbidden", code: "ERR_ENDPOINT_ACTIVE" } },
  ];

  for (const c of cases) {
    it(c.what, async () => {
      const before = await worldSnapshot(h, store, sb.key);
      await expectError(c.run, c.error);
      assert.deepEqual(await worldSnapshot(h, store, sb.key), before);
    });
  }

  it("after all that, the network and the joined endpoint still work", async () => {
    const e = await net.createEndpoint({ name: "after" });
    assert.equal(e.info().address, "10.238.1.3/24", "no address was leaked by the refused requests");
    await e.delete();
    const n = await h.controller.createNetwork({ name: uniqueName("after"), driver: "testveth", ipam: { config: [{ subnet: "10.238.9.0/24" }] } });
    await n.delete();
    assert.equal(joined.info().sandboxId, sb.id);
  });
});
