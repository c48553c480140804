// Root test of the nfnetlink path for port maps in a scratch netns, checked with `nft -j list map`.

import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { NetlinkError } from "../errors/index.js";
import { netfilterIn, rootOnly, run, tryRun, uniqueName } from "../testing/kernel.js";
import { parseIp, parsePrefix } from "../types/index.js";
import type { FirewallNetwork, PortMapping } from "./contract.js";
import { commandRunner, type CommandRunner } from "./exec.js";
import { NfnlElementWriter } from "./nfnl-writer.js";
import { NftablesBackend } from "./nftables.js";
import { dnetTable } from "./rules.js";

const NET: FirewallNetwork = { id: "net-n", bridge: "brn", subnets4: [parsePrefix("10.203.0.1/24")],
  subnets6: [parsePrefix("fd00:203::1/64")], internal: false, icc: true, masquerade: true };
const C4 = parseIp("10.203.0.2");
const C6 = parseIp("fd00:203::2");
const MAPPINGS: readonly PortMapping[] = [
  { proto: "tcp", hostPort: 8080, hostPortEnd: 8080, containerIp: C4, containerPort: 80 },
  { proto: "udp", hostPort: 5353, hostPortEnd: 5353, containerIp: C4, containerPort: 53 },
  { proto: "tcp", hostPort: 18000, hostPortEnd: 18002, containerIp: C4, containerPort: 9000 },
  { proto: "tcp", hostPort: 8443, hostPortEnd: 8443, containerIp: C6, containerPort: 443 },
  { proto: "tcp", hostIp: parseIp("192.0.2.7"), hostPort: 8081, hostPortEnd: 8081, containerIp: C4, containerPort: 80 },
  { proto: "udp", hostIp: parseIp("2001:db8::7"), hostPort: 8082, hostPortEnd: 8082, containerIp: C6, containerPort: 82 },
];

/** Sockets this process holds (to see that close() releases ours). */
function socketFds(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try { if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) n++; } catch { /* closed meanwhile */ }
  }
  return n;
}

describe("nftables backend: port maps over nfnetlink", rootOnly, () => {
  const ns = uniqueName("tnfnl");
  const calls: string[][] = [];
  let fw: NftablesBackend;
  let netfilter: ReturnType<typeof netfilterIn> | undefined;
  let socketsBefore = 0;

  const nft = (...args: string[]): string => run("ip", ["netns", "exec", ns, "nft", ...args]);
  /** Elements of one map as `key : value` text, from nft's JSON (the independent oracle). */
  const elements = (map: string): string[] => {
    const doc = JSON.parse(nft("-j", "list", "map", "inet", "dnet", map)) as { nftables: Array<{ map?: { elem?: unknown[] } }> };
    const part = (v: unknown): string => (typeof v === "object" && v !== null && "range" in v
      ? (v as { range: unknown[] }).range.map(String).join("-") : String(v));
    const text = (v: unknown): string => (typeof v === "object" && v !== null && "concat" in v
      ? (v as { concat: unknown[] }).concat.map(part).join(" . ") : part(v));
    const elem = doc.nftables.find((i) => i.map !== undefined)?.map?.elem ?? [];
    return elem.map((e) => (e as unknown[]).map(text).join(" : ")).sort();
  };
  const nftFiles = (): number => calls.filter((c) => c[0] === "nft" && c[1] === "-f").length;

  before(async () => {
    run("ip", ["netns", "add", ns]);
    run("ip", ["-n", ns, "link", "add", NET.bridge, "type", "bridge"]);
    const inner = commandRunner(ns);
    const runner: CommandRunner = async (cmd, args, input) => { calls.push([cmd, ...args]); return inner(cmd, args, input); };
    netfilter = netfilterIn(ns);
    socketsBefore = socketFds();
    fw = new NftablesBackend({ netns: ns, runner, openNetfilter: netfilter.open, nfnetlink: true, iptablesCompat: false });
    await fw.addNetwork(NET);
  });

  after(async () => {
    await fw?.close();
    netfilter?.close();
    tryRun("ip", ["netns", "del", ns]);
  });

  test("publish and unpublish tcp, udp, a range, v4 and v6, with and without a host address: no nft run", async () => {
    const runs = nftFiles();
    await fw.addPortMappings(NET.id, "ep1", MAPPINGS);
    assert.deepEqual(elements("ports4"), [
      "tcp . 18000 : 10.203.0.2 . 9000", "tcp . 18001 : 10.203.0.2 . 9001", "tcp . 18002 : 10.203.0.2 . 9002",
      "tcp . 8080 : 10.203.0.2 . 80", "udp . 5353 : 10.203.0.2 . 53",
    ]);
    assert.deepEqual(elements("ports6"), ["tcp . 8443 : fd00:203::2 . 443"]);
    assert.deepEqual(elements("hostports4"), ["192.0.2.7 . tcp . 8081 : 10.203.0.2 . 80"]);
    assert.deepEqual(elements("hostports6"), ["2001:db8::7 . udp . 8082 : fd00:203::2 . 82"]);
    await fw.removePortMappings(NET.id, "ep1");
    for (const m of ["ports4", "ports6", "hostports4", "hostports6"]) assert.deepEqual(elements(m), [], m);
    assert.equal(nftFiles(), runs, "both changes went through the socket");
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  });

  test("a duplicate host port is still a typed conflict and changes nothing", async () => {
    const first = MAPPINGS[0] as PortMapping;
    await fw.addPortMappings(NET.id, "ep1", [first]);
    await assert.rejects(fw.addPortMappings(NET.id, "ep2", [{ ...first, containerIp: parseIp("10.203.0.3") }]),
      { code: "ERR_FIREWALL_PORT_IN_USE" });
    assert.deepEqual(elements("ports4"), ["tcp . 8080 : 10.203.0.2 . 80"]);
  });

  test("the kernel's refusal is a NetlinkError with its text, and aborts the whole batch", async () => {
    const writer = NfnlElementWriter.open((netfilter as NonNullable<typeof netfilter>).open);
    try {
      const add = new Map([
        ["ports6", [{ key: [{ t: "proto" as const, v: "tcp" as const }, { t: "port" as const, v: 9999 }], data: [{ t: "addr" as const, v: C6 }, { t: "port" as const, v: 1 }] }]],
        // tcp . 8080 is in the map with another value.
        ["ports4", [{ key: [{ t: "proto" as const, v: "tcp" as const }, { t: "port" as const, v: 8080 }], data: [{ t: "addr" as const, v: C4 }, { t: "port" as const, v: 81 }] }]],
      ]);
      const err = await writer.apply([dnetTable()], add, new Map()).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof NetlinkError, String(err));
      assert.equal(err.operation, "NFT_MSG_NEWSETELEM dnet ports4");
      // nf_tables sends no extack text for an element clash; the errno maps to a typed conflict.
      assert.equal(err.code, "EEXIST", err.message);
      assert.equal(err.kind, "conflict");
      assert.deepEqual(elements("ports6"), [], "the valid ports6 element of the same batch was not applied");
      assert.deepEqual(elements("ports4"), ["tcp . 8080 : 10.203.0.2 . 80"]);
      const missing = await writer.apply([dnetTable("nosuch")], add, new Map()).then(() => undefined, (e: unknown) => e);
      assert.ok(missing instanceof NetlinkError && missing.code === "ENOENT", String(missing));
    } finally {
      writer.close();
    }
  });

  test("unpublish after someone deleted the table: the fallback rewrites the table with the desired state", async () => {
    await fw.addPortMappings(NET.id, "ep3", [{ proto: "udp", hostPort: 7000, hostPortEnd: 7000, containerIp: C4, containerPort: 70 }]);
    nft("delete", "table", "inet", "dnet");
    const runs = nftFiles();
    await fw.removePortMappings(NET.id, "ep3");
    assert.equal(nftFiles(), runs + 1, "one `nft -f` rewrite");
    assert.deepEqual(elements("ports4"), ["tcp . 8080 : 10.203.0.2 . 80"], "ep1 stays, ep3 is gone");
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    nft("delete", "table", "inet", "dnet");
    await fw.addPortMappings(NET.id, "ep3", [{ proto: "udp", hostPort: 7000, hostPortEnd: 7000, containerIp: C4, containerPort: 70 }]);
    assert.deepEqual(elements("ports4"), ["tcp . 8080 : 10.203.0.2 . 80", "udp . 7000 : 10.203.0.2 . 70"]);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  });

  test("a range onto the same ports is one interval element per family; one mapping of several goes alone; no nft run, no drift", async () => {
    const runs = nftFiles();
    const range4: PortMapping = { proto: "tcp", hostPort: 10000, hostPortEnd: 19999, containerIp: C4, containerPort: 10000 };
    const range6: PortMapping = { proto: "udp", hostIp: parseIp("2001:db8::7"), hostPort: 20000, hostPortEnd: 29999, containerIp: C6, containerPort: 20000 };
    const single: PortMapping = { proto: "tcp", hostPort: 9090, hostPortEnd: 9090, containerIp: C4, containerPort: 90 };
    await fw.addPortMappings(NET.id, "ep4", [range4, range6, single]);
    assert.deepEqual(elements("ranges4"), ["tcp . 10000-19999 : 10.203.0.2"]);
    assert.deepEqual(elements("hostranges6"), ["2001:db8::7 . udp . 20000-29999 : fd00:203::2"]);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    await assert.rejects(fw.addPortMappings(NET.id, "ep5", [{ ...single, hostPort: 15000, hostPortEnd: 15000 }]),
      { code: "ERR_FIREWALL_PORT_IN_USE" }, "a port inside a published range is taken");
    await fw.removePortMappings(NET.id, "ep4", [single, range6]);
    assert.deepEqual(elements("hostranges6"), []);
    assert.deepEqual(elements("ranges4"), ["tcp . 10000-19999 : 10.203.0.2"], "the range not named stays");
    assert.ok(!elements("ports4").some((e) => e.startsWith("tcp . 9090 ")));
    await fw.removePortMappings(NET.id, "ep4");
    assert.deepEqual(elements("ranges4"), []);
    assert.equal(nftFiles(), runs, "every change went through the socket");
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  });

  test("a check after nothing but our own commits does not list the table; anyone else's commit makes it list", async () => {
    const lists = (): number => calls.filter((c) => c[0] === "nft" && c[1] === "-j").length;
    await fw.check(); // verified at the current generation
    const before = lists();
    for (let p = 0; p < 20; p++) await fw.addPortMappings(NET.id, "ep6", [{ proto: "tcp", hostPort: 30000 + p, hostPortEnd: 30000 + p, containerIp: C4, containerPort: 80 }]);
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    assert.equal(lists(), before, "twenty own commits, no listing");
    nft("add", "table", "inet", "someone_else");
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
    assert.equal(lists(), before + 2, "a foreign commit: each of our two tables (inet dnet, bridge dnet) listed once");
    nft("delete", "element", "inet", "dnet", "ports4", "{ tcp . 30005 }");
    const report = await fw.check();
    assert.deepEqual(report.problems, ["set ports4 of inet dnet lacks element tcp . 30005 : 10.203.0.2 . 80"], "someone's change to our table is still found");
    nft("delete", "table", "inet", "someone_else");
    await fw.removePortMappings(NET.id, "ep6");
    assert.deepEqual(await fw.check(), { drifted: false, problems: [] });
  });

  test("close() releases the socket", async () => {
    assert.ok(socketFds() > socketsBefore, "the socket is open");
    await fw.close();
    assert.equal(socketFds(), socketsBefore);
  });
});
