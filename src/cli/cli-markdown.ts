// docs/cli.md, generated from the command table and command-docs.ts: every command with its usage, flags
// and examples. `node dist/scripts/gen-cli-docs.js` writes it; a test checks the file is up to date.

import { COMMAND_DOCS, PROGRAM_DESCRIPTION } from "./command-docs.js";
import { commandName, synopsisTail, type CommandDef, type CommandTable, type FlagDef } from "./command-def.js";
import { flagLabel, flagText } from "./help.js";

/** A table cell: pipes escaped, no line breaks. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function flagTable(flags: readonly FlagDef[]): string[] {
  return ["| Flag | Description |", "|---|---|", ...flags.map((f) => `| \`${cell(flagLabel(f).trim())}\` | ${cell(flagText(f))} |`)];
}

function anchor(def: CommandDef): string {
  return commandName(def).replace(/ /g, "-");
}

function section(def: CommandDef): string[] {
  const doc = COMMAND_DOCS[def.path.join(" ")];
  const out = [`## ${commandName(def)}`, "", `${def.summary}.`, "", "```", `${commandName(def)} ${synopsisTail(def)}`.trimEnd(), "```", ""];
  if (def.aliases !== undefined) out.push(`Also: ${def.aliases.map((a) => `\`${commandName({ path: [...def.path.slice(0, -1), a] })}\``).join(", ")}.`, "");
  for (const p of doc?.details ?? []) out.push(p, "");
  if (def.flags.length > 0) out.push(...flagTable(def.flags), "");
  if (doc !== undefined) out.push("Examples:", "", "```sh", ...doc.examples, "```", "");
  return out;
}

export function cliMarkdown(table: CommandTable): string {
  return [
    "# The dnet command line",
    "",
    "<!-- Generated from src/cli/commands*.ts and src/cli/command-docs.ts by `node dist/scripts/gen-cli-docs.js`; do not edit. -->",
    "",
    ...PROGRAM_DESCRIPTION.flatMap((p) => [p, ""]),
    "```",
    "dnet [-H unix://PATH] COMMAND [OPTIONS] [ARG...]",
    "```",
    "",
    "Every command takes `-h`/`--help`; `dnet help COMMAND` prints the same. Flags may come before or after",
    "operands, and `--` ends them. The same text is in the man page docs/dnet.1 (`man -l docs/dnet.1`; copy it",
    "to /usr/local/share/man/man1/ for `man dnet`), and shell completions come from `dnet completion bash` and",
    "`dnet completion zsh`.",
    "",
    "Global options (before the command):",
    "",
    ...flagTable(table.globalFlags),
    "",
    "Exit status: 0 on success; 1 on an error, with its message on one line of standard error starting with",
    "`Error:`; 2 on a usage error (unknown command or flag, missing operand). `dnet run` and",
    "`dnet sandbox exec` exit with the command's own exit code. `DNET_HOST` names the daemon's socket when",
    "`-H` is not given.",
    "",
    "## Commands",
    "",
    ...table.commands.map((d) => `- [\`${commandName(d)}\`](#${anchor(d)}): ${d.summary}`),
    "",
    ...table.commands.flatMap(section),
  ].join("\n");
}
