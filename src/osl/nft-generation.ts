// The nftables ruleset generation: a counter the kernel bumps on every committed nftables change (nft,
// iptables-nft, anyone's). Reading it costs one netlink round trip instead of an `nft` process.

import { internal } from "../errors/index.js";
import { NFNL_SUBSYS_NFTABLES, NFTA_GEN_ID, NFT_MSG_GETGEN, NFT_MSG_NEWGEN } from "../netlink/index.js";
import type { NetnsHandle } from "./handle.js";

const NLA_TYPE_MASK = 0x3fff;

/** The generation id of the netns's nftables ruleset (NFT_MSG_GETGEN). */
export async function nftGeneration(h: NetnsHandle): Promise<number> {
  const replies = await h.netfilter().request({
    type: (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
    payload: Buffer.alloc(4), // struct nfgenmsg: AF_UNSPEC, NFNETLINK_V0, res_id 0
    describe: "NFT_MSG_GETGEN",
  });
  const gen = replies.find((m) => m.type === ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN));
  if (gen !== undefined) {
    for (let off = 4; off + 4 <= gen.payload.length;) {
      const len = gen.payload.readUInt16LE(off);
      if (len < 4) break;
      if ((gen.payload.readUInt16LE(off + 2) & NLA_TYPE_MASK) === NFTA_GEN_ID && len >= 8) return gen.payload.readUInt32BE(off + 4);
      off += (len + 3) & ~3;
    }
  }
  throw internal("ERR_NFT_GENERATION", "NFT_MSG_GETGEN: no generation id in the kernel's reply");
}
