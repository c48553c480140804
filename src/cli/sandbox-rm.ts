// `dnet sandbox rm [-f] SANDBOX...`: -f also removes a sandbox still connected to networks; tries every one
// and reports every failure.

import { flag, type Command } from "./common.js";
import { forEachRef } from "./refs.js";

export const sandboxRm: Command = async (p, ctx) => {
  await forEachRef(p.positionals, async (ref) => {
    await ctx.client().removeSandbox(ref, flag(p, "force"));
    ctx.out(ref);
  });
  return 0;
};
