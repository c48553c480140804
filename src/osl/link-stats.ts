// Interface counters of a netns (IFLA_STATS64 of an RTM_GETLINK dump), Docker's InterfaceStatistics.

import { RTM_GETLINK, RTM_NEWLINK, decodeLinkMessage, encodeLinkMessage } from "../netlink/index.js";
import type { NetnsHandle } from "./handle.js";

export interface InterfaceStatistics {
  readonly rxBytes: bigint;
  readonly rxPackets: bigint;
  readonly rxErrors: bigint;
  readonly rxDropped: bigint;
  readonly txBytes: bigint;
  readonly txPackets: bigint;
  readonly txErrors: bigint;
  readonly txDropped: bigint;
}

/** struct rtnl_link_stats64 (linux/if_link.h) starts with these eight u64 counters, in this order. */
const STATS64_FIELDS = ["rxPackets", "txPackets", "rxBytes", "txBytes", "rxErrors", "txErrors", "rxDropped", "txDropped"] as const;

function parseStats64(b: Uint8Array): InterfaceStatistics | undefined {
  if (b.length < STATS64_FIELDS.length * 8) return undefined;
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: Record<string, bigint> = {};
  STATS64_FIELDS.forEach((f, i) => { out[f] = view.readBigUInt64LE(i * 8); });
  return out as unknown as InterfaceStatistics;
}

/** Counters of every link of the netns, by name (one dump). Links without 64-bit counters are left out. */
export async function linkStatistics(h: NetnsHandle): Promise<Map<string, InterfaceStatistics>> {
  const replies = await h.route.request({
    type: RTM_GETLINK, dump: true, payload: encodeLinkMessage({ attrs: {} }), describe: "RTM_GETLINK dump (statistics)",
  });
  const out = new Map<string, InterfaceStatistics>();
  for (const m of replies) {
    if (m.type !== RTM_NEWLINK) continue;
    const link = decodeLinkMessage(m.payload);
    const stats = link.attrs.stats64 === undefined ? undefined : parseStats64(link.attrs.stats64);
    if (link.attrs.ifname !== undefined && stats !== undefined) out.set(link.attrs.ifname, stats);
  }
  return out;
}
