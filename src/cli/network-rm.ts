// `dnet network rm NAME|ID...`: prints each removed name; the first failure is reported, the rest still tried.

import { needPositionals, parse, type Command } from "./common.js";

const USAGE = "dnet network rm NAME|ID...";

export const networkRm: Command = async (args, ctx) => {
  const p = parse(args, {}, USAGE);
  needPositionals(p, 1, Infinity, USAGE);
  let firstError: unknown;
  for (const ref of p.positionals) {
    try {
      await ctx.client().removeNetwork(ref);
      ctx.out(ref);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError !== undefined) throw firstError;
  return 0;
};
