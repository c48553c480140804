// Root integration tests of interface addresses (IPv4, IPv6 nodad): add, replace, list, delete, errors, vs `ip -j addr`.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LibnetworkError, NetlinkError } from "../errors/index.js";
import { IFA_F_NODAD, IFA_F_TENTATIVE } from "../netlink/index.js";
import { ipJson, rootOnly } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { formatPrefix, parsePrefix } from "../types/index.js";
import { addAddress, addAddressRequest, deleteAddress, listAddresses } from "./addr.js";
import type { NetnsHandle } from "./handle.js";
import { createVeth } from "./link-create.js";
import { getLink } from "./link.js";

interface IpAddrInfo { family: string; local: string; prefixlen: number; broadcast?: string; nodad?: boolean; tentative?: boolean }

function ipAddrs(netns: string, dev: string): IpAddrInfo[] {
  const [link] = ipJson<Array<{ addr_info: IpAddrInfo[] }>>(["addr", "show", "dev", dev], netns);
  return (link?.addr_info ?? []).filter((a) => !a.local.startsWith("fe80:"));
}

const cidrs = (infos: IpAddrInfo[]): string[] => infos.map((a) => `${a.local}/${a.prefixlen}`).sort();

function isKernelError(code: string, kind: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof NetlinkError, `expected a NetlinkError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind, err.message);
    if (err.extack !== "") assert.ok(err.message.includes(err.extack));
    return true;
  };
}

describe("osl addresses (root, scratch namespaces)", rootOnly, () => {
  const ns = useScratchNamespaces();

  /** A scratch netns with a veth pair v0/v1, both up. */
  const scratch = async (): Promise<{ name: string; h: NetnsHandle }> => {
    const { name, h } = ns.scratch();
    await createVeth(h, { name: "v0", up: true, peer: { name: "v1", up: true } });
    return { name, h };
  };

  it("adds an IPv4 address (with the broadcast ip would set) and lists it like ip -j", async () => {
    const { name, h } = await scratch();
    await addAddress(h, { link: "v0", address: parsePrefix("10.213.0.2/24") });
    const [info] = ipAddrs(name, "v0");
    assert.deepEqual([info?.family, info?.local, info?.prefixlen, info?.broadcast], ["inet", "10.213.0.2", 24, "10.213.0.255"]);
    const ours = await listAddresses(h, { link: "v0", family: 4 });
    assert.deepEqual(ours.map((a) => formatPrefix(a.address)), ["10.213.0.2/24"]);
    assert.equal(ours[0]?.index, (await getLink(h, "v0")).index);
    assert.equal(ours[0]?.label, "v0");
  });

  it("adds an IPv6 address with nodad: usable at once (not tentative)", async () => {
    const { name, h } = await scratch();
    await addAddress(h, { link: "v0", address: parsePrefix("fd00:213::2/64"), nodad: true });
    const [info] = ipAddrs(name, "v0");
    assert.deepEqual([info?.family, info?.local, info?.prefixlen, info?.nodad, info?.tentative], ["inet6", "fd00:213::2", 64, true, undefined]);
    const [ours] = (await listAddresses(h, { link: "v0", family: 6 })).filter((a) => a.scope === 0);
    assert.equal(ours === undefined ? "" : formatPrefix(ours.address), "fd00:213::2/64");
    assert.equal((ours?.flags ?? 0) & IFA_F_NODAD, IFA_F_NODAD);
    assert.equal((ours?.flags ?? 0) & IFA_F_TENTATIVE, 0);
  });

  it("lists by link and family, matching ip -j for every link", async () => {
    const { name, h } = await scratch();
    await addAddress(h, { link: "v0", address: parsePrefix("10.213.0.2/24") });
    await addAddress(h, { link: "v0", address: parsePrefix("10.213.9.2/16") });
    await addAddress(h, { link: "v1", address: parsePrefix("10.213.0.3/24") });
    await addAddress(h, { link: "v1", address: parsePrefix("fd00:213::3/64"), nodad: true });
    for (const dev of ["v0", "v1"]) {
      const ours = (await listAddresses(h, { link: dev })).map((a) => formatPrefix(a.address)).filter((a) => !a.startsWith("fe80:"));
      assert.deepEqual(ours.sort(), cidrs(ipAddrs(name, dev)), dev);
    }
    const v4 = await listAddresses(h, { family: 4 });
    const ipV4 = ipJson<Array<{ addr_info: IpAddrInfo[] }>>(["-4", "addr", "show"], name).flatMap((l) => l.addr_info);
    assert.deepEqual(v4.map((a) => formatPrefix(a.address)).sort(), cidrs(ipV4));
    assert.deepEqual(cidrs(ipV4), ["10.213.0.2/24", "10.213.0.3/24", "10.213.9.2/16"]);
    assert.ok((await listAddresses(h, { family: 6 })).every((a) => a.address.family === 6));
  });

  it("batches several RTM_NEWADDR built with addAddressRequest in one sendmsg", async () => {
    const { name, h } = await scratch();
    const index = (await getLink(h, "v0")).index;
    await h.route.batchOrThrow([
      addAddressRequest(index, { link: index, address: parsePrefix("10.213.1.2/24") }),
      addAddressRequest(index, { link: index, address: parsePrefix("fd00:213:1::2/64"), nodad: true }),
    ]);
    assert.deepEqual(cidrs(ipAddrs(name, "v0")), ["10.213.1.2/24", "fd00:213:1::2/64"]);
  });

  it("a duplicate is a typed conflict (EEXIST, kernel's text); replace accepts it", async () => {
    const { name, h } = await scratch();
    const v4 = parsePrefix("10.213.0.2/24");
    const v6 = parsePrefix("fd00:213::2/64");
    await addAddress(h, { link: "v0", address: v4 });
    await addAddress(h, { link: "v0", address: v6, nodad: true });
    await assert.rejects(addAddress(h, { link: "v0", address: v4 }), (err: unknown) => {
      isKernelError("EEXIST", "conflict")(err);
      assert.match((err as NetlinkError).extack, /Address already assigned/);
      return true;
    });
    await assert.rejects(addAddress(h, { link: "v0", address: v6, nodad: true }), isKernelError("EEXIST", "conflict"));
    await addAddress(h, { link: "v0", address: v4, replace: true });
    assert.deepEqual(cidrs(ipAddrs(name, "v0")), ["10.213.0.2/24", "fd00:213::2/64"]);
  });

  it("deletes v4 and v6 addresses; deleting a missing one is a typed not-found (EADDRNOTAVAIL)", async () => {
    const { name, h } = await scratch();
    const v4 = parsePrefix("10.213.0.2/24");
    const v6 = parsePrefix("fd00:213::2/64");
    await addAddress(h, { link: "v0", address: v4 });
    await addAddress(h, { link: "v0", address: v6, nodad: true });
    await deleteAddress(h, "v0", v4);
    assert.deepEqual(cidrs(ipAddrs(name, "v0")), ["fd00:213::2/64"]);
    await deleteAddress(h, "v0", v6);
    assert.deepEqual(cidrs(ipAddrs(name, "v0")), []);
    await assert.rejects(deleteAddress(h, "v0", v4), isKernelError("EADDRNOTAVAIL", "not-found"));
    await assert.rejects(deleteAddress(h, "v0", v6), (err: unknown) => {
      isKernelError("EADDRNOTAVAIL", "not-found")(err);
      assert.match((err as NetlinkError).extack, /ipv6: address not found/);
      return true;
    });
  });

  it("an unknown link is ENODEV (not-found); a bad prefix length is refused before the kernel", async () => {
    const { h } = await scratch();
    await assert.rejects(addAddress(h, { link: "nope0", address: parsePrefix("10.213.0.2/24") }), isKernelError("ENODEV", "not-found"));
    await assert.rejects(addAddress(h, { link: 4242, address: parsePrefix("10.213.0.2/24") }), isKernelError("ENODEV", "not-found"));
    const bad = { family: 4 as const, address: 0x0ad50002n, length: 33 };
    await assert.rejects(addAddress(h, { link: "v0", address: bad }), (err: unknown) =>
      err instanceof LibnetworkError && err.kind === "invalid-argument" && err.code === "ERR_INVALID_CIDR");
    await assert.rejects(deleteAddress(h, "v0", bad), (err: unknown) => err instanceof LibnetworkError && err.kind === "invalid-argument");
    await assert.rejects(addAddress(h, { link: "bad name", address: parsePrefix("10.213.0.2/24") }), (err: unknown) =>
      err instanceof LibnetworkError && err.code === "ERR_INVALID_IFNAME");
  });
});
