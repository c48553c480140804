// `dnet sandbox inspect NAME...`: the native sandbox JSON (an array); missing ones are errors.

import type { SandboxDto } from "../api/dto.js";
import { isLibnetworkError } from "../errors/index.js";
import { json, needPositionals, parse, type Command } from "./common.js";

const USAGE = "dnet sandbox inspect NAME|ID...";

export const sandboxInspect: Command = async (args, ctx) => {
  const p = parse(args, {}, USAGE);
  needPositionals(p, 1, Infinity, USAGE);
  const found: SandboxDto[] = [];
  let firstError: unknown;
  for (const ref of p.positionals) {
    try {
      found.push(await ctx.client().inspectSandbox(ref));
    } catch (err) {
      if (!isLibnetworkError(err) || err.kind !== "not-found") throw err;
      firstError ??= err;
    }
  }
  ctx.out(json(found));
  if (firstError !== undefined) throw firstError;
  return 0;
};
