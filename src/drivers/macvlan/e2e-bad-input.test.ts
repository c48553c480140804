// Root: bad input to macvlan and ipvlan networks through the daemon's HTTP API. Each case is a 400
// (invalid-argument) with a message that says what is wrong, and changes nothing: the daemon's networks
// and the links of its netns are as before.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootOnly } from "../../testing/kernel.js";
import { LanWorld, type DockerNetworkCreateRequest } from "../../testing/lan-world.js";

describe("macvlan and ipvlan: bad input is refused with a 400 and changes nothing (root)", { ...rootOnly, timeout: 120_000 }, () => {
  let w: LanWorld;
  const subnet = { Config: [{ Subnet: "10.97.0.0/24" }] };
  const state = async (): Promise<string> => JSON.stringify({
    networks: (await w.d.client.listNetworks()).map((n) => n.Name).sort(),
    links: (JSON.parse(w.d.inHost("ip", ["-j", "link", "show"])) as Array<{ ifname: string }>).map((l) => l.ifname).sort(),
  });

  /** POSTs the request, expects 400 and `message` in the body, and that nothing changed. */
  async function refused(req: Omit<DockerNetworkCreateRequest, "Name">, message: RegExp): Promise<void> {
    const before = await state();
    const res = await w.d.client.raw("POST", "/networks/create", { Name: "bad", ...req });
    assert.equal(res.status, 400, res.text);
    assert.match((JSON.parse(res.text) as { message: string }).message, message);
    assert.equal(await state(), before, "nothing made");
  }

  before(async () => {
    w = await LanWorld.open(98);
    await w.d.client.createNetwork({ Name: "br", Driver: "bridge", Options: { "com.docker.network.bridge.name": "dnbr0" }, IPAM: { Config: [{ Subnet: "10.98.0.0/24" }] } });
  });
  after(async () => { await w?.cleanup(); });

  test("a parent option with no name", async () => {
    await refused({ Driver: "macvlan", Options: { parent: "" }, IPAM: subnet }, /-o parent= needs an interface name/);
  });

  test("a parent that does not exist (Docker's message)", async () => {
    await refused({ Driver: "macvlan", Options: { parent: "nope0" }, IPAM: subnet }, /^-o parent interface was not found on the host: nope0$/);
    await refused({ Driver: "ipvlan", Options: { parent: "nope0" }, IPAM: subnet }, /was not found on the host: nope0/);
  });

  test("a VLAN of a parent that does not exist", async () => {
    await refused({ Driver: "macvlan", Options: { parent: "nope0.10" }, IPAM: subnet }, /was not found on the host: nope0 \(for nope0\.10\)/);
  });

  test("a parent that is a dnet bridge, or loopback", async () => {
    await refused({ Driver: "macvlan", Options: { parent: "dnbr0" }, IPAM: subnet }, /-o parent=dnbr0 is the bridge of a dnet network/);
    await refused({ Driver: "macvlan", Options: { parent: "lo" }, IPAM: subnet }, /loopback interface is not a valid macvlan parent link/);
    await refused({ Driver: "ipvlan", Options: { parent: "lo.5" }, IPAM: subnet }, /loopback interface is not a valid ipvlan parent link/);
  });

  test("VLAN ids outside 1–4094", async () => {
    for (const parent of ["lan0.0", "lan0.4095", "lan0.70000"]) {
      await refused({ Driver: "macvlan", Options: { parent }, IPAM: subnet }, /vlan id must be between 1-4094/);
    }
  });

  test("modes and flags not in the lists (Docker's messages)", async () => {
    await refused({ Driver: "macvlan", Options: { parent: "lan0", macvlan_mode: "l2" }, IPAM: subnet }, /requested macvlan mode 'l2' is not valid/);
    await refused({ Driver: "ipvlan", Options: { parent: "lan0", ipvlan_mode: "bridge" }, IPAM: subnet }, /requested ipvlan mode 'bridge' is not valid/);
    await refused({ Driver: "ipvlan", Options: { parent: "lan0", ipvlan_flag: "l3" }, IPAM: subnet }, /requested ipvlan flag 'l3' is not valid/);
  });

  test("parent names a link cannot have", async () => {
    for (const parent of ["lan 0", "a/b", "x".repeat(16), "q\"x"]) {
      await refused({ Driver: "macvlan", Options: { parent }, IPAM: subnet }, /invalid -o parent=/);
    }
  });

  test("DHCP where it cannot work: a driver without DHCP, ipvlan in layer 3, no parent, a subnet, bad options", async () => {
    await refused({ Driver: "bridge", IPAM: { Driver: "dhcp" } }, /the bridge driver cannot use the dhcp IPAM driver/);
    await refused({ Driver: "ipvlan", Options: { parent: "lan0", ipvlan_mode: "l3" }, IPAM: { Driver: "dhcp" } }, /ipvlan_mode=l3 cannot use DHCP/);
    await refused({ Driver: "macvlan", Internal: true, IPAM: { Driver: "dhcp" } }, /without a parent \(or internal\) cannot use DHCP/);
    await refused({ Driver: "macvlan", Options: { parent: "lan0" }, IPAM: { Driver: "dhcp", Config: [{ Subnet: "10.97.0.0/24" }] } }, /takes no subnet/);
    await refused({ Driver: "macvlan", Options: { parent: "lan0" }, IPAM: { Driver: "dhcp", Options: { dhcp_timeout: "forever" } } }, /invalid dhcp_timeout/);
  });

  test("an ipvlan endpoint with a MAC of its own (Docker's message)", async () => {
    await w.d.client.createNetwork({ Name: "iv", Driver: "ipvlan", Options: { parent: "lan1" }, IPAM: { Config: [{ Subnet: "10.99.0.0/24" }] } });
    await w.d.client.createSandbox({ Name: "m1" });
    const res = await w.d.client.raw("POST", "/networks/iv/connect", { Container: "m1", EndpointConfig: { MacAddress: "02:42:0a:63:00:09" } });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /ipvlan interfaces do not support custom mac address assignment/);
    assert.deepEqual((await w.d.client.inspectSandbox("m1")).Endpoints, []);
    await w.d.client.removeSandbox("m1", true);
    await w.d.client.removeNetwork("iv");
  });
});
