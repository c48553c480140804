// The dnet(1) man page (roff, man(7) macros), generated from the command table and command-docs.ts.
// `node dist/scripts/gen-cli-docs.js` writes it to docs/dnet.1; a test checks the file is up to date.

import { DNET_VERSION } from "../api/dto.js";
import { COMMAND_DOCS, PROGRAM_DESCRIPTION } from "./command-docs.js";
import { commandName, synopsisTail, type CommandDef, type CommandTable, type FlagDef } from "./command-def.js";
import { PROGRAM_SUMMARY, flagText } from "./help.js";

/** Text safe in roff: backslashes, hyphens (so they stay hyphens), no control character at a line's start, ASCII only. */
export function roff(s: string): string {
  return s.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^([.'])/gm, "\\&$1")
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}]`);
}

function flagTerm(f: FlagDef): string {
  const long = `\\fB\\-\\-${roff(f.name)}\\fR${f.value === undefined ? "" : ` \\fI${roff(f.value)}\\fR`}`;
  return f.short === undefined ? long : `\\fB\\-${roff(f.short)}\\fR, ${long}`;
}

function flagItems(flags: readonly FlagDef[]): string[] {
  return flags.flatMap((f) => [".TP", flagTerm(f), roff(flagText(f))]);
}

function examples(lines: readonly string[]): string[] {
  return [".PP", "Examples:", ".PP", ".RS", ".nf", ...lines.map(roff), ".fi", ".RE"];
}

function commandSection(def: CommandDef): string[] {
  const doc = COMMAND_DOCS[def.path.join(" ")];
  const out = [`.SS "${roff(commandName(def))}"`, ".PP", `\\fB${roff(commandName(def))}\\fR ${roff(synopsisTail(def))}`.trimEnd(), ".PP", `${roff(def.summary)}.`];
  if (def.aliases !== undefined) out.push(".PP", `Also: ${def.aliases.map((a) => `\\fB${roff(commandName({ path: [...def.path.slice(0, -1), a] }))}\\fR`).join(", ")}.`);
  for (const p of doc?.details ?? []) out.push(".PP", roff(p));
  if (def.flags.length > 0) out.push(...flagItems(def.flags));
  if (doc !== undefined) out.push(...examples(doc.examples));
  return out;
}

export function manPage(table: CommandTable): string {
  const lines = [
    `.TH DNET 1 "" "dnet ${DNET_VERSION}" "User Commands"`,
    ".SH NAME",
    `dnet \\- ${roff(PROGRAM_SUMMARY.charAt(0).toLowerCase() + PROGRAM_SUMMARY.slice(1))}`,
    ".SH SYNOPSIS",
    ".B dnet",
    "[\\fB\\-H\\fR \\fIunix://PATH\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARG\\fR...]",
    ".br",
    ".B dnet",
    "\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR | \\fBhelp\\fR [\\fICOMMAND\\fR]",
    ".SH DESCRIPTION",
    ...PROGRAM_DESCRIPTION.flatMap((p) => [".PP", roff(p)]),
    ".PP",
    "Every command takes \\fB\\-h\\fR or \\fB\\-\\-help\\fR. Flags may come before or after operands; \\fB\\-\\-\\fR ends them.",
    ".SH GLOBAL OPTIONS",
    ...flagItems(table.globalFlags),
    ".SH COMMANDS",
    ...table.commands.flatMap(commandSection),
    ".SH EXIT STATUS",
    ".TP", "0", "Success.",
    ".TP", "1", "An error; its message is one line on standard error, starting with \\(lqError:\\(rq.",
    ".TP", "2", "A usage error (unknown command or flag, missing operand).",
    ".PP", "\\fBdnet run\\fR and \\fBdnet sandbox exec\\fR exit with the command's own exit code.",
    ".SH ENVIRONMENT",
    ".TP", ".B DNET_HOST", "The daemon's socket when \\fB\\-H\\fR is not given: \\fIunix://PATH\\fR or \\fItcp://HOST:PORT\\fR.",
    ".SH FILES",
    ".TP", ".I /run/dnet/dnet.sock", "The daemon's API socket.",
    ".TP", ".I /var/lib/dnet/", "The daemon's state (an SQLite database).",
    ".TP", ".I /run/netns/NAME", "A sandbox's network namespace (\\fBip netns exec NAME\\fR works).",
    ".TP", ".I /etc/netns/NAME/", "A sandbox's \\fIhosts\\fR and \\fIresolv.conf\\fR.",
    ".SH SEE ALSO",
    ".BR docker-network (1),",
    ".BR ip-netns (8),",
    ".BR nft (8)",
    "",
  ];
  return lines.join("\n");
}
