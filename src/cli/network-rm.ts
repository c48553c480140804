// `dnet network rm NETWORK...`: prints each removed name; tries every one and reports every failure.

import type { Command } from "./common.js";
import { forEachRef } from "./refs.js";

export const networkRm: Command = async (p, ctx) => {
  await forEachRef(p.positionals, async (ref) => {
    await ctx.client().removeNetwork(ref);
    ctx.out(ref);
  });
  return 0;
};
