// Root end-to-end test: bad option values and conflicts (same bridge name, overlapping subnet) give clear
// errors with Docker's wording and create nothing (no link, route, nft change, record); after a network
// is deleted no link, route, nft rule or set element of it remains, and the last one takes the table
// along. The controller runs in a scratch netns H. Not root: skipped with a reason.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rootOnly } from "../../testing/kernel.js";
import { LNET } from "../../testing/bridge-scenarios-life.js";
import { ScratchHost, type Report } from "../../testing/bridge-topology.js";

type Failure = { readonly kind: string; readonly message: string };

const PARSE = (label: string, value: string, why: string): Failure =>
  ({ kind: "invalid-argument", message: `failed to parse ${label} value: ${value} (${why})` });

describe("bridge e2e: bad input and cleanup", { ...rootOnly, timeout: 180_000 }, () => {
  let host: ScratchHost | undefined;
  let bad: Report = {};
  let clean: Report = {};
  const seenIn = (r: Report, key: string): unknown => {
    assert.ok(key in r, `the scenario did not record "${key}"`);
    return r[key];
  };

  before(async () => {
    host = new ScratchHost("bl").build();
    bad = await host.run("bad-input");
    clean = await host.run("cleanup");
  });

  after(() => host?.teardown());

  test("bad option values: Docker's parse errors, and the errors of our own checks", () => {
    const e = seenIn(bad, "errors") as Record<string, Failure>;
    const bool = (v: string): string => `strconv.ParseBool: parsing "${v}": invalid syntax`;
    assert.deepEqual(e["enable_icc=maybe"], PARSE("com.docker.network.bridge.enable_icc", "maybe", bool("maybe")));
    assert.deepEqual(e["enable_ip_masquerade=2"], PARSE("com.docker.network.bridge.enable_ip_masquerade", "2", bool("2")));
    assert.deepEqual(e["inhibit_ipv4=yes"], PARSE("com.docker.network.bridge.inhibit_ipv4", "yes", bool("yes")));
    assert.deepEqual(e["mtu=-1"], { kind: "invalid-argument", message: "invalid MTU number: -1" });
    assert.deepEqual(e["mtu=abc"], PARSE("com.docker.network.driver.mtu", "abc", 'strconv.Atoi: parsing "abc": invalid syntax'));
    assert.deepEqual(e["host_binding_ipv4=nope"], PARSE("com.docker.network.bridge.host_binding_ipv4", "nope", "nil ip"));
    assert.deepEqual(e["host_ipv4=IPv6"], PARSE("com.docker.network.host_ipv4", "2001:db8::1", "not an IPv4 address"));
    assert.deepEqual(e["bridge name too long"], PARSE("com.docker.network.bridge.name", "dnet-bridge-too-long", "it is longer than 15 bytes"));
    assert.deepEqual(e["bridge name with *"],
      PARSE("com.docker.network.bridge.name", "br*x", "only letters, digits, '_', '.', '@' and '-' are allowed"));
    assert.deepEqual(e["bridge name of a non-bridge link"], { kind: "invalid-argument", message: "ext0 exists and is not a bridge (veth)" });
    assert.deepEqual(e["container_iface_prefix=9x"], { kind: "invalid-argument", message: 'invalid com.docker.network.container_iface_prefix "9x"' });
    assert.deepEqual(e["unknown bridge option"], { kind: "invalid-argument", message: "unknown bridge option com.docker.network.bridge.enable_icc_typo" });
    assert.equal(e["default_bridge=true"]?.kind, "forbidden");
  });

  test("IPAM data the bridge cannot use: Docker's messages", () => {
    const e = seenIn(bad, "errors") as Record<string, Failure>;
    assert.deepEqual(e["two IPv4 subnets"], { kind: "forbidden", message: "bridge driver doesn't support multiple subnets" });
    assert.deepEqual(e["null IPAM"], { kind: "invalid-argument", message: "ipv4 pool is empty" });
  });

  test("conflicts with an existing network: same bridge name, overlapping subnet (IPAM or bridge check)", () => {
    const e = seenIn(bad, "errors") as Record<string, Failure>;
    const base = String(seenIn(bad, "base id"));
    const sameName = e["same bridge name"];
    assert.equal(sameName?.kind, "forbidden");
    assert.match(sameName?.message ?? "",
      new RegExp(`^cannot create network [0-9a-f]{64} \\(dnet-base\\): conflicts with network ${base} \\(dnet-base\\): networks have same bridge name$`));
    assert.deepEqual(e["overlapping subnet"], { kind: "conflict", message: "Pool overlaps with other one on this address space" });
    const split = e["same subnet split by ip-range"];
    assert.equal(split?.kind, "forbidden");
    assert.match(split?.message ?? "",
      new RegExp(`^cannot create network ([0-9a-f]{64}) \\(br-[0-9a-f]{12}\\): conflicts with network ${base} \\(dnet-base\\): networks have overlapping IPv4$`));
  });

  test("no failed create left anything: links, routes, nft ruleset, records, sandboxes all as before", () => {
    assert.equal(seenIn(bad, "baseline has table inet dnet"), true, "the comparison covers a populated table");
    const unchanged = seenIn(bad, "unchanged") as Record<string, boolean>;
    assert.equal(Object.keys(unchanged).length, 18);
    const changed = Object.entries(unchanged).filter(([, same]) => !same).map(([name]) => name);
    assert.deepEqual(changed, [], changed.map((n) => JSON.stringify(bad[`changed by ${n}`])).join("\n"));
    assert.equal(seenIn(bad, "10.243.2.0/24 afterwards"), "no error", "every failed attempt gave its IPAM pool back");
  });

  test("while up, the network is in the ruleset (bridge, v4 and v6 subnets, ports, addresses) and on H", () => {
    const m = seenIn(clean, "during: ruleset mentions") as string[];
    assert.deepEqual(m.slice(1), [`${LNET.full}.`, `${LNET.full6}:`, "8070", "5370", `${LNET.full}.2`]);
    assert.match(m[0] ?? "", /^br-[0-9a-f]{12}$/);
    assert.equal((seenIn(clean, "during: H links of full") as string[]).length, 3, "bridge + two veths");
  });

  test("leave: the interface leaves the sandbox's view at once; joining again right away works", () => {
    assert.deepEqual(seenIn(clean, "left: k2 sandbox links"), ["dx…", "lo"]);
    assert.equal(seenIn(clean, "rejoined: k2 interface"), "eth0", "its name back: Docker 28 reuses the lowest free number");
    assert.equal(seenIn(clean, "rejoined: k1 reaches k2"), true);
  });

  test("a bridge we create for an IPv4-only network has IPv6 off (as Docker 26+); a dual-stack one keeps it", () => {
    assert.deepEqual(seenIn(clean, "bridge disable_ipv6: IPv4-only, dual stack"), ["1", "0"]);
  });

  test("after network delete: no link, route, nft rule or set element of it remains", () => {
    assert.deepEqual(seenIn(clean, "after: ruleset mentions"), []);
    assert.equal(seenIn(clean, "after: bridge name free at once"), true);
    assert.equal(seenIn(clean, "after: reaper done"), true, "the bridge waits in the trash group until the reaper destroys it");
    assert.deepEqual(seenIn(clean, "after: links of full"), [], String(seenIn(clean, "after: H links")));
    assert.deepEqual(seenIn(clean, "after: routes of full"), []);
  });

  test("the other network is untouched and still works", () => {
    assert.equal(seenIn(clean, "after: keep still works"), true);
    assert.equal(seenIn(clean, "after: keep's elements still there"), true);
  });

  test("after the last network: no table inet dnet, no bridge or veth, only H's own routes", () => {
    assert.equal(seenIn(clean, "last: table inet dnet exists"), false, String(seenIn(clean, "last: ruleset")));
    assert.deepEqual(seenIn(clean, "last: H links"), ["ext0", "lo"]);
    assert.deepEqual(seenIn(clean, "last: H routes"), [
      "198.51.100.0/24 dev ext0", "default via 198.51.100.2 dev ext0", "default via fd00:51::2 dev ext0", "fd00:51::/64 dev ext0", "fe80::/64 dev ext0",
    ]);
  });

  test("the host really is back to what the topology made (checked from outside the scenario)", () => {
    assert.ok(host !== undefined);
    const names = host.ipJson<Array<{ ifname: string }>>(["link", "show"]).map((l) => l.ifname).sort();
    assert.deepEqual(names, ["ext0", "lo"]);
  });
});
