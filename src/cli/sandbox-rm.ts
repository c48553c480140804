// `dnet sandbox rm [-f] NAME...`: -f also removes a sandbox that is still connected to networks.

import { flag, needPositionals, parse, type Command } from "./common.js";

const USAGE = "dnet sandbox rm [-f|--force] NAME|ID...";

export const sandboxRm: Command = async (args, ctx) => {
  const p = parse(args, { force: { type: "boolean", short: "f" } }, USAGE);
  needPositionals(p, 1, Infinity, USAGE);
  let firstError: unknown;
  for (const ref of p.positionals) {
    try {
      await ctx.client().removeSandbox(ref, flag(p, "force"));
      ctx.out(ref);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError !== undefined) throw firstError;
  return 0;
};
