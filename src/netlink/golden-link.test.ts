// Link messages captured from the kernel (veth, bridge + port, vxlan, macvlan): decoded fields against ip -j, round trips.

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIp } from "../types/index.js";
import { decodeLinkMessage, encodeLinkMessage, type LinkMessage } from "./rtnl.js";
import type { AttrsOf } from "./schema.js";
import type { brportAttrs } from "./schemas/bridge.js";
import { RTM_NEWLINK } from "./schemas/rtnetlink-types.js";
import {
  bit, BR_STATE_NAMES, bridgeIdText, field, goldenLink, ifFlagNames, ifindexOf, messageOf, OPERSTATE_NAMES,
} from "./testdata/expect.js";
import { GOLDEN } from "./testdata/golden.js";

type Ip = Readonly<Record<string, unknown>>;

function decodedLink(name: string): { msg: LinkMessage; ip: Ip } {
  const g = goldenLink(name);
  const raw = messageOf(g);
  assert.equal(raw.type, RTM_NEWLINK);
  return { msg: decodeLinkMessage(raw.payload), ip: g.ip };
}

function checkCommon({ msg, ip }: { msg: LinkMessage; ip: Ip }): void {
  const a = msg.attrs;
  assert.equal(a.ifname, field(ip, "ifname"));
  assert.equal(msg.ifi.index, field(ip, "ifindex"));
  assert.equal(msg.ifi.type, 1, "ARPHRD_ETHER");
  assert.equal(field(ip, "link_type"), "ether");
  assert.deepEqual(ifFlagNames(msg.ifi.flags), [...(field(ip, "flags") as string[])].sort());
  assert.equal(OPERSTATE_NAMES[a.operstate ?? -1], field(ip, "operstate"));
  assert.equal(a.linkmode, 0);
  assert.equal(field(ip, "linkmode"), "DEFAULT");
  assert.equal(a.group, 0);
  assert.equal(field(ip, "group"), "default");
  const same: [keyof typeof a, string][] = [
    ["mtu", "mtu"], ["address", "address"], ["broadcast", "broadcast"], ["txqlen", "txqlen"], ["minMtu", "min_mtu"],
    ["maxMtu", "max_mtu"], ["numTxQueues", "num_tx_queues"], ["numRxQueues", "num_rx_queues"], ["gsoMaxSize", "gso_max_size"],
    ["gsoMaxSegs", "gso_max_segs"], ["tsoMaxSize", "tso_max_size"], ["tsoMaxSegs", "tso_max_segs"],
    ["groMaxSize", "gro_max_size"], ["promiscuity", "promiscuity"], ["allmulti", "allmulti"],
  ];
  for (const [ours, theirs] of same) assert.equal(a[ours], field(ip, theirs), ours);
  if ("qdisc" in ip) assert.equal(a.qdisc, ip["qdisc"]);
  assert.equal(a.master, "master" in ip ? ifindexOf(ip["master"]) : undefined);
  const info = field(ip, "linkinfo") as Ip;
  assert.equal(a.linkinfo?.kind, field(info, "info_kind"));
  assert.equal(a.linkinfo?.slaveKind, info["info_slave_kind"]);
}

test("every golden link decodes to what ip -j showed, with nothing unknown", () => {
  for (const g of GOLDEN.links) {
    const link = decodedLink(String(g.ip["ifname"]));
    checkCommon(link);
    assert.equal(link.msg.attrs.unknown, undefined);
    assert.equal(link.msg.attrs.linkinfo?.unknown, undefined);
  }
});

test("veth: IFLA_LINK names the peer in both directions", () => {
  const a = decodedLink("vgA");
  const b = decodedLink("vgB");
  assert.equal(a.msg.attrs.link, b.msg.ifi.index);
  assert.equal(b.msg.attrs.link, a.msg.ifi.index);
  assert.equal(a.msg.attrs.link, ifindexOf(field(a.ip, "link")));
});

function checkBridgePort(port: AttrsOf<typeof brportAttrs> | undefined, ip: Ip): void {
  assert.ok(port !== undefined);
  assert.equal(BR_STATE_NAMES[port.state ?? -1], field(ip, "state"));
  assert.equal(port.mode, 1, "hairpin on");
  assert.equal(field(ip, "hairpin"), true);
  const same: [keyof typeof port, string][] = [
    ["priority", "priority"], ["cost", "cost"], ["guard", "guard"], ["fastLeave", "fastleave"], ["learning", "learning"],
    ["unicastFlood", "flood"], ["mcastFlood", "mcast_flood"], ["bcastFlood", "bcast_flood"], ["protect", "root_block"],
    ["mcastToUcast", "mcast_to_unicast"], ["neighSuppress", "neigh_suppress"], ["vlanTunnel", "vlan_tunnel"],
    ["isolated", "isolated"], ["locked", "locked"],
  ];
  for (const [ours, theirs] of same) assert.equal(port[ours], bit(field(ip, theirs)), ours);
  assert.equal(port.multicastRouter, ip["multicast_router"] ?? ip["mcast_router"]);
}

test("bridge port: IFLA_INFO_SLAVE_DATA of vgA matches ip -d (hairpin, STP ids, port numbers)", () => {
  const { msg, ip } = decodedLink("vgA");
  const info = field(field(ip, "linkinfo") as Ip, "info_slave_data") as Ip;
  const port = msg.attrs.linkinfo?.slaveKind === "bridge" ? msg.attrs.linkinfo.slaveData : undefined;
  checkBridgePort(port, info);
  assert.equal(port?.id, Number(field(info, "id")));
  assert.equal(port?.no, Number(field(info, "no")));
  assert.equal(port?.designatedPort, field(info, "designated_port"));
  assert.equal(bridgeIdText(port?.rootId), field(info, "root_id"));
  assert.equal(bridgeIdText(port?.bridgeId), field(info, "bridge_id"));
});

test("bridge port: the AF_BRIDGE dump carries the same settings in IFLA_PROTINFO", () => {
  const [g] = GOLDEN.bridgePorts;
  assert.ok(g !== undefined);
  const payload = messageOf(g).payload;
  const msg = decodeLinkMessage(payload);
  assert.equal(msg.ifi.family, 7);
  assert.equal(msg.attrs.master, ifindexOf(field(g.ip, "master")));
  checkBridgePort(msg.attrs.protinfo, g.ip);
  assert.deepEqual(encodeLinkMessage(msg), payload, "byte-exact round trip");
});

test("bridge: IFLA_BR_* matches ip -d", () => {
  const { msg, ip } = decodedLink("brg0");
  const data = field(field(ip, "linkinfo") as Ip, "info_data") as Ip;
  const br = msg.attrs.linkinfo?.kind === "bridge" ? msg.attrs.linkinfo.data : undefined;
  assert.ok(br !== undefined);
  const same: [keyof typeof br, string][] = [
    ["forwardDelay", "forward_delay"], ["helloTime", "hello_time"], ["maxAge", "max_age"], ["ageingTime", "ageing_time"],
    ["stpState", "stp_state"], ["priority", "priority"], ["vlanFiltering", "vlan_filtering"], ["rootPort", "root_port"],
    ["rootPathCost", "root_path_cost"], ["topologyChange", "topology_change"], ["groupAddr", "group_addr"],
    ["mcastSnooping", "mcast_snooping"], ["mcastRouter", "mcast_router"], ["mcastQuerier", "mcast_querier"],
    ["mcastHashElasticity", "mcast_hash_elasticity"], ["mcastHashMax", "mcast_hash_max"],
    ["mcastLastMemberCnt", "mcast_last_member_cnt"], ["mcastStartupQueryCnt", "mcast_startup_query_cnt"],
    ["mcastIgmpVersion", "mcast_igmp_version"], ["mcastMldVersion", "mcast_mld_version"],
    ["nfCallIptables", "nf_call_iptables"], ["nfCallIp6tables", "nf_call_ip6tables"], ["nfCallArptables", "nf_call_arptables"],
  ];
  for (const [ours, theirs] of same) assert.equal(br[ours], field(data, theirs), ours);
  const intervals: [keyof typeof br, string][] = [
    ["mcastLastMemberIntvl", "mcast_last_member_intvl"], ["mcastMembershipIntvl", "mcast_membership_intvl"],
    ["mcastQuerierIntvl", "mcast_querier_intvl"], ["mcastQueryIntvl", "mcast_query_intvl"],
    ["mcastQueryResponseIntvl", "mcast_query_response_intvl"], ["mcastStartupQueryIntvl", "mcast_startup_query_intvl"],
  ];
  for (const [ours, theirs] of intervals) assert.equal(br[ours], BigInt(field(data, theirs) as number), ours);
  assert.equal(bridgeIdText(br.bridgeId), field(data, "bridge_id"));
});

test("vxlan: IFLA_VXLAN_* matches ip -d, including the __be16 port 4789", () => {
  const { msg, ip } = decodedLink("vxg0");
  const data = field(field(ip, "linkinfo") as Ip, "info_data") as Ip;
  const vx = msg.attrs.linkinfo?.kind === "vxlan" ? msg.attrs.linkinfo.data : undefined;
  assert.ok(vx?.group !== undefined && vx.local !== undefined);
  assert.equal(vx.port, 4789);
  assert.equal(vx.port, field(data, "port"));
  assert.equal(vx.id, field(data, "id"));
  assert.equal(formatIp(vx.group), field(data, "group"));
  assert.equal(formatIp(vx.local), field(data, "local"));
  assert.equal(vx.link, ifindexOf(field(data, "link")));
  assert.deepEqual(vx.portRange, field(data, "port_range"));
  const same: [keyof typeof vx, string][] = [
    ["learning", "learning"], ["proxy", "proxy"], ["l2miss", "l2miss"], ["l3miss", "l3miss"], ["ttl", "ttl"],
    ["ageing", "ageing"], ["udpCsum", "udp_csum"], ["udpZeroCsum6Tx", "udp_zero_csum6_tx"], ["udpZeroCsum6Rx", "udp_zero_csum6_rx"],
  ];
  for (const [ours, theirs] of same) assert.equal(vx[ours], bit(field(data, theirs)), ours);
  assert.equal(field(data, "df"), "unset");
  assert.equal(vx.df, 0);
  // Sent by the kernel as a u8 0 although the attribute is a flag: read as absent.
  assert.equal(vx.ttlInherit, undefined);
});

test("macvlan: mode bridge and the broadcast queue", () => {
  const { msg, ip } = decodedLink("mvg0");
  const data = field(field(ip, "linkinfo") as Ip, "info_data") as Ip;
  const mv = msg.attrs.linkinfo?.kind === "macvlan" ? msg.attrs.linkinfo.data : undefined;
  assert.equal(field(data, "mode"), "bridge");
  assert.equal(mv?.mode, 4);
  assert.equal(mv?.bcQueueLen, field(data, "bcqueuelen"));
  assert.equal(mv?.bcQueueLenUsed, field(data, "usedbcqueuelen"));
  assert.equal(msg.attrs.link, ifindexOf(field(ip, "link")));
});

test("links round-trip: decode → encode → decode gives the same object", () => {
  for (const g of [...GOLDEN.links, ...GOLDEN.bridgePorts]) {
    const msg = decodeLinkMessage(messageOf(g).payload);
    assert.deepEqual(decodeLinkMessage(encodeLinkMessage(msg)), msg, String(g.ip["ifname"]));
  }
});

test("IFLA_PROTINFO means bridge port settings only in AF_BRIDGE messages", () => {
  assert.throws(() => encodeLinkMessage({ attrs: { protinfo: { mode: 1 } } }), /no attribute named "protinfo"/);
  const bridged = encodeLinkMessage({ ifi: { family: 7, index: 3 }, attrs: { protinfo: { mode: 1 } } });
  // The same bytes as an AF_INET6 message (where IFLA_PROTINFO holds IFLA_INET6_*) keep it raw.
  const inet6 = Buffer.from(bridged);
  inet6[0] = 10;
  const msg = decodeLinkMessage(inet6);
  assert.equal(msg.attrs.protinfo, undefined);
  assert.deepEqual(msg.attrs.unknown?.map((a) => a.type), [12]);
  assert.deepEqual(decodeLinkMessage(bridged).attrs.protinfo, { mode: 1 });
});
