// `dnet network disconnect [-f] NETWORK SANDBOX`.

import { flag, needPositionals, parse, type Command } from "./common.js";

const USAGE = "dnet network disconnect [-f|--force] NETWORK SANDBOX";

export const networkDisconnect: Command = async (args, ctx) => {
  const p = parse(args, { force: { type: "boolean", short: "f" } }, USAGE);
  needPositionals(p, 2, 2, USAGE);
  await ctx.client().disconnect(p.positionals[0] as string, { Container: p.positionals[1] as string, Force: flag(p, "force") });
  return 0;
};
