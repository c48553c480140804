// `dnet network prune`: removes every custom network nothing is connected to (no prompt: -f is accepted).

import { needPositionals, parse, type Command } from "./common.js";

const USAGE = "dnet network prune [-f|--force]";

export const networkPrune: Command = async (args, ctx) => {
  const p = parse(args, { force: { type: "boolean", short: "f" } }, USAGE);
  needPositionals(p, 0, 0, USAGE);
  const res = await ctx.client().pruneNetworks();
  if (res.NetworksDeleted.length > 0) ctx.out(`Deleted Networks:\n${res.NetworksDeleted.join("\n")}`);
  return 0;
};
