// `dnet network inspect NAME|ID...`: Docker's network inspect JSON (an array); missing ones are errors.

import { isLibnetworkError } from "../errors/index.js";
import type { DockerNetwork } from "../api/dto.js";
import { json, needPositionals, parse, type Command } from "./common.js";

const USAGE = "dnet network inspect NAME|ID...";

export const networkInspect: Command = async (args, ctx) => {
  const p = parse(args, {}, USAGE);
  needPositionals(p, 1, Infinity, USAGE);
  const found: DockerNetwork[] = [];
  let firstError: unknown;
  for (const ref of p.positionals) {
    try {
      found.push(await ctx.client().inspectNetwork(ref));
    } catch (err) {
      if (!isLibnetworkError(err) || err.kind !== "not-found") throw err;
      firstError ??= err;
    }
  }
  ctx.out(json(found));
  if (firstError !== undefined) throw firstError;
  return 0;
};
