// Root integration tests of routes: default, on-link, metric + table, blackhole, replace, delete, list, errors, vs `ip -j route`.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LibnetworkError, NetlinkError } from "../errors/index.js";
import {
  NLM_F_ACK, NLM_F_REQUEST, RTPROT_BOOT, RTPROT_STATIC, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, encodeMessage,
  type NetlinkRequest,
} from "../netlink/index.js";
import { ifindexOf, messageOf } from "../netlink/testdata/expect.js";
import { GOLDEN } from "../netlink/testdata/golden.js";
import { ipJson, rootOnly } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { formatIp, formatPrefix, parseIp, parsePrefix } from "../types/index.js";
import { addAddress } from "./addr.js";
import type { NetnsHandle } from "./handle.js";
import { createVeth } from "./link-create.js";
import { getLink } from "./link.js";
import { addRoute, addRouteRequest, deleteRoute, deleteRouteRequest, listRoutes, type Route, type RouteSpec } from "./route.js";

interface IpRoute { type?: string; dst: string; gateway?: string; dev?: string; table?: string; metric?: number; protocol?: string; scope?: string; flags: string[] }

/** `ip -j [-4|-6] route show ARGS` in the netns (a leading "-4"/"-6" selects the family). */
function ipRoutes(netns: string, ...args: string[]): IpRoute[] {
  const family = args[0] === "-4" || args[0] === "-6" ? [args[0]] : [];
  return ipJson<IpRoute[]>([...family, "route", "show", ...args.slice(family.length)], netns);
}

/** One comparable line per route, from ip's JSON: "type dst via gw dev table". */
function ipKey(r: IpRoute, family: 4 | 6): string {
  const dst = r.dst === "default" ? (family === 4 ? "0.0.0.0/0" : "::/0") : r.dst.includes("/") ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`;
  const table = r.table === undefined ? "main" : r.table;
  return `${r.type ?? "unicast"} ${dst} via ${r.gateway ?? "-"} dev ${r.dev ?? "-"} table ${table}`;
}

function ourKey(r: Route, names: Map<number, string>): string {
  const table = r.table === RT_TABLE_MAIN ? "main" : r.table === 255 ? "local" : String(r.table);
  const gw = r.gateway === undefined ? "-" : formatIp(r.gateway);
  const dev = r.index === undefined ? "-" : names.get(r.index) ?? String(r.index);
  return `${r.type} ${formatPrefix(r.destination)} via ${gw} dev ${dev} table ${table}`;
}

function isKernelError(code: string, kind: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof NetlinkError, `expected a NetlinkError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind, err.message);
    if (err.extack !== "") assert.ok(err.message.includes(err.extack));
    return true;
  };
}

function isInvalidRoute(err: unknown): boolean {
  assert.ok(err instanceof LibnetworkError && !(err instanceof NetlinkError), `expected our own error, got ${String(err)}`);
  assert.equal(err.kind, "invalid-argument");
  assert.equal(err.code, "ERR_INVALID_ROUTE", err.message);
  return true;
}

describe("osl routes (root, scratch namespaces)", rootOnly, () => {
  const ns = useScratchNamespaces();

  /** A scratch netns with v0 (10.213.0.1/24, fd00:213::1/64) and its peer v1, both up. */
  const scratch = async (): Promise<{ name: string; h: NetnsHandle }> => {
    const { name, h } = ns.scratch();
    await createVeth(h, { name: "v0", up: true, peer: { name: "v1", up: true } });
    await addAddress(h, { link: "v0", address: parsePrefix("10.213.0.1/24") });
    await addAddress(h, { link: "v0", address: parsePrefix("fd00:213::1/64"), nodad: true });
    return { name, h };
  };

  it("default routes via a gateway (IPv4 and IPv6), with ip's protocol and scope", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { gateway: parseIp("10.213.0.254") });
    await addRoute(h, { gateway: parseIp("fd00:213::fe"), link: "v0" });
    const [v4] = ipRoutes(name, "default");
    assert.deepEqual([v4?.gateway, v4?.dev, v4?.protocol], ["10.213.0.254", "v0", undefined], "proto boot is what ip prints by omission");
    const [v6] = ipRoutes(name, "-6", "default");
    assert.deepEqual([v6?.gateway, v6?.dev], ["fd00:213::fe", "v0"]);
    const [ours] = (await listRoutes(h, { family: 4, table: RT_TABLE_MAIN })).filter((r) => r.destination.length === 0);
    assert.deepEqual([ours?.protocol, ours?.scope, ours?.type, ours?.index], [RTPROT_BOOT, RT_SCOPE_UNIVERSE, "unicast", (await getLink(h, "v0")).index]);
  });

  it("a device route without gateway gets link scope; protocol can be set", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { destination: parsePrefix("10.214.0.0/16"), link: "v0", protocol: RTPROT_STATIC, source: parseIp("10.213.0.1") });
    const [r] = ipRoutes(name, "10.214.0.0/16");
    assert.deepEqual([r?.dev, r?.scope, r?.protocol, (r as { prefsrc?: string } | undefined)?.prefsrc], ["v0", "link", "static", "10.213.0.1"]);
    const [ours] = (await listRoutes(h, { family: 4 })).filter((x) => x.destination.length === 16);
    assert.deepEqual([ours?.scope, ours?.protocol, ours?.source && formatIp(ours.source)], [RT_SCOPE_LINK, RTPROT_STATIC, "10.213.0.1"]);
  });

  it("an on-link gateway outside every local subnet (RTNH_F_ONLINK)", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { destination: parsePrefix("10.99.0.0/16"), gateway: parseIp("10.98.0.1"), link: "v0", onlink: true });
    const [r] = ipRoutes(name, "10.99.0.0/16");
    assert.deepEqual([r?.gateway, r?.dev, r?.flags.includes("onlink")], ["10.98.0.1", "v0", true]);
    await addRoute(h, { gateway: parseIp("169.254.1.1"), link: "v0", onlink: true });
    assert.equal(ipRoutes(name, "default")[0]?.gateway, "169.254.1.1");
    const ours = (await listRoutes(h, { family: 4, link: "v0" })).filter((x) => x.onlink);
    assert.equal(ours.length, 2);
  });

  it("a gateway on no local subnet without onlink is ENETUNREACH with the kernel's text", async () => {
    const { name, h } = await scratch();
    await assert.rejects(addRoute(h, { destination: parsePrefix("10.99.0.0/16"), gateway: parseIp("10.98.0.1") }), (err: unknown) => {
      assert.ok(err instanceof NetlinkError);
      assert.equal(err.code, "ENETUNREACH");
      assert.equal(err.errno, 101);
      assert.match(err.extack, /Nexthop has invalid gateway/);
      assert.ok(err.message.includes(err.extack));
      return true;
    });
    assert.deepEqual(ipRoutes(name, "10.99.0.0/16"), []);
  });

  it("metric and table (< 256 in rtm_table, larger ids in RTA_TABLE)", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { destination: parsePrefix("10.77.0.0/16"), gateway: parseIp("10.213.0.3"), metric: 50, table: 1000 });
    await addRoute(h, { destination: parsePrefix("10.78.0.0/16"), link: "v0", metric: 7, table: 100 });
    await addRoute(h, { destination: parsePrefix("fd00:77::/48"), gateway: parseIp("fd00:213::3"), metric: 300, table: 70000 });
    const [t1000] = ipRoutes(name, "table", "1000");
    assert.deepEqual([t1000?.dst, t1000?.gateway, t1000?.metric], ["10.77.0.0/16", "10.213.0.3", 50]);
    const [t100] = ipRoutes(name, "table", "100");
    assert.deepEqual([t100?.dst, t100?.metric], ["10.78.0.0/16", 7]);
    const [t70000] = ipRoutes(name, "-6", "table", "70000");
    assert.deepEqual([t70000?.dst, t70000?.gateway, t70000?.metric], ["fd00:77::/48", "fd00:213::3", 300]);
    assert.deepEqual(ipRoutes(name, "10.77.0.0/16"), [], "not in main");
    const ours = await listRoutes(h, { table: 1000 });
    assert.deepEqual(ours.map((r) => [formatPrefix(r.destination), r.metric, r.table]), [["10.77.0.0/16", 50, 1000]]);
    assert.deepEqual((await listRoutes(h, { table: 70000 })).map((r) => [formatPrefix(r.destination), r.metric]), [["fd00:77::/48", 300]]);
    assert.deepEqual(await listRoutes(h, { table: 4000 }), [], "a table that does not exist has no routes");
    assert.deepEqual(await listRoutes(h, { table: 4000, family: 4 }), []);
  });

  it("blackhole, unreachable and prohibit routes", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { destination: parsePrefix("10.66.0.0/16"), type: "blackhole" });
    await addRoute(h, { destination: parsePrefix("10.67.0.0/16"), type: "unreachable" });
    await addRoute(h, { destination: parsePrefix("fd00:66::/48"), type: "prohibit" });
    assert.deepEqual(ipRoutes(name, "10.66.0.0/16").map((r) => r.type), ["blackhole"]);
    assert.deepEqual(ipRoutes(name, "10.67.0.0/16").map((r) => r.type), ["unreachable"]);
    assert.deepEqual(ipRoutes(name, "-6", "fd00:66::/48").map((r) => r.type), ["prohibit"]);
    const types = (await listRoutes(h, { table: RT_TABLE_MAIN })).filter((r) => r.type !== "unicast").map((r) => r.type).sort();
    assert.deepEqual(types, ["blackhole", "prohibit", "unreachable"]);
  });

  it("replace swaps a route's gateway; a plain duplicate is EEXIST (typed conflict)", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { gateway: parseIp("10.213.0.254") });
    await assert.rejects(addRoute(h, { gateway: parseIp("10.213.0.254") }), isKernelError("EEXIST", "conflict"));
    await addRoute(h, { gateway: parseIp("10.213.0.253"), replace: true });
    assert.deepEqual(ipRoutes(name, "default").map((r) => r.gateway), ["10.213.0.253"]);
  });

  it("delete by destination (default, table, type); deleting a missing route is ESRCH (not-found)", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { gateway: parseIp("10.213.0.254") });
    await addRoute(h, { destination: parsePrefix("10.77.0.0/16"), gateway: parseIp("10.213.0.3"), table: 1000 });
    await addRoute(h, { destination: parsePrefix("10.66.0.0/16"), type: "blackhole" });
    await addRoute(h, { gateway: parseIp("fd00:213::fe"), link: "v0" });
    await deleteRoute(h, { family: 4 });
    await deleteRoute(h, { destination: parsePrefix("10.77.0.0/16"), table: 1000 });
    await deleteRoute(h, { destination: parsePrefix("10.66.0.0/16"), type: "blackhole" });
    await deleteRoute(h, { gateway: parseIp("fd00:213::fe") });
    assert.deepEqual(ipRoutes(name, "default"), []);
    assert.deepEqual(ipRoutes(name, "-6", "default"), []);
    assert.deepEqual(ipRoutes(name, "table", "1000"), []);
    assert.deepEqual(ipRoutes(name, "10.66.0.0/16"), []);
    await assert.rejects(deleteRoute(h, { destination: parsePrefix("10.55.0.0/16") }), isKernelError("ESRCH", "not-found"));
  });

  it("listRoutes of every table matches `ip -j route show table all`", async () => {
    const { name, h } = await scratch();
    await addRoute(h, { gateway: parseIp("10.213.0.254") });
    await addRoute(h, { destination: parsePrefix("10.99.0.0/16"), gateway: parseIp("10.98.0.1"), link: "v0", onlink: true });
    await addRoute(h, { destination: parsePrefix("10.77.0.0/16"), gateway: parseIp("10.213.0.3"), metric: 50, table: 1000 });
    await addRoute(h, { destination: parsePrefix("10.66.0.0/16"), type: "blackhole" });
    await addRoute(h, { gateway: parseIp("fd00:213::fe"), link: "v0" });
    const devs = new Map(ipJson<Array<{ ifindex: number; ifname: string }>>(["link", "show"], name).map((l) => [l.ifindex, l.ifname]));
    const theirs = [
      ...ipRoutes(name, "-4", "table", "all").map((r) => ipKey(r, 4)),
      ...ipRoutes(name, "-6", "table", "all").map((r) => ipKey(r, 6)),
    ].sort();
    const ours = (await listRoutes(h)).map((r) => ourKey(r, devs)).sort();
    assert.deepEqual(ours, theirs);
    assert.ok(ours.includes("unicast 10.77.0.0/16 via 10.213.0.3 dev v0 table 1000"));
    assert.ok(ours.some((k) => k.startsWith("local 10.213.0.1/32")));
    const v1 = (await getLink(h, "v1")).index;
    assert.ok((await listRoutes(h, { link: "v1" })).every((r) => r.index === v1));
    assert.ok((await listRoutes(h, { family: 6 })).every((r) => r.family === 6));
  });

  it("addRouteRequest builds requests to batch in one sendmsg", async () => {
    const { name, h } = await scratch();
    const index = (await getLink(h, "v0")).index;
    await h.route.batchOrThrow([
      addRouteRequest(index, { destination: parsePrefix("10.80.0.0/16"), link: index }),
      addRouteRequest(undefined, { destination: parsePrefix("10.81.0.0/16"), gateway: parseIp("10.213.0.9") }),
    ]);
    assert.deepEqual(ipRoutes(name, "root", "10.80.0.0/15").map((r) => r.dst).sort(), ["10.80.0.0/16", "10.81.0.0/16"]);
  });

  it("unknown links are ENODEV (not-found)", async () => {
    const { h } = await scratch();
    await assert.rejects(addRoute(h, { destination: parsePrefix("10.55.0.0/16"), link: "nope0" }), isKernelError("ENODEV", "not-found"));
    await assert.rejects(addRoute(h, { destination: parsePrefix("10.55.0.0/16"), link: 4242 }), isKernelError("ENODEV", "not-found"));
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

describe("osl route requests (no root)", () => {
  it("are byte for byte what `ip route add` sends: default via a gateway, and an on-link gateway", () => {
    const vgB = ifindexOf("vgB");
    assertSameAsIproute2("route-default", addRouteRequest(vgB, { gateway: parseIp("10.99.0.254"), link: vgB }));
    assertSameAsIproute2("route-onlink", addRouteRequest(vgB, {
      destination: parsePrefix("10.98.0.0/16"), gateway: parseIp("10.97.0.1"), link: vgB, onlink: true,
    }));
  });

  it("describe what they do, for error messages", () => {
    assert.equal(addRouteRequest(0, { gateway: parseIp("10.0.0.1") }).describe, "add route default (IPv4) via 10.0.0.1");
    assert.equal(addRouteRequest(0, { destination: parsePrefix("10.1.0.0/16"), type: "blackhole", table: 9, replace: true }).describe,
      "replace route blackhole 10.1.0.0/16 table 9");
    assert.equal(deleteRouteRequest(3, { destination: parsePrefix("fd00::/64") }).describe, "delete route fd00::/64");
  });

  it("invalid specs are refused before any kernel call (invalid-argument)", async () => {
    const calls: string[] = [];
    const refuse = async (r: { describe: string }): Promise<never> => {
      calls.push(r.describe);
      throw new Error("kernel called");
    };
    const fake = { route: { request: refuse, batch: refuse } } as unknown as NetnsHandle;
    const v4 = parsePrefix("10.55.0.0/16");
    const bad: RouteSpec[] = [
      { destination: v4, gateway: parseIp("fd00::1") },
      { family: 6, gateway: parseIp("10.0.0.1") },
      { destination: v4, link: "v0", source: parseIp("fd00::1") },
      { link: "v0" },
      { destination: parsePrefix("10.55.0.1/16"), link: "v0" },
      { destination: v4 },
      { destination: v4, link: "v0", table: 0 },
      { destination: v4, link: "v0", table: 252 },
      { destination: v4, link: "v0", table: 2 ** 32 },
      { destination: v4, link: "v0", table: 1.5 },
      { destination: v4, link: "v0", metric: -1 },
      { destination: v4, link: "v0", protocol: 256 },
      { destination: v4, link: "v0", scope: "galaxy" as "link" },
      { destination: v4, type: "blackhole", gateway: parseIp("10.0.0.1") },
      { destination: v4, type: "prohibit", link: "v0" },
      { destination: v4, type: "local" as "unicast", link: "v0" },
      { destination: v4, gateway: parseIp("10.0.0.1"), onlink: true },
      { destination: v4, link: "v0", onlink: true },
    ];
    for (const spec of bad) {
      await assert.rejects(addRoute(fake, spec), isInvalidRoute, JSON.stringify(spec, (_k, v: unknown) => typeof v === "bigint" ? String(v) : v));
      assert.throws(() => addRouteRequest(1, spec), isInvalidRoute);
    }
    await assert.rejects(addRoute(fake, { destination: v4, link: "bad name" }), (err: unknown) => err instanceof LibnetworkError && err.code === "ERR_INVALID_IFNAME");
    await assert.rejects(deleteRoute(fake, { destination: v4, table: 0 }), isInvalidRoute);
    await assert.rejects(listRoutes(fake, { table: 252 }), isInvalidRoute);
    assert.deepEqual(calls, []);
  });
});
