// `dnet completion bash|zsh`: prints the shell completion script generated from the command table.

import type { Command } from "./common.js";
import { bashCompletion } from "./completion-bash.js";
import { zshCompletion } from "./completion-zsh.js";
import { UsageError } from "./common.js";

export const completion: Command = async (p, ctx) => {
  const shell = p.positionals[0];
  if (shell === "bash") ctx.write(bashCompletion(ctx.table));
  else if (shell === "zsh") ctx.write(zshCompletion(ctx.table));
  else throw new UsageError(`unsupported shell ${JSON.stringify(shell)}: use bash or zsh`);
  return 0;
};
