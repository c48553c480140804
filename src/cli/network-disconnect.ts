// `dnet network disconnect [-f] NETWORK SANDBOX`.

import { flag, type Command } from "./common.js";

export const networkDisconnect: Command = async (p, ctx) => {
  await ctx.client().disconnect(p.positionals[0] as string, { Container: p.positionals[1] as string, Force: flag(p, "force") });
  return 0;
};
