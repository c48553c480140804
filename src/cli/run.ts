// `dnet run [--name NAME] [--rm] [--network NET]... [-p ...] [--hostname H] [--] CMD [ARG...]`: creates a
// sandbox, runs CMD in it, and with --rm removes the sandbox when CMD exits (also on SIGINT/SIGTERM).

import { randomBytes } from "node:crypto";
import { flag, str, type Command } from "./common.js";
import { sandboxRequest } from "./sandbox-create.js";
import { execIn } from "./sandbox-exec.js";

export const run: Command = async (p, ctx) => {
  const name = str(p, "name") ?? `run-${randomBytes(5).toString("hex")}`;
  const client = ctx.client();
  const sb = await client.createSandbox(sandboxRequest(p, name));
  let code = 125;
  try {
    code = await execIn(sb, p.positionals);
  } finally {
    if (flag(p, "rm")) await client.removeSandbox(sb.Id, true);
  }
  return code;
};
