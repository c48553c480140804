// Requests built with rtnl.ts against the bytes iproute2 sent for the same commands (captured with strace).

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIp } from "../types/index.js";
import {
  NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
} from "./constants.js";
import { encodeMessage } from "./message.js";
import { encodeAddrMessage, encodeLinkMessage, encodeNeighMessage, encodeRouteMessage } from "./rtnl.js";
import { IFA_F_NODAD } from "./schemas/rtnetlink-addr.js";
import { IFF_UP } from "./schemas/rtnetlink-link.js";
import { NTF_SELF, NUD_NOARP, NUD_PERMANENT } from "./schemas/rtnetlink-neigh.js";
import { RT_TABLE_MAIN, RTN_UNICAST, RTNH_F_ONLINK, RTPROT_BOOT } from "./schemas/rtnetlink-route.js";
import {
  AF_BRIDGE, AF_INET, AF_INET6, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE, RTM_SETLINK,
} from "./schemas/rtnetlink-types.js";
import { IPVLAN_F_PRIVATE, IPVLAN_MODE_L3 } from "./schemas/ipvlan.js";
import { MACVLAN_MODE_BRIDGE } from "./schemas/macvlan.js";
import { ifindexOf, messageOf } from "./testdata/expect.js";
import { GOLDEN } from "./testdata/golden.js";

const NEW = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
const SET = NLM_F_REQUEST | NLM_F_ACK;
// iproute2 leaves NLA_F_NESTED off its nests (except where it adds it by hand, as for IFLA_PROTINFO).
const IPROUTE2 = { nestedFlag: false } as const;

/** Wraps our payload like iproute2 did (same type, flags and seq) and compares whole messages. */
function assertSameAsIproute2(name: string, type: number, flags: number, payload: Buffer): void {
  const captured = GOLDEN.requests[name];
  assert.ok(captured !== undefined && captured.hex.length === 1, name);
  const theirs = messageOf({ hex: captured.hex[0] ?? "" });
  assert.equal(theirs.type, type, `${name}: type`);
  assert.equal(theirs.flags, flags, `${name}: flags`);
  const ours = encodeMessage({ type, flags, seq: theirs.seq, pid: theirs.pid }, payload);
  assert.equal(ours.toString("hex"), captured.hex[0], `${name}: ${captured.cmd}`);
}

const vgA = ifindexOf("vgA");
const vgB = ifindexOf("vgB");
const brg0 = ifindexOf("brg0");
const vxg0 = ifindexOf("vxg0");

test("link requests: veth pair, bridge, macvlan, vxlan (be16 port) as ip link add sends them", () => {
  assertSameAsIproute2("veth", RTM_NEWLINK, NEW, encodeLinkMessage({
    attrs: { ifname: "vgA", linkinfo: { kind: "veth", data: { peer: { attrs: { ifname: "vgB" } } } } },
  }, IPROUTE2));
  assertSameAsIproute2("bridge", RTM_NEWLINK, NEW, encodeLinkMessage({ attrs: { ifname: "brg0", linkinfo: { kind: "bridge" } } }, IPROUTE2));
  assertSameAsIproute2("macvlan", RTM_NEWLINK, NEW, encodeLinkMessage({
    attrs: { link: vgB, ifname: "mvg0", linkinfo: { kind: "macvlan", data: { mode: MACVLAN_MODE_BRIDGE } } },
  }, IPROUTE2));
  assertSameAsIproute2("vxlan", RTM_NEWLINK, NEW, encodeLinkMessage({
    attrs: {
      ifname: "vxg0",
      linkinfo: {
        kind: "vxlan",
        data: {
          link: vgB, ttl: 64, proxy: 1, l2miss: 1, l3miss: 1, id: 4242, local: parseIp("10.99.0.1"),
          group: parseIp("239.1.1.1"), learning: 0, port: 4789,
        },
      },
    },
  }, IPROUTE2));
});

test("a veth whose peer is born in another netns (IFLA_NET_NS_FD), and an ipvlan in l3 private mode", () => {
  // iproute2 opened the netns file as fd 4; the request carries that number.
  assertSameAsIproute2("veth-netns", RTM_NEWLINK, NEW, encodeLinkMessage({
    attrs: { mtu: 1450, ifname: "vgC", linkinfo: { kind: "veth", data: { peer: { attrs: { netNsFd: 4, ifname: "eth0" } } } } },
  }, IPROUTE2));
  assertSameAsIproute2("ipvlan", RTM_NEWLINK, NEW, encodeLinkMessage({
    attrs: { link: vgB, ifname: "ipv0", linkinfo: { kind: "ipvlan", data: { mode: IPVLAN_MODE_L3, flags: IPVLAN_F_PRIVATE } } },
  }, IPROUTE2));
});

test("link changes: master, up, and hairpin through AF_BRIDGE IFLA_PROTINFO", () => {
  assertSameAsIproute2("master", RTM_NEWLINK, SET, encodeLinkMessage({ ifi: { index: vgA }, attrs: { master: brg0 } }, IPROUTE2));
  assertSameAsIproute2("up", RTM_NEWLINK, SET, encodeLinkMessage({ ifi: { index: vgA, flags: IFF_UP, change: IFF_UP }, attrs: {} }));
  // `bridge link set … hairpin on` flags this nest NLA_F_NESTED, so here the default matches.
  assertSameAsIproute2("hairpin", RTM_SETLINK, SET, encodeLinkMessage({ ifi: { family: AF_BRIDGE, index: vgA }, attrs: { protinfo: { mode: 1 } } }));
});

test("address requests: IPv4, and IPv6 with nodad", () => {
  const v4 = parseIp("10.99.0.1");
  assertSameAsIproute2("addr4", RTM_NEWADDR, NEW, encodeAddrMessage({
    ifa: { family: AF_INET, prefixlen: 24, index: vgB }, attrs: { local: v4, address: v4 },
  }));
  const v6 = parseIp("fd00:99::1");
  assertSameAsIproute2("addr6", RTM_NEWADDR, NEW, encodeAddrMessage({
    ifa: { family: AF_INET6, prefixlen: 64, flags: IFA_F_NODAD, index: vgB }, attrs: { local: v6, address: v6 },
  }));
});

test("route requests: default via a gateway, and an on-link gateway (RTNH_F_ONLINK)", () => {
  const rtm = { family: AF_INET, table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, type: RTN_UNICAST } as const;
  assertSameAsIproute2("route-default", RTM_NEWROUTE, NEW, encodeRouteMessage({
    rtm, attrs: { gateway: parseIp("10.99.0.254"), oif: vgB },
  }));
  assertSameAsIproute2("route-onlink", RTM_NEWROUTE, NEW, encodeRouteMessage({
    rtm: { ...rtm, dstLen: 16, flags: RTNH_F_ONLINK }, attrs: { dst: parseIp("10.98.0.0"), gateway: parseIp("10.97.0.1"), oif: vgB },
  }));
});

test("neighbour and FDB requests (AF_BRIDGE, NTF_SELF, remote VTEP)", () => {
  assertSameAsIproute2("neigh", RTM_NEWNEIGH, NEW, encodeNeighMessage({
    ndm: { family: AF_INET, ifindex: vgB, state: NUD_PERMANENT }, attrs: { dst: parseIp("10.99.0.2"), lladdr: "02:42:0a:63:00:02" },
  }));
  const ndm = { family: AF_BRIDGE, ifindex: vxg0, state: NUD_PERMANENT | NUD_NOARP, flags: NTF_SELF } as const;
  assertSameAsIproute2("fdb", RTM_NEWNEIGH, NEW, encodeNeighMessage({
    ndm, attrs: { lladdr: "02:42:0a:63:00:03", dst: parseIp("10.99.0.3") },
  }));
  assertSameAsIproute2("fdb-append", RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND, encodeNeighMessage({
    ndm, attrs: { lladdr: "00:00:00:00:00:00", dst: parseIp("10.99.0.4") },
  }));
});

test("a veth created up with its peer in another netns, in our default encoding (hand-checked bytes)", () => {
  const payload = encodeLinkMessage({
    ifi: { flags: IFF_UP, change: IFF_UP },
    attrs: {
      ifname: "veth1a2b3c",
      mtu: 1450,
      linkinfo: { kind: "veth", data: { peer: { attrs: { ifname: "eth0", netNsFd: 21 } } } },
    },
  });
  assert.equal(payload.toString("hex"), [
    "00000000" + "00000000" + "01000000" + "01000000", // ifinfomsg: AF_UNSPEC, flags = change = IFF_UP
    "0f000300" + "7665746831613262336300" + "00", // IFLA_IFNAME "veth1a2b3c\0" (15 bytes + 1 pad)
    "08000400" + "aa050000", // IFLA_MTU 1450
    "38001280", // IFLA_LINKINFO | NLA_F_NESTED, 56 bytes
    "08000100" + "76657468", // IFLA_INFO_KIND "veth" (unterminated)
    "2c000280", // IFLA_INFO_DATA | NLA_F_NESTED, 44 bytes
    "28000100", // VETH_INFO_PEER, 40 bytes: not flagged (it starts with a struct)
    "00000000" + "00000000" + "00000000" + "00000000", // the peer's ifinfomsg
    "09000300" + "6574683000" + "000000", // IFLA_IFNAME "eth0\0"
    "08001c00" + "15000000", // IFLA_NET_NS_FD 21
  ].join(""));
});
