// The iptables-nft FORWARD state (policy, DOCKER-USER, Docker's isolation chains) from one NFT_MSG_GETCHAIN
// dump on the firewall's nfnetlink socket, instead of spawning `nft -j list chains` for every network change.

import {
  NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_UNSPEC, NFTA_CHAIN_NAME, NFTA_CHAIN_POLICY, NFTA_CHAIN_TABLE, NFT_MSG_GETCHAIN, NFT_MSG_NEWCHAIN, NF_DROP, nftMsgType,
} from "../netlink/schemas/nf-tables.js";
import type { NetlinkSocket } from "../netlink/socket.js";
import { iterateAttrs } from "../netlink/tlv.js";
import { forwardStatesOf, type ListedChain } from "./iptables-compat.js";

const FAMILIES: ReadonlyMap<number, ListedChain["family"]> = new Map([[NFPROTO_IPV4, "ip"], [NFPROTO_IPV6, "ip6"]]);

const text = (b: Buffer): string => b.toString("utf8").replace(/\0.*$/s, "");

/** Every ip/ip6 chain of the netns with its table and (base chains only) policy, read from the kernel. */
export async function dumpChains(socket: NetlinkSocket): Promise<ListedChain[]> {
  const payload = Buffer.from([NFPROTO_UNSPEC, 0, 0, 0]); // struct nfgenmsg: every family, version 0
  const replies = await socket.request({ type: nftMsgType(NFT_MSG_GETCHAIN), payload, dump: true, describe: "NFT_MSG_GETCHAIN" });
  const out: ListedChain[] = [];
  for (const m of replies) {
    const family = FAMILIES.get(m.payload[0] ?? NFPROTO_UNSPEC);
    if (m.type !== nftMsgType(NFT_MSG_NEWCHAIN) || family === undefined) continue;
    let table = "";
    let name = "";
    let policy: string | undefined;
    for (const a of iterateAttrs(m.payload.subarray(4))) {
      if (a.type === NFTA_CHAIN_TABLE) table = text(a.data);
      else if (a.type === NFTA_CHAIN_NAME) name = text(a.data);
      else if (a.type === NFTA_CHAIN_POLICY && a.data.length >= 4) policy = a.data.readUInt32BE(0) === NF_DROP ? "drop" : "accept";
    }
    out.push(policy === undefined ? { family, table, name } : { family, table, name, policy });
  }
  return out;
}

/** What `nft -j list chains` would tell IptablesCompat, from the dump. */
export async function forwardStates(socket: NetlinkSocket): Promise<ReturnType<typeof forwardStatesOf>> {
  return forwardStatesOf(await dumpChains(socket));
}
