// Address, route, neighbour and FDB messages captured from the kernel: fields against ip -j, byte-exact round trips.

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIp, type IpAddress } from "../types/index.js";
import {
  decodeAddrMessage, decodeNeighMessage, decodeRouteMessage, decodeRtnlMessage, encodeAddrMessage, encodeNeighMessage,
  encodeRouteMessage,
} from "./rtnl.js";
import { IFA_F_NODAD, IFA_F_TENTATIVE } from "./schemas/rtnetlink-addr.js";
import { NTF_SELF, NUD_PERMANENT } from "./schemas/rtnetlink-neigh.js";
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RTN_UNICAST, RTNH_F_ONLINK, RTPROT_BOOT, RTPROT_KERNEL } from "./schemas/rtnetlink-route.js";
import { AF_BRIDGE, AF_INET, AF_INET6 } from "./schemas/rtnetlink-types.js";
import { field, ifindexOf, messageOf } from "./testdata/expect.js";
import { GOLDEN } from "./testdata/golden.js";

const text = (ip: IpAddress | undefined): string | undefined => (ip === undefined ? undefined : formatIp(ip));
const SCOPES: Readonly<Record<number, string>> = { [RT_SCOPE_UNIVERSE]: "global", [RT_SCOPE_LINK]: "link" };
const PROTOCOLS: Readonly<Record<number, string>> = { [RTPROT_BOOT]: "boot", [RTPROT_KERNEL]: "kernel" };
const NUD_NAMES: readonly [number, string][] = [
  [0x01, "INCOMPLETE"], [0x02, "REACHABLE"], [0x04, "STALE"], [0x08, "DELAY"], [0x10, "PROBE"], [0x20, "FAILED"],
  [0x40, "NOARP"], [0x80, "PERMANENT"],
];

test("addresses: IPv4 and IPv6 (nodad, tentative link-local) match ip -j", () => {
  assert.equal(GOLDEN.addrs.length, 3);
  for (const g of GOLDEN.addrs) {
    const msg = decodeAddrMessage(messageOf(g).payload);
    const v4 = msg.ifa.family === AF_INET;
    assert.equal(field(g.ip, "family"), v4 ? "inet" : "inet6");
    assert.ok(v4 || msg.ifa.family === AF_INET6);
    assert.equal(msg.ifa.index, ifindexOf("vgB"));
    assert.equal(msg.ifa.prefixlen, field(g.ip, "prefixlen"));
    assert.equal(SCOPES[msg.ifa.scope], field(g.ip, "scope"));
    // IPv4 reports the interface address in IFA_LOCAL; IPv6 only sends IFA_ADDRESS.
    assert.equal(text(v4 ? msg.attrs.local : msg.attrs.address), field(g.ip, "local"));
    if (v4) assert.equal(msg.attrs.label, field(g.ip, "label"));
    assert.equal(msg.attrs.cacheinfo?.valid, field(g.ip, "valid_life_time"));
    assert.equal(msg.attrs.cacheinfo?.prefered, field(g.ip, "preferred_life_time"));
    const flags = msg.attrs.flags ?? 0;
    assert.equal((flags & IFA_F_NODAD) !== 0, g.ip["nodad"] === true);
    assert.equal((flags & IFA_F_TENTATIVE) !== 0, g.ip["tentative"] === true);
    assert.equal(msg.ifa.flags, flags & 0xff);
  }
});

test("routes: default via a gateway, on-link gateway, kernel connected routes, IPv6 metrics", () => {
  const dsts = [];
  for (const g of GOLDEN.routes) {
    const msg = decodeRouteMessage(messageOf(g).payload);
    const dst = msg.attrs.dst === undefined ? "default" : `${text(msg.attrs.dst)}/${msg.rtm.dstLen}`;
    dsts.push(dst);
    assert.equal(dst, field(g.ip, "dst"));
    assert.equal(msg.rtm.type, RTN_UNICAST);
    assert.equal(field(g.ip, "type"), "unicast");
    assert.equal(msg.rtm.table, RT_TABLE_MAIN);
    assert.equal(msg.attrs.table, RT_TABLE_MAIN);
    assert.equal(PROTOCOLS[msg.rtm.protocol], field(g.ip, "protocol"));
    assert.equal(SCOPES[msg.rtm.scope], field(g.ip, "scope"));
    assert.equal(msg.attrs.oif, ifindexOf("vgB"));
    assert.equal(text(msg.attrs.gateway), g.ip["gateway"]);
    assert.equal(text(msg.attrs.prefsrc), g.ip["prefsrc"]);
    assert.equal(msg.attrs.priority, g.ip["metric"]);
    assert.equal((msg.rtm.flags & RTNH_F_ONLINK) !== 0, (field(g.ip, "flags") as string[]).includes("onlink"));
    if ("pref" in g.ip) assert.equal(msg.attrs.pref, 0, "ICMPV6_ROUTER_PREF_MEDIUM");
  }
  assert.deepEqual(dsts.sort(), ["10.98.0.0/16", "10.99.0.0/24", "default", "fd00:99::/64", "fe80::/64"]);
});

test("neighbours: a permanent entry with its MAC and an incomplete one without", () => {
  assert.ok(GOLDEN.neighs.length >= 1);
  for (const g of GOLDEN.neighs) {
    const msg = decodeNeighMessage(messageOf(g).payload);
    assert.equal(msg.ndm.family, AF_INET);
    assert.equal(msg.ndm.ifindex, ifindexOf("vgB"));
    assert.equal(text(msg.attrs.dst), field(g.ip, "dst"));
    assert.equal(msg.attrs.lladdr, g.ip["lladdr"]);
    const states = NUD_NAMES.filter(([bit]) => (msg.ndm.state & bit) !== 0).map(([, name]) => name);
    assert.deepEqual(states, field(g.ip, "state"));
  }
});

test("FDB (AF_BRIDGE): vxlan entries with their remote VTEP, self flag and underlay", () => {
  assert.equal(GOLDEN.fdb.length, 3);
  for (const g of GOLDEN.fdb) {
    const msg = decodeNeighMessage(messageOf(g).payload);
    assert.equal(msg.ndm.family, AF_BRIDGE);
    assert.equal(msg.ndm.ifindex, ifindexOf("vxg0"));
    assert.equal(msg.attrs.lladdr, field(g.ip, "mac"));
    assert.equal(text(msg.attrs.dst), field(g.ip, "dst"));
    assert.equal((msg.ndm.flags & NTF_SELF) !== 0, (field(g.ip, "flags") as string[]).includes("self"));
    assert.equal((msg.ndm.state & NUD_PERMANENT) !== 0, field(g.ip, "state") === "permanent");
    assert.equal(msg.attrs.ifindex, "viaIf" in g.ip ? ifindexOf(g.ip["viaIf"]) : undefined);
    // The kernel leaves NDA_PORT/NDA_VNI out when they equal the device's own.
    assert.equal(msg.attrs.port, undefined);
    assert.equal(msg.attrs.vni, undefined);
  }
});

test("addr, route, neigh and FDB messages re-encode to the kernel's exact bytes", () => {
  const encoders = { addr: encodeAddrMessage, route: encodeRouteMessage, neigh: encodeNeighMessage } as const;
  for (const g of [...GOLDEN.addrs, ...GOLDEN.routes, ...GOLDEN.neighs, ...GOLDEN.fdb]) {
    const raw = messageOf(g);
    const decoded = decodeRtnlMessage(raw);
    assert.ok(decoded !== undefined && decoded.object !== "link");
    const bytes = decoded.object === "addr" ? encoders.addr(decoded.value)
      : decoded.object === "route" ? encoders.route(decoded.value) : encoders.neigh(decoded.value);
    assert.deepEqual(bytes, raw.payload, g.hex);
  }
});
