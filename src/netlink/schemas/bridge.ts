// Bridge link kind (linux/if_link.h): IFLA_BR_* (IFLA_INFO_DATA of "bridge") and IFLA_BRPORT_* (bridge ports).

import type { Schema, StructSpec } from "../schema-types.js";

export const IFLA_BR_FORWARD_DELAY = 1;
export const IFLA_BR_HELLO_TIME = 2;
export const IFLA_BR_MAX_AGE = 3;
export const IFLA_BR_AGEING_TIME = 4;
export const IFLA_BR_STP_STATE = 5;
export const IFLA_BR_PRIORITY = 6;
export const IFLA_BR_VLAN_FILTERING = 7;
export const IFLA_BR_VLAN_PROTOCOL = 8;
export const IFLA_BR_GROUP_FWD_MASK = 9;
export const IFLA_BR_ROOT_ID = 10;
export const IFLA_BR_BRIDGE_ID = 11;
export const IFLA_BR_ROOT_PORT = 12;
export const IFLA_BR_ROOT_PATH_COST = 13;
export const IFLA_BR_TOPOLOGY_CHANGE = 14;
export const IFLA_BR_TOPOLOGY_CHANGE_DETECTED = 15;
export const IFLA_BR_HELLO_TIMER = 16;
export const IFLA_BR_TCN_TIMER = 17;
export const IFLA_BR_TOPOLOGY_CHANGE_TIMER = 18;
export const IFLA_BR_GC_TIMER = 19;
export const IFLA_BR_GROUP_ADDR = 20;
export const IFLA_BR_FDB_FLUSH = 21;
export const IFLA_BR_MCAST_ROUTER = 22;
export const IFLA_BR_MCAST_SNOOPING = 23;
export const IFLA_BR_MCAST_QUERY_USE_IFADDR = 24;
export const IFLA_BR_MCAST_QUERIER = 25;
export const IFLA_BR_MCAST_HASH_ELASTICITY = 26;
export const IFLA_BR_MCAST_HASH_MAX = 27;
export const IFLA_BR_MCAST_LAST_MEMBER_CNT = 28;
export const IFLA_BR_MCAST_STARTUP_QUERY_CNT = 29;
export const IFLA_BR_MCAST_LAST_MEMBER_INTVL = 30;
export const IFLA_BR_MCAST_MEMBERSHIP_INTVL = 31;
export const IFLA_BR_MCAST_QUERIER_INTVL = 32;
export const IFLA_BR_MCAST_QUERY_INTVL = 33;
export const IFLA_BR_MCAST_QUERY_RESPONSE_INTVL = 34;
export const IFLA_BR_MCAST_STARTUP_QUERY_INTVL = 35;
export const IFLA_BR_NF_CALL_IPTABLES = 36;
export const IFLA_BR_NF_CALL_IP6TABLES = 37;
export const IFLA_BR_NF_CALL_ARPTABLES = 38;
export const IFLA_BR_VLAN_DEFAULT_PVID = 39;
export const IFLA_BR_PAD = 40;
export const IFLA_BR_VLAN_STATS_ENABLED = 41;
export const IFLA_BR_MCAST_STATS_ENABLED = 42;
export const IFLA_BR_MCAST_IGMP_VERSION = 43;
export const IFLA_BR_MCAST_MLD_VERSION = 44;
export const IFLA_BR_VLAN_STATS_PER_PORT = 45;
export const IFLA_BR_MULTI_BOOLOPT = 46;
export const IFLA_BR_MCAST_QUERIER_STATE = 47;
export const IFLA_BR_FDB_N_LEARNED = 48;
export const IFLA_BR_FDB_MAX_LEARNED = 49;

// struct br_boolopt_multi
export const brBooloptMulti = {
  size: 8,
  fields: [
    { name: "optval", offset: 0, kind: "u32" },
    { name: "optmask", offset: 4, kind: "u32" },
  ],
} as const satisfies StructSpec;

// Times (forward delay, hello, max age, ageing) are in clock_t hundredths of a second (USER_HZ = 100).
export const bridgeAttrs = [
  { name: "forwardDelay", type: IFLA_BR_FORWARD_DELAY, kind: "u32" },
  { name: "helloTime", type: IFLA_BR_HELLO_TIME, kind: "u32" },
  { name: "maxAge", type: IFLA_BR_MAX_AGE, kind: "u32" },
  { name: "ageingTime", type: IFLA_BR_AGEING_TIME, kind: "u32" },
  { name: "stpState", type: IFLA_BR_STP_STATE, kind: "u32" },
  { name: "priority", type: IFLA_BR_PRIORITY, kind: "u16" },
  { name: "vlanFiltering", type: IFLA_BR_VLAN_FILTERING, kind: "u8" },
  /** An ethertype (0x8100 or 0x88a8), __be16 on the wire. */
  { name: "vlanProtocol", type: IFLA_BR_VLAN_PROTOCOL, kind: "be16" },
  { name: "groupFwdMask", type: IFLA_BR_GROUP_FWD_MASK, kind: "u16" },
  /** struct ifla_bridge_id: 2 priority bytes then a MAC. */
  { name: "rootId", type: IFLA_BR_ROOT_ID, kind: "binary" },
  { name: "bridgeId", type: IFLA_BR_BRIDGE_ID, kind: "binary" },
  { name: "rootPort", type: IFLA_BR_ROOT_PORT, kind: "u16" },
  { name: "rootPathCost", type: IFLA_BR_ROOT_PATH_COST, kind: "u32" },
  { name: "topologyChange", type: IFLA_BR_TOPOLOGY_CHANGE, kind: "u8" },
  { name: "topologyChangeDetected", type: IFLA_BR_TOPOLOGY_CHANGE_DETECTED, kind: "u8" },
  { name: "helloTimer", type: IFLA_BR_HELLO_TIMER, kind: "u64" },
  { name: "tcnTimer", type: IFLA_BR_TCN_TIMER, kind: "u64" },
  { name: "topologyChangeTimer", type: IFLA_BR_TOPOLOGY_CHANGE_TIMER, kind: "u64" },
  { name: "gcTimer", type: IFLA_BR_GC_TIMER, kind: "u64" },
  { name: "groupAddr", type: IFLA_BR_GROUP_ADDR, kind: "mac" },
  { name: "fdbFlush", type: IFLA_BR_FDB_FLUSH, kind: "flag" },
  { name: "mcastRouter", type: IFLA_BR_MCAST_ROUTER, kind: "u8" },
  { name: "mcastSnooping", type: IFLA_BR_MCAST_SNOOPING, kind: "u8" },
  { name: "mcastQueryUseIfaddr", type: IFLA_BR_MCAST_QUERY_USE_IFADDR, kind: "u8" },
  { name: "mcastQuerier", type: IFLA_BR_MCAST_QUERIER, kind: "u8" },
  { name: "mcastHashElasticity", type: IFLA_BR_MCAST_HASH_ELASTICITY, kind: "u32" },
  { name: "mcastHashMax", type: IFLA_BR_MCAST_HASH_MAX, kind: "u32" },
  { name: "mcastLastMemberCnt", type: IFLA_BR_MCAST_LAST_MEMBER_CNT, kind: "u32" },
  { name: "mcastStartupQueryCnt", type: IFLA_BR_MCAST_STARTUP_QUERY_CNT, kind: "u32" },
  { name: "mcastLastMemberIntvl", type: IFLA_BR_MCAST_LAST_MEMBER_INTVL, kind: "u64" },
  { name: "mcastMembershipIntvl", type: IFLA_BR_MCAST_MEMBERSHIP_INTVL, kind: "u64" },
  { name: "mcastQuerierIntvl", type: IFLA_BR_MCAST_QUERIER_INTVL, kind: "u64" },
  { name: "mcastQueryIntvl", type: IFLA_BR_MCAST_QUERY_INTVL, kind: "u64" },
  { name: "mcastQueryResponseIntvl", type: IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, kind: "u64" },
  { name: "mcastStartupQueryIntvl", type: IFLA_BR_MCAST_STARTUP_QUERY_INTVL, kind: "u64" },
  { name: "nfCallIptables", type: IFLA_BR_NF_CALL_IPTABLES, kind: "u8" },
  { name: "nfCallIp6tables", type: IFLA_BR_NF_CALL_IP6TABLES, kind: "u8" },
  { name: "nfCallArptables", type: IFLA_BR_NF_CALL_ARPTABLES, kind: "u8" },
  { name: "vlanDefaultPvid", type: IFLA_BR_VLAN_DEFAULT_PVID, kind: "u16" },
  { name: "vlanStatsEnabled", type: IFLA_BR_VLAN_STATS_ENABLED, kind: "u8" },
  { name: "mcastStatsEnabled", type: IFLA_BR_MCAST_STATS_ENABLED, kind: "u8" },
  { name: "mcastIgmpVersion", type: IFLA_BR_MCAST_IGMP_VERSION, kind: "u8" },
  { name: "mcastMldVersion", type: IFLA_BR_MCAST_MLD_VERSION, kind: "u8" },
  { name: "vlanStatsPerPort", type: IFLA_BR_VLAN_STATS_PER_PORT, kind: "u8" },
  { name: "multiBoolopt", type: IFLA_BR_MULTI_BOOLOPT, kind: "struct", struct: brBooloptMulti },
  { name: "mcastQuerierState", type: IFLA_BR_MCAST_QUERIER_STATE, kind: "binary" },
  { name: "fdbNLearned", type: IFLA_BR_FDB_N_LEARNED, kind: "u32" },
  { name: "fdbMaxLearned", type: IFLA_BR_FDB_MAX_LEARNED, kind: "u32" },
] as const satisfies Schema;

// Bridge port STP states (IFLA_BRPORT_STATE), linux/if_bridge.h
export const BR_STATE_DISABLED = 0;
export const BR_STATE_LISTENING = 1;
export const BR_STATE_LEARNING = 2;
export const BR_STATE_FORWARDING = 3;
export const BR_STATE_BLOCKING = 4;

export const IFLA_BRPORT_STATE = 1;
export const IFLA_BRPORT_PRIORITY = 2;
export const IFLA_BRPORT_COST = 3;
/** Hairpin mode: 1 lets a frame leave through the port it came in on (Docker's userland-proxy-off setups). */
export const IFLA_BRPORT_MODE = 4;
export const IFLA_BRPORT_GUARD = 5;
export const IFLA_BRPORT_PROTECT = 6;
export const IFLA_BRPORT_FAST_LEAVE = 7;
export const IFLA_BRPORT_LEARNING = 8;
export const IFLA_BRPORT_UNICAST_FLOOD = 9;
export const IFLA_BRPORT_PROXYARP = 10;
export const IFLA_BRPORT_LEARNING_SYNC = 11;
export const IFLA_BRPORT_PROXYARP_WIFI = 12;
export const IFLA_BRPORT_ROOT_ID = 13;
export const IFLA_BRPORT_BRIDGE_ID = 14;
export const IFLA_BRPORT_DESIGNATED_PORT = 15;
export const IFLA_BRPORT_DESIGNATED_COST = 16;
export const IFLA_BRPORT_ID = 17;
export const IFLA_BRPORT_NO = 18;
export const IFLA_BRPORT_TOPOLOGY_CHANGE_ACK = 19;
export const IFLA_BRPORT_CONFIG_PENDING = 20;
export const IFLA_BRPORT_MESSAGE_AGE_TIMER = 21;
export const IFLA_BRPORT_FORWARD_DELAY_TIMER = 22;
export const IFLA_BRPORT_HOLD_TIMER = 23;
export const IFLA_BRPORT_FLUSH = 24;
export const IFLA_BRPORT_MULTICAST_ROUTER = 25;
export const IFLA_BRPORT_PAD = 26;
export const IFLA_BRPORT_MCAST_FLOOD = 27;
export const IFLA_BRPORT_MCAST_TO_UCAST = 28;
export const IFLA_BRPORT_VLAN_TUNNEL = 29;
export const IFLA_BRPORT_BCAST_FLOOD = 30;
export const IFLA_BRPORT_GROUP_FWD_MASK = 31;
export const IFLA_BRPORT_NEIGH_SUPPRESS = 32;
export const IFLA_BRPORT_ISOLATED = 33;
export const IFLA_BRPORT_BACKUP_PORT = 34;
export const IFLA_BRPORT_MRP_RING_OPEN = 35;
export const IFLA_BRPORT_MRP_IN_OPEN = 36;
export const IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT = 37;
export const IFLA_BRPORT_MCAST_EHT_HOSTS_CNT = 38;
export const IFLA_BRPORT_LOCKED = 39;
export const IFLA_BRPORT_MAB = 40;
export const IFLA_BRPORT_MCAST_N_GROUPS = 41;
export const IFLA_BRPORT_MCAST_MAX_GROUPS = 42;
export const IFLA_BRPORT_NEIGH_VLAN_SUPPRESS = 43;
export const IFLA_BRPORT_BACKUP_NHID = 44;

/** A bridge port: IFLA_PROTINFO of AF_BRIDGE link messages, and IFLA_INFO_SLAVE_DATA of kind "bridge". */
export const brportAttrs = [
  { name: "state", type: IFLA_BRPORT_STATE, kind: "u8" },
  { name: "priority", type: IFLA_BRPORT_PRIORITY, kind: "u16" },
  { name: "cost", type: IFLA_BRPORT_COST, kind: "u32" },
  { name: "mode", type: IFLA_BRPORT_MODE, kind: "u8" },
  { name: "guard", type: IFLA_BRPORT_GUARD, kind: "u8" },
  { name: "protect", type: IFLA_BRPORT_PROTECT, kind: "u8" },
  { name: "fastLeave", type: IFLA_BRPORT_FAST_LEAVE, kind: "u8" },
  { name: "learning", type: IFLA_BRPORT_LEARNING, kind: "u8" },
  { name: "unicastFlood", type: IFLA_BRPORT_UNICAST_FLOOD, kind: "u8" },
  { name: "proxyarp", type: IFLA_BRPORT_PROXYARP, kind: "u8" },
  { name: "learningSync", type: IFLA_BRPORT_LEARNING_SYNC, kind: "u8" },
  { name: "proxyarpWifi", type: IFLA_BRPORT_PROXYARP_WIFI, kind: "u8" },
  { name: "rootId", type: IFLA_BRPORT_ROOT_ID, kind: "binary" },
  { name: "bridgeId", type: IFLA_BRPORT_BRIDGE_ID, kind: "binary" },
  { name: "designatedPort", type: IFLA_BRPORT_DESIGNATED_PORT, kind: "u16" },
  { name: "designatedCost", type: IFLA_BRPORT_DESIGNATED_COST, kind: "u16" },
  { name: "id", type: IFLA_BRPORT_ID, kind: "u16" },
  { name: "no", type: IFLA_BRPORT_NO, kind: "u16" },
  { name: "topologyChangeAck", type: IFLA_BRPORT_TOPOLOGY_CHANGE_ACK, kind: "u8" },
  { name: "configPending", type: IFLA_BRPORT_CONFIG_PENDING, kind: "u8" },
  { name: "messageAgeTimer", type: IFLA_BRPORT_MESSAGE_AGE_TIMER, kind: "u64" },
  { name: "forwardDelayTimer", type: IFLA_BRPORT_FORWARD_DELAY_TIMER, kind: "u64" },
  { name: "holdTimer", type: IFLA_BRPORT_HOLD_TIMER, kind: "u64" },
  { name: "flush", type: IFLA_BRPORT_FLUSH, kind: "flag" },
  { name: "multicastRouter", type: IFLA_BRPORT_MULTICAST_ROUTER, kind: "u8" },
  { name: "mcastFlood", type: IFLA_BRPORT_MCAST_FLOOD, kind: "u8" },
  { name: "mcastToUcast", type: IFLA_BRPORT_MCAST_TO_UCAST, kind: "u8" },
  { name: "vlanTunnel", type: IFLA_BRPORT_VLAN_TUNNEL, kind: "u8" },
  { name: "bcastFlood", type: IFLA_BRPORT_BCAST_FLOOD, kind: "u8" },
  { name: "groupFwdMask", type: IFLA_BRPORT_GROUP_FWD_MASK, kind: "u16" },
  { name: "neighSuppress", type: IFLA_BRPORT_NEIGH_SUPPRESS, kind: "u8" },
  { name: "isolated", type: IFLA_BRPORT_ISOLATED, kind: "u8" },
  { name: "backupPort", type: IFLA_BRPORT_BACKUP_PORT, kind: "u32" },
  { name: "mrpRingOpen", type: IFLA_BRPORT_MRP_RING_OPEN, kind: "u8" },
  { name: "mrpInOpen", type: IFLA_BRPORT_MRP_IN_OPEN, kind: "u8" },
  { name: "mcastEhtHostsLimit", type: IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT, kind: "u32" },
  { name: "mcastEhtHostsCnt", type: IFLA_BRPORT_MCAST_EHT_HOSTS_CNT, kind: "u32" },
  { name: "locked", type: IFLA_BRPORT_LOCKED, kind: "u8" },
  { name: "mab", type: IFLA_BRPORT_MAB, kind: "u8" },
  { name: "mcastNGroups", type: IFLA_BRPORT_MCAST_N_GROUPS, kind: "u32" },
  { name: "mcastMaxGroups", type: IFLA_BRPORT_MCAST_MAX_GROUPS, kind: "u32" },
  { name: "neighVlanSuppress", type: IFLA_BRPORT_NEIGH_VLAN_SUPPRESS, kind: "u8" },
  { name: "backupNhid", type: IFLA_BRPORT_BACKUP_NHID, kind: "u32" },
] as const satisfies Schema;
