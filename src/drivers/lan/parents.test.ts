// Root tests of the parent links macvlan and ipvlan networks share, in a scratch netns playing the host:
// who may share a parent (and who may not, with why), and which parents dnet deletes with their last
// network (only those it made: marked with DNET_OWNED_GROUP).

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { isLibnetworkError } from "../../errors/index.js";
import { createVeth, findLink, setLink, DNET_OWNED_GROUP, type NetnsHandle } from "../../osl/index.js";
import { rootOnly } from "../../testing/kernel.js";
import { useScratchNamespaces } from "../../testing/scratch-namespaces.js";
import { parsePrefix } from "../../types/index.js";
import type { ParentSharing } from "./kind.js";
import { parseParent } from "./parent.js";
import { ParentLinks, type ParentClaim } from "./parents.js";

function claim(networkId: string, parent: string, o: { driver?: string; subnets?: string[]; dhcp?: boolean; sharing?: ParentSharing } = {}): ParentClaim {
  return {
    networkId, driver: o.driver ?? "macvlan", parent: parseParent("parent", parent, false, `dm-${networkId}`),
    subnets: (o.subnets ?? []).map((s) => parsePrefix(s)), dhcp: o.dhcp ?? false, sharing: o.sharing ?? {},
  };
}

async function refusedWith(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => isLibnetworkError(e) && e.kind === "forbidden" && e.code === "ERR_PARENT_IN_USE" && message.test(e.message));
}

describe("parent links (root)", rootOnly, () => {
  const s = useScratchNamespaces();
  let h: NetnsHandle;
  before(async () => {
    h = s.scratch().h;
    for (const name of ["p0", "p1", "p2", "v0.10", "own0"]) await createVeth(h, { name, peer: { name: `${name.replace(".", "")}x` } });
    await setLink(h, "own0", { group: DNET_OWNED_GROUP });
  });

  it("a plain parent carries several networks with different subnets; not overlapping ones, nor two DHCP networks", async () => {
    const parents = new ParentLinks();
    await parents.claim(h, claim("a", "p0", { subnets: ["10.1.0.0/24"] }), "parent", "macvlan");
    await parents.claim(h, claim("b", "p0", { subnets: ["10.2.0.0/24"] }), "parent", "macvlan");
    await parents.claim(h, claim("c", "p0", { dhcp: true }), "parent", "macvlan");
    await refusedWith(parents.claim(h, claim("d", "p0", { subnets: ["10.1.0.128/25"] }), "parent", "macvlan"), /network a on parent interface p0 has an overlapping subnet/);
    await refusedWith(parents.claim(h, claim("e", "p0", { dhcp: true }), "parent", "macvlan"), /network c already leases addresses by DHCP on parent interface p0/);
  });

  it("a VLAN-named parent (NAME.VID) belongs to one network: the same parent and VLAN twice is refused", async () => {
    const parents = new ParentLinks();
    await parents.claim(h, claim("a", "v0.10", { subnets: ["10.1.0.0/24"] }), "parent", "macvlan");
    await refusedWith(parents.claim(h, claim("b", "v0.10", { subnets: ["10.9.0.0/24"] }), "parent", "macvlan"), /network a is already using parent interface v0\.10/);
  });

  it("macvlan and ipvlan never share a parent; ipvlan networks on one parent share its mode; passthru takes it alone", async () => {
    const parents = new ParentLinks();
    await parents.claim(h, claim("a", "p1", { driver: "ipvlan", sharing: { mode: "ipvlan_mode=l2" }, subnets: ["10.1.0.0/24"] }), "parent", "ipvlan");
    await refusedWith(parents.claim(h, claim("b", "p1", { subnets: ["10.2.0.0/24"] }), "parent", "macvlan"), /used by ipvlan network a: macvlan and ipvlan networks cannot share a parent/);
    await refusedWith(parents.claim(h, claim("c", "p1", { driver: "ipvlan", sharing: { mode: "ipvlan_mode=l3" }, subnets: ["10.3.0.0/24"] }), "parent", "ipvlan"),
      /uses parent interface p1 with ipvlan_mode=l2: the kernel keeps one mode per parent/);
    await parents.claim(h, claim("d", "p1", { driver: "ipvlan", sharing: { mode: "ipvlan_mode=l2" }, subnets: ["10.4.0.0/24"] }), "parent", "ipvlan");
    await parents.claim(h, claim("e", "p2", { sharing: { exclusive: true }, subnets: ["10.5.0.0/24"] }), "parent", "macvlan");
    await refusedWith(parents.claim(h, claim("f", "p2", { subnets: ["10.6.0.0/24"] }), "parent", "macvlan"), /network e is already using parent interface p2/);
  });

  it("the last network's release deletes a parent dnet made (its group), never another; a refused claim changes nothing", async () => {
    const parents = new ParentLinks();
    await parents.claim(h, claim("a", "own0", { subnets: ["10.1.0.0/24"] }), "parent", "macvlan");
    await parents.claim(h, claim("b", "own0", { subnets: ["10.2.0.0/24"] }), "parent", "macvlan");
    await parents.claim(h, claim("c", "p2", { subnets: ["10.3.0.0/24"] }), "parent", "macvlan");
    await parents.release(h, "a");
    assert.notEqual(await findLink(h, "own0"), undefined, "b still uses it");
    await parents.release(h, "b");
    assert.equal(await findLink(h, "own0"), undefined, "dnet's, and no network left on it");
    await parents.release(h, "c");
    assert.notEqual(await findLink(h, "p2"), undefined, "not dnet's: left in place");
    await parents.claim(h, claim("d", "p2", { subnets: ["10.3.0.0/24"] }), "parent", "macvlan");
  });
});
