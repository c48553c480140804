// macvlan, ipvlan, VLAN and dummy links: our requests against the ones iproute2 sent for the same commands
// (golden-lan.ts, captured with strace), the kernel's macvlan dumps against `ip -j -d`; then, as root, the
// links themselves (the kinds this kernel lacks are skipped with the reason, and must fail not-implemented).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NetlinkError } from "../errors/index.js";
import {
  decodeLinkMessage, encodeLinkMessage, IPVLAN_F_PRIVATE, IPVLAN_F_VEPA, IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S,
  MACVLAN_MODE_BRIDGE, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, RTM_NEWLINK, type NetlinkRequest,
} from "../netlink/index.js";
import { messageOf } from "../netlink/testdata/expect.js";
import { GOLDEN_LAN } from "../netlink/testdata/golden-lan.js";
import { ipJson, rootOnly } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import type { NetnsHandle } from "./handle.js";
import { createVeth } from "./link-create.js";
import {
  createDummy, createIpvlan, createMacvlan, createVlan, dummyRequest, ipvlanRequest, macvlanRequest, vlanRequest,
  type MacvlanMode,
} from "./link-create-lan.js";
import { findLink } from "./link.js";
import { DNET_OWNED_GROUP } from "./link-groups.js";

/** A handle that only names netns: the sender, and a sandbox iproute2 opened as fd 4. */
const sender = { attrNsFd: () => 3 } as unknown as NetnsHandle;
const sandbox = { attrNsFd: () => 4 } as unknown as NetnsHandle;
const index = (name: string): number => {
  const i = GOLDEN_LAN.index[name];
  assert.ok(i !== undefined, name);
  return i;
};
const NEW = NLM_F_CREATE | NLM_F_EXCL;

/** Our request and iproute2's: the same type, creation flags and attributes (in whatever order). */
function sameAsIproute2(name: string, ours: NetlinkRequest): void {
  const captured = GOLDEN_LAN.requests[name];
  assert.ok(captured !== undefined && captured.hex.length === 1, name);
  const theirs = messageOf({ hex: captured.hex[0] ?? "" });
  assert.equal(ours.type, RTM_NEWLINK);
  assert.equal(theirs.type, RTM_NEWLINK);
  assert.equal((ours.flags ?? 0) & ~NLM_F_ECHO, NEW, `${name}: flags`);
  assert.equal(theirs.flags & NEW, NEW, `${name}: iproute2's flags`);
  assert.deepEqual(decodeLinkMessage(Buffer.from(ours.payload)), decodeLinkMessage(theirs.payload), `${name}: ${captured.cmd}`);
  // And the codec writes iproute2's bytes back from its decoding (iproute2 leaves NLA_F_NESTED off).
  assert.deepEqual(encodeLinkMessage(decodeLinkMessage(theirs.payload), { nestedFlag: false }), theirs.payload, `${name}: bytes`);
}

describe("LAN links against iproute2 (golden bytes, no root)", () => {
  it("macvlan in each mode; a child born in another netns with its MAC", () => {
    for (const mode of ["bridge", "private", "vepa"] as const) {
      sameAsIproute2(`macvlan-${mode}`, macvlanRequest(sender, { name: `mv${mode[0] ?? ""}0`, parent: index("vgB"), mode }, index("vgB")));
    }
    sameAsIproute2("macvlan-passthru", macvlanRequest(sender, { name: "mvt0", parent: index("vgP"), mode: "passthru" }, index("vgP")));
    const child = macvlanRequest(sender, { name: "eth0", parent: index("vgB"), mode: "bridge", mac: "02:42:c0:a8:4d:02", netns: sandbox }, index("vgB"));
    sameAsIproute2("macvlan-netns", child);
    assert.equal((child.flags ?? 0) & NLM_F_ECHO, 0, "no echo for a link born in another netns");
  });

  it("ipvlan modes and flags; a child born in another netns", () => {
    sameAsIproute2("ipvlan-l2-bridge", ipvlanRequest(sender, { name: "ipv1", parent: index("vgB"), mode: "l2", flag: "bridge" }, index("vgB")));
    sameAsIproute2("ipvlan-l3s-vepa", ipvlanRequest(sender, { name: "ipv2", parent: index("vgB"), mode: "l3s", flag: "vepa" }, index("vgB")));
    sameAsIproute2("ipvlan-netns", ipvlanRequest(sender, { name: "eth1", parent: index("vgB"), mode: "l3", flag: "private", netns: sandbox }, index("vgB")));
    const data = (name: string): unknown => {
      const li = decodeLinkMessage(messageOf({ hex: GOLDEN_LAN.requests[name]?.hex[0] ?? "" }).payload).attrs.linkinfo;
      return li?.kind === "ipvlan" ? li.data : undefined;
    };
    assert.deepEqual(data("ipvlan-l2-bridge"), { mode: IPVLAN_MODE_L2, flags: 0 });
    assert.deepEqual(data("ipvlan-l3s-vepa"), { mode: IPVLAN_MODE_L3S, flags: IPVLAN_F_VEPA });
    assert.deepEqual(data("ipvlan-netns"), { mode: IPVLAN_MODE_L3, flags: IPVLAN_F_PRIVATE });
  });

  it("an 802.1Q sub-interface and a dummy", () => {
    sameAsIproute2("vlan", vlanRequest(sender, { name: "vgB.10", parent: index("vgB"), vlanId: 10 }, index("vgB")));
    sameAsIproute2("dummy", dummyRequest(sender, { name: "dm-0123456789ab" }));
    const vlan = decodeLinkMessage(Buffer.from(vlanRequest(sender, { name: "v", parent: 2, vlanId: 4094, protocol: "802.1ad" }, 2).payload)).attrs.linkinfo;
    assert.deepEqual(vlan?.kind === "vlan" ? vlan.data : undefined, { id: 4094, protocol: 0x88a8 }, "be16 protocol");
    for (const vlanId of [0, 4095, 1.5]) assert.throws(() => vlanRequest(sender, { name: "v", parent: 2, vlanId }, 2), /invalid VLAN id/);
  });

  it("what this kernel refused (no ipvlan, 8021q or dummy) is recorded with the capture", () => {
    assert.deepEqual(Object.keys(GOLDEN_LAN.refused).sort(), ["dummy", "ipvlan-l2-bridge", "ipvlan-l3s-vepa", "ipvlan-netns", "vlan"]);
    for (const text of Object.values(GOLDEN_LAN.refused)) assert.match(text ?? "", /Unknown device type/);
  });

  it("the kernel's macvlan dumps decode to what ip -j -d showed: mode, parent, broadcast queue", () => {
    const MODE_NAMES: Readonly<Record<number, MacvlanMode>> = { 1: "private", 2: "vepa", 4: "bridge", 8: "passthru" };
    assert.equal(GOLDEN_LAN.links.length, 4);
    for (const g of GOLDEN_LAN.links) {
      const msg = decodeLinkMessage(messageOf(g).payload);
      const ip = g.ip as { ifname: string; link: string; linkinfo: { info_data: { mode: string; bcqueuelen?: number } } };
      const li = msg.attrs.linkinfo;
      assert.equal(li?.kind, "macvlan");
      const data = li?.kind === "macvlan" ? li.data : undefined;
      assert.equal(MODE_NAMES[data?.mode ?? 0], ip.linkinfo.info_data.mode, ip.ifname);
      assert.equal(msg.attrs.link, index(ip.link));
      if (ip.linkinfo.info_data.bcqueuelen !== undefined) assert.equal(data?.bcQueueLen, ip.linkinfo.info_data.bcqueuelen);
      assert.equal(msg.attrs.linkinfo?.unknown, undefined);
      assert.equal(MODE_NAMES[MACVLAN_MODE_BRIDGE], "bridge");
    }
  });
});

interface IpLink { ifname: string; address?: string; group?: string; link?: string; link_netnsid?: number; linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> } }

describe("LAN links in the kernel (root)", rootOnly, () => {
  const s = useScratchNamespaces();
  let a: { name: string; h: NetnsHandle };
  let b: { name: string; h: NetnsHandle };
  before(async () => {
    a = s.scratch();
    b = s.scratch();
    await createVeth(a.h, { name: "p0", peer: { name: "p1" } });
  });
  after(() => undefined); // the namespaces (and every link in them) go with useScratchNamespaces

  const link = (name: string, ns: string): IpLink | undefined => ipJson<IpLink[]>(["-d", "link", "show"], ns).find((l) => l.ifname === name);

  it("a macvlan child born in another netns under its final name, with its MAC, in each mode", async () => {
    for (const [i, mode] of (["bridge", "private", "vepa"] as const).entries()) {
      await createMacvlan(a.h, { name: `eth${i}`, parent: "p0", mode, mac: `02:42:0a:00:00:0${i + 2}`, netns: b.h });
      const l = link(`eth${i}`, b.name);
      assert.equal(l?.linkinfo?.info_kind, "macvlan");
      assert.equal(l?.linkinfo?.info_data?.["mode"], mode);
      assert.equal(l?.address, `02:42:0a:00:00:0${i + 2}`);
      assert.notEqual(l?.link_netnsid, undefined, "its parent is in the other netns");
    }
    assert.equal(link("eth0", a.name), undefined, "nothing was created in the sender's netns");
  });

  /** Creates a link of a kind this kernel may lack: skipped (with the reason) where it does, checked where it does not. */
  async function kindOrSkip(t: { skip(reason: string): void }, kind: string, create: () => Promise<void>): Promise<boolean> {
    try {
      await create();
      return true;
    } catch (err) {
      assert.ok(err instanceof NetlinkError, String(err));
      if (err.code !== "EOPNOTSUPP") throw err;
      assert.equal(err.kind, "not-implemented");
      t.skip(`this kernel has no ${kind} links (${err.message})`);
      return false;
    }
  }

  it("an 802.1Q sub-interface with dnet's group", async (t) => {
    if (!await kindOrSkip(t, "802.1Q VLAN", () => createVlan(a.h, { name: "p0.10", parent: "p0", vlanId: 10, group: DNET_OWNED_GROUP, up: true }))) return;
    const l = link("p0.10", a.name);
    assert.equal(l?.linkinfo?.info_kind, "vlan");
    assert.equal(l?.linkinfo?.info_data?.["id"], 10);
    assert.equal((await findLink(a.h, "p0.10"))?.group, DNET_OWNED_GROUP);
  });

  it("a dummy link", async (t) => {
    if (!await kindOrSkip(t, "dummy", () => createDummy(a.h, { name: "dm-test", up: true }))) return;
    assert.equal(link("dm-test", a.name)?.linkinfo?.info_kind, "dummy");
  });

  it("an ipvlan child born in another netns, l3 private", async (t) => {
    if (!await kindOrSkip(t, "ipvlan", () => createIpvlan(a.h, { name: "ipv0", parent: "p0", mode: "l3", flag: "private", netns: b.h }))) return;
    const l = link("ipv0", b.name);
    assert.equal(l?.linkinfo?.info_kind, "ipvlan");
    assert.equal(l?.linkinfo?.info_data?.["mode"], "l3");
  });
});
