// `dnet run [--name NAME] [--rm] [--network NET]... [-p ...] [--hostname H] -- CMD [ARG...]`: creates a
// sandbox, runs CMD in it, and with --rm removes the sandbox when CMD exits (also on SIGINT/SIGTERM).

import { randomBytes } from "node:crypto";
import { UsageError, flag, parse, str, type Command } from "./common.js";
import { SANDBOX_OPTIONS, sandboxRequest } from "./sandbox-create.js";
import { execIn } from "./sandbox-exec.js";

const USAGE = "dnet run [--name NAME] [--rm] [--network NET[:ALIAS,...]]... [-p SPEC]... [--hostname H] [--dns IP]... [--add-host NAME:IP]... -- CMD [ARG...]";

export const run: Command = async (args, ctx) => {
  const dd = args.indexOf("--");
  const p = parse(dd < 0 ? args : args.slice(0, dd), { ...SANDBOX_OPTIONS, name: { type: "string" }, rm: { type: "boolean" } }, USAGE);
  const cmd = dd < 0 ? [...p.positionals] : [...p.positionals, ...args.slice(dd + 1)];
  if (cmd.length === 0) throw new UsageError(`missing command (usage: ${USAGE})`);
  const name = str(p, "name") ?? `run-${randomBytes(5).toString("hex")}`;
  const client = ctx.client();
  const sb = await client.createSandbox(sandboxRequest(p, name));
  let code = 125;
  try {
    code = await execIn(sb, cmd);
  } finally {
    if (flag(p, "rm")) await client.removeSandbox(sb.Id, true);
  }
  return code;
};
