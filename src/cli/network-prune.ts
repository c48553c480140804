// `dnet network prune [-f]`: removes every custom network nothing is connected to, after asking [y/N].

import { flag, type Command } from "./common.js";
import { confirm } from "./prompt.js";

export const networkPrune: Command = async (p, ctx) => {
  if (!flag(p, "force") && !(await confirm(ctx, "This will remove all custom networks no sandbox is connected to."))) return 0;
  const res = await ctx.client().pruneNetworks();
  if (res.NetworksDeleted.length > 0) ctx.out(`Deleted Networks:\n${res.NetworksDeleted.join("\n")}`);
  return 0;
};
