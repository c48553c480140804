// Root integration tests of neighbours (vs `ip -j neigh`) and FDB entries on VXLAN and bridge ports (vs `bridge -j fdb`).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LibnetworkError, NetlinkError } from "../errors/index.js";
import {
  NLM_F_ACK, NLM_F_REQUEST, NTF_MASTER, NTF_SELF, NUD_NOARP, NUD_PERMANENT, encodeMessage, type NetlinkRequest,
} from "../netlink/index.js";
import { ifindexOf, messageOf } from "../netlink/testdata/expect.js";
import { GOLDEN } from "../netlink/testdata/golden.js";
import { ipJson, rootOnly, run } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { formatIp, parseIp, parsePrefix } from "../types/index.js";
import { addAddress } from "./addr.js";
import type { NetnsHandle } from "./handle.js";
import { createBridge, createVeth, createVxlan } from "./link-create.js";
import { getLink } from "./link.js";
import {
  addFdb, addFdbRequest, addNeighbour, addNeighbourRequest, deleteFdb, deleteNeighbour, listFdb, listNeighbours,
  neighbourStateNames, type FdbEntry,
} from "./neigh.js";

interface IpNeigh { dst: string; dev: string; lladdr?: string; state: string[] }
interface BridgeFdb { mac: string; dst?: string; vni?: number; flags: string[]; master?: string; state: string }

/** `ip -j neigh show dev DEV`, without entries the kernel makes by itself for traffic (incomplete, stale …). */
const ipNeigh = (netns: string, dev: string): IpNeigh[] =>
  ipJson<IpNeigh[]>(["neigh", "show", "dev", dev, "nud", "permanent"], netns);

function bridgeFdb(netns: string, dev: string): BridgeFdb[] {
  const out = run("bridge", ["-n", netns, "-j", "fdb", "show", "dev", dev]).trim();
  return out === "" ? [] : JSON.parse(out) as BridgeFdb[];
}

const fdbKey = (mac: string, dst: string | undefined, vni?: number): string => `${mac} ${dst ?? "-"} ${vni ?? "-"}`;
const oursKey = (e: FdbEntry): string => fdbKey(e.mac, e.dst && formatIp(e.dst), e.vni);

function isKernelError(code: string, kind: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof NetlinkError, `expected a NetlinkError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind, err.message);
    if (err.extack !== "") assert.ok(err.message.includes(err.extack));
    return true;
  };
}

function isInvalid(code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof LibnetworkError && !(err instanceof NetlinkError), `expected our own error, got ${String(err)}`);
    assert.equal(err.kind, "invalid-argument");
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe("osl neighbours and FDB entries (root, scratch namespaces)", rootOnly, () => {
  const ns = useScratchNamespaces();

  /**
   * A scratch netns with veth v0 (10.213.0.1/24, up) / v1, a VXLAN device vx0 (vni 42, learning off) and a
   * bridge br0 with port p0 (peer p1).
   */
  const scratch = async (): Promise<{ name: string; h: NetnsHandle }> => {
    const { name, h } = ns.scratch();
    await createVeth(h, { name: "v0", up: true, peer: { name: "v1", up: true } });
    await addAddress(h, { link: "v0", address: parsePrefix("10.213.0.1/24") });
    await createVxlan(h, { name: "vx0", vni: 42, local: parseIp("10.213.0.1"), learning: false, up: true });
    await createBridge(h, { name: "br0", up: true });
    await createVeth(h, { name: "p0", master: "br0", up: true, peer: { name: "p1", up: true } });
    return { name, h };
  };

  it("adds permanent IPv4 and IPv6 neighbours, listed like ip -j neigh", async () => {
    const { name, h } = await scratch();
    await addNeighbour(h, { link: "v0", ip: parseIp("10.213.0.9"), mac: "02:42:0a:d5:00:09" });
    await addNeighbour(h, { link: "v0", ip: parseIp("fd00:213::9"), mac: "02:42:0a:d5:00:19" });
    const theirs = ipNeigh(name, "v0").map((n) => [n.dst, n.lladdr, n.state.join(",")]).sort();
    assert.deepEqual(theirs, [["10.213.0.9", "02:42:0a:d5:00:09", "PERMANENT"], ["fd00:213::9", "02:42:0a:d5:00:19", "PERMANENT"]]);
    const v0 = (await getLink(h, "v0")).index;
    const ours = await listNeighbours(h, { link: "v0" });
    assert.ok(ours.every((n) => n.index === v0));
    const mine = ours.filter((n) => n.state === NUD_PERMANENT).map((n) => [formatIp(n.ip), n.mac, neighbourStateNames(n.state).join(",").toUpperCase()]).sort();
    assert.deepEqual(mine, theirs);
    assert.deepEqual((await listNeighbours(h, { link: "v0", family: 4 })).map((n) => formatIp(n.ip)), ["10.213.0.9"]);
    assert.ok((await listNeighbours(h, { family: 6 })).every((n) => n.ip.family === 6));
  });

  it("other states, replace, and a duplicate as EEXIST (typed conflict)", async () => {
    const { name, h } = await scratch();
    const ip = parseIp("10.213.0.10");
    await addNeighbour(h, { link: "v0", ip, mac: "02:42:0a:d5:00:0a", state: "stale" });
    const stale = ipJson<IpNeigh[]>(["neigh", "show", "dev", "v0", "nud", "stale"], name);
    assert.deepEqual(stale.find((n) => n.dst === "10.213.0.10")?.state, ["STALE"]);
    await assert.rejects(addNeighbour(h, { link: "v0", ip, mac: "02:42:0a:d5:00:0a" }), isKernelError("EEXIST", "conflict"));
    await addNeighbour(h, { link: "v0", ip, mac: "02:42:0a:d5:00:0b", replace: true });
    const n = ipNeigh(name, "v0").find((x) => x.dst === "10.213.0.10");
    assert.deepEqual([n?.lladdr, n?.state], ["02:42:0a:d5:00:0b", ["PERMANENT"]]);
    assert.deepEqual(neighbourStateNames(0), ["none"]);
  });

  it("deletes neighbours; deleting a missing one is ENOENT (not-found); batching with addNeighbourRequest", async () => {
    const { name, h } = await scratch();
    const v0 = (await getLink(h, "v0")).index;
    await h.route.batchOrThrow([
      addNeighbourRequest(v0, { link: v0, ip: parseIp("10.213.0.11"), mac: "02:42:0a:d5:00:0b" }),
      addNeighbourRequest(v0, { link: v0, ip: parseIp("fd00:213::11"), mac: "02:42:0a:d5:00:1b" }),
    ]);
    assert.deepEqual(ipNeigh(name, "v0").map((n) => n.dst).sort(), ["10.213.0.11", "fd00:213::11"]);
    await deleteNeighbour(h, "v0", parseIp("10.213.0.11"));
    await deleteNeighbour(h, v0, parseIp("fd00:213::11"));
    assert.deepEqual(ipNeigh(name, "v0"), []);
    await assert.rejects(deleteNeighbour(h, "v0", parseIp("10.213.0.11")), isKernelError("ENOENT", "not-found"));
    await assert.rejects(deleteNeighbour(h, "nope0", parseIp("10.213.0.11")), isKernelError("ENODEV", "not-found"));
  });

  it("VXLAN FDB: a MAC to a remote VTEP with a VNI, and appended 00:00:00:00:00:00 entries for flooding", async () => {
    const { name, h } = await scratch();
    await addFdb(h, { link: "vx0", mac: "02:42:0a:00:00:05", dst: parseIp("10.213.0.7"), vni: 100 });
    await addFdb(h, { link: "vx0", mac: "00:00:00:00:00:00", dst: parseIp("10.213.0.5"), append: true });
    await addFdb(h, { link: "vx0", mac: "00:00:00:00:00:00", dst: parseIp("10.213.0.6"), append: true });
    const theirs = bridgeFdb(name, "vx0");
    assert.ok(theirs.every((e) => e.flags.includes("self") && e.state === "permanent"));
    const expected = [
      fdbKey("00:00:00:00:00:00", "10.213.0.5"), fdbKey("00:00:00:00:00:00", "10.213.0.6"), fdbKey("02:42:0a:00:00:05", "10.213.0.7", 100),
    ];
    assert.deepEqual(theirs.map((e) => fdbKey(e.mac, e.dst, e.vni)).sort(), expected);
    const ours = await listFdb(h, { link: "vx0" });
    assert.deepEqual(ours.map(oursKey).sort(), expected);
    assert.ok(ours.every((e) => e.self && e.state === (NUD_PERMANENT | NUD_NOARP) && (e.flags & NTF_SELF) !== 0));
    await assert.rejects(addFdb(h, { link: "vx0", mac: "00:00:00:00:00:00", dst: parseIp("10.213.0.8") }), isKernelError("EEXIST", "conflict"));
  });

  it("VXLAN FDB delete: one remote of an appended entry, then whole entries; missing is ENOENT", async () => {
    const { name, h } = await scratch();
    const vx0 = (await getLink(h, "vx0")).index;
    await h.route.batchOrThrow([
      addFdbRequest(vx0, { link: vx0, mac: "00:00:00:00:00:00", dst: parseIp("10.213.0.5"), append: true }),
      addFdbRequest(vx0, { link: vx0, mac: "00:00:00:00:00:00", dst: parseIp("10.213.0.6"), append: true }),
      addFdbRequest(vx0, { link: vx0, mac: "02:42:0a:00:00:05", dst: parseIp("10.213.0.7") }),
    ]);
    await deleteFdb(h, { link: "vx0", mac: "00:00:00:00:00:00", dst: parseIp("10.213.0.5") });
    assert.deepEqual(bridgeFdb(name, "vx0").map((e) => fdbKey(e.mac, e.dst)).sort(), [
      fdbKey("00:00:00:00:00:00", "10.213.0.6"), fdbKey("02:42:0a:00:00:05", "10.213.0.7"),
    ]);
    await deleteFdb(h, { link: "vx0", mac: "02:42:0a:00:00:05" });
    await deleteFdb(h, { link: vx0, mac: "00:00:00:00:00:00", dst: parseIp("10.213.0.6") });
    assert.deepEqual(bridgeFdb(name, "vx0"), []);
    assert.deepEqual(await listFdb(h, { link: "vx0" }), []);
    await assert.rejects(deleteFdb(h, { link: "vx0", mac: "02:42:0a:00:00:05" }), isKernelError("ENOENT", "not-found"));
  });

  it("bridge FDB: a static entry in the bridge's table (master) of a port, listed by port and by bridge", async () => {
    const { name, h } = await scratch();
    await addFdb(h, { link: "p0", mac: "02:42:0a:00:00:77", master: true, state: "static" });
    const theirs = bridgeFdb(name, "p0").find((e) => e.mac === "02:42:0a:00:00:77");
    assert.deepEqual([theirs?.master, theirs?.state, theirs?.flags.includes("self")], ["br0", "static", false]);
    const br0 = (await getLink(h, "br0")).index;
    const byPort = (await listFdb(h, { link: "p0" })).find((e) => e.mac === "02:42:0a:00:00:77");
    assert.deepEqual([byPort?.master, byPort?.self, byPort?.state, (byPort?.flags ?? 0) & NTF_MASTER],
      [br0, false, NUD_NOARP, 0], "the kernel reports bridge entries without NTF_MASTER, with NDA_MASTER");
    assert.ok((await listFdb(h, { master: "br0" })).some((e) => e.mac === "02:42:0a:00:00:77"));
    // The oracle's list for the port agrees with ours (learned entries come and go: left out).
    const ours = (await listFdb(h, { link: "p0" })).filter((e) => (e.state & (NUD_PERMANENT | NUD_NOARP)) !== 0);
    assert.deepEqual(ours.map((e) => e.mac).sort(), bridgeFdb(name, "p0").filter((e) => e.state !== "").map((e) => e.mac).sort());
    await deleteFdb(h, { link: "p0", mac: "02:42:0a:00:00:77", master: true });
    assert.equal(bridgeFdb(name, "p0").find((e) => e.mac === "02:42:0a:00:00:77"), undefined);
  });

  it("the kernel's refusals: an IPv6 VTEP on an IPv4 VXLAN device (EAFNOSUPPORT)", async () => {
    const { h } = await scratch();
    await assert.rejects(addFdb(h, { link: "vx0", mac: "02:42:0a:00:00:06", dst: parseIp("fd00::1") }), isKernelError("EAFNOSUPPORT", "invalid-argument"));
    await assert.rejects(addFdb(h, { link: "nope0", mac: "02:42:0a:00:00:06" }), isKernelError("ENODEV", "not-found"));
  });
});

/** Wraps our request like iproute2 did (same seq and pid) and compares whole messages with its captured bytes. */
function assertSameAsIproute2(name: string, request: NetlinkRequest): void {
  const captured = GOLDEN.requests[name]?.hex[0];
  assert.ok(captured !== undefined, name);
  const theirs = messageOf({ hex: captured });
  assert.equal(theirs.type, request.type, `${name}: type`);
  assert.equal(theirs.flags, NLM_F_REQUEST | NLM_F_ACK | (request.flags ?? 0), `${name}: flags`);
  const ours = encodeMessage({ type: request.type, flags: theirs.flags, seq: theirs.seq, pid: theirs.pid }, request.payload);
  assert.equal(ours.toString("hex"), captured, `${name}: ${GOLDEN.requests[name]?.cmd ?? ""}`);
}

describe("osl neighbour and FDB requests (no root)", () => {
  it("are byte for byte what `ip neigh add` and `bridge fdb add/append … self permanent` send", () => {
    const vgB = ifindexOf("vgB");
    const vxg0 = ifindexOf("vxg0");
    assertSameAsIproute2("neigh", addNeighbourRequest(vgB, { link: vgB, ip: parseIp("10.99.0.2"), mac: "02:42:0a:63:00:02" }));
    assertSameAsIproute2("fdb", addFdbRequest(vxg0, { link: vxg0, mac: "02:42:0a:63:00:03", dst: parseIp("10.99.0.3") }));
    assertSameAsIproute2("fdb-append", addFdbRequest(vxg0, {
      link: vxg0, mac: "00:00:00:00:00:00", dst: parseIp("10.99.0.4"), self: true, append: true,
    }));
  });

  it("bad MACs, VNIs, ports, VLANs, states and flag mixes are refused before any kernel call", async () => {
    const calls: string[] = [];
    const refuse = async (r: { describe: string }): Promise<never> => {
      calls.push(r.describe);
      throw new Error("kernel called");
    };
    const fake = { route: { request: refuse, batch: refuse } } as unknown as NetnsHandle;
    const ip = parseIp("10.213.0.9");
    await assert.rejects(addNeighbour(fake, { link: "v0", ip, mac: "02:42:0a:d5:00" }), isInvalid("ERR_INVALID_MAC"));
    await assert.rejects(addNeighbour(fake, { link: "v0", ip, mac: "02:42:0a:d5:00:09", state: "bogus" as "stale" }), isInvalid("ERR_INVALID_NEIGHBOUR"));
    await assert.rejects(addNeighbour(fake, { link: "bad/name", ip, mac: "02:42:0a:d5:00:09" }), isInvalid("ERR_INVALID_IFNAME"));
    const fdb = { link: "vx0", mac: "02:42:0a:00:00:05" };
    await assert.rejects(addFdb(fake, { ...fdb, mac: "zz:42:0a:00:00:05" }), isInvalid("ERR_INVALID_MAC"));
    await assert.rejects(addFdb(fake, { ...fdb, vni: 1 << 24 }), isInvalid("ERR_INVALID_VNI"));
    await assert.rejects(addFdb(fake, { ...fdb, port: 70000 }), isInvalid("ERR_INVALID_PORT"));
    await assert.rejects(addFdb(fake, { ...fdb, vlan: 4095 }), isInvalid("ERR_INVALID_VLAN"));
    await assert.rejects(addFdb(fake, { ...fdb, state: "dynamic" as "static" }), isInvalid("ERR_INVALID_FDB"));
    await assert.rejects(addFdb(fake, { ...fdb, append: true, replace: true }), isInvalid("ERR_INVALID_NEIGHBOUR"));
    await assert.rejects(deleteFdb(fake, { ...fdb, vni: -1 }), isInvalid("ERR_INVALID_VNI"));
    await assert.rejects(addFdb(fake, { ...fdb, link: "a b" }), isInvalid("ERR_INVALID_IFNAME"));
    assert.deepEqual(calls, []);
  });
});
