// The nftables ruleset generation: a counter the kernel bumps on every committed nftables change (nft,
// iptables-nft, anyone's). Reading it costs one netlink round trip instead of an `nft` process.

import { internal } from "../errors/index.js";
import { NFTA_GEN_ID, NFT_MSG_GETGEN, NFT_MSG_NEWGEN, iterateAttrs, nftMsgType } from "../netlink/index.js";
import type { NetnsHandle } from "./handle.js";

const NFGENMSG_LEN = 4;

/** The generation id of the netns's nftables ruleset (NFT_MSG_GETGEN). */
export async function nftGeneration(h: NetnsHandle): Promise<number> {
  const replies = await h.netfilter().request({
    type: nftMsgType(NFT_MSG_GETGEN),
    payload: Buffer.alloc(NFGENMSG_LEN), // struct nfgenmsg: AF_UNSPEC, NFNETLINK_V0, res_id 0
    describe: "NFT_MSG_GETGEN",
  });
  const gen = replies.find((m) => m.type === nftMsgType(NFT_MSG_NEWGEN));
  for (const a of gen === undefined ? [] : iterateAttrs(gen.payload.subarray(NFGENMSG_LEN))) {
    if (a.type === NFTA_GEN_ID && a.data.length >= 4) return a.data.readUInt32BE(0);
  }
  throw internal("ERR_NFT_GENERATION", "NFT_MSG_GETGEN: no generation id in the kernel's reply");
}
