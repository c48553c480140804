// `dnet help [COMMAND]`, `dnet COMMAND --help`: usage text generated from the command table, one line per
// flag, then the command's details and examples (as the man page has them).

import {
  commandName, groupCommand, resolveCommand, synopsisTail, topCommands, type Command, type CommandDef, type CommandTable, type FlagDef, type GroupDef,
} from "./command-def.js";
import { COMMAND_DOCS } from "./command-docs.js";
import { UsageError } from "./common.js";

export const PROGRAM_SUMMARY = "Networks for containers and plain network namespaces: Docker's libnetwork as a daemon and its client";

/** `-d, --driver DRIVER` or `    --ipv6`. */
export function flagLabel(f: FlagDef): string {
  const long = `--${f.name}${f.value === undefined ? "" : ` ${f.value}`}`;
  return f.short === undefined ? `    ${long}` : `-${f.short}, ${long}`;
}

/** The description with what help adds: choices, default, repeatable. */
export function flagText(f: FlagDef): string {
  const notes: string[] = [];
  if (f.strict === true && f.choices !== undefined) notes.push(`one of ${f.choices.join(", ")}`);
  if (f.default !== undefined) notes.push(`default ${f.default}`);
  if (f.multiple === true) notes.push("repeatable");
  return notes.length === 0 ? f.description : `${f.description} (${notes.join("; ")})`;
}

function flagLines(flags: readonly FlagDef[]): string[] {
  const labels = flags.map(flagLabel);
  const width = Math.max(...labels.map((l) => l.length));
  return flags.map((f, i) => `  ${(labels[i] as string).padEnd(width)}   ${flagText(f)}`);
}

function nameLines(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([n]) => n.length), 10);
  return rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`);
}

const HELP_FLAG: FlagDef = { name: "help", short: "h", description: "Print usage" };

export function commandHelp(def: CommandDef): string {
  const lines = [`Usage:  ${commandName(def)} ${synopsisTail(def)}`.trimEnd(), "", def.summary];
  if (def.aliases !== undefined) {
    const prefix = commandName({ path: def.path.slice(0, -1) });
    lines.push("", "Aliases:", `  ${[def.path.at(-1) as string, ...def.aliases].map((a) => `${prefix} ${a}`).join(", ")}`);
  }
  lines.push("", "Options:", ...flagLines([...def.flags, HELP_FLAG]));
  const doc = COMMAND_DOCS[def.path.join(" ")];
  for (const paragraph of doc?.details ?? []) lines.push("", ...wrap(paragraph, HELP_WIDTH));
  if (doc !== undefined && doc.examples.length > 0) lines.push("", "Examples:", ...doc.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

/** Columns the details paragraphs are wrapped to. */
const HELP_WIDTH = 100;

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) { out.push(line); line = word; } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out;
}

export function groupHelp(table: CommandTable, group: GroupDef): string {
  const subs = table.commands.filter((d) => d.path.length === 2 && d.path[0] === group.name);
  const own = groupCommand(table, group.name);
  const usage = own === undefined ? [`Usage:  dnet ${group.name} COMMAND`]
    : [`Usage:  ${commandName(own)} ${synopsisTail(own)}`.trimEnd(), `        dnet ${group.name} COMMAND`];
  const ownText = own === undefined ? [] : ["", `${own.summary}.`, "", "Options:", ...flagLines([...own.flags, HELP_FLAG])];
  return [
    ...usage, "", group.summary, ...ownText, "", "Commands:",
    ...nameLines(subs.map((d) => [d.path[1] as string, d.summary])), "",
    `Run 'dnet ${group.name} COMMAND --help' for more information on a command.`,
  ].join("\n");
}

export function overviewHelp(table: CommandTable): string {
  const top = topCommands(table);
  return [
    "Usage:  dnet [OPTIONS] COMMAND", "", PROGRAM_SUMMARY, "", "Options:", ...flagLines(table.globalFlags), "",
    "Management Commands:", ...nameLines(table.groups.map((g) => [g.name, g.summary])), "",
    "Commands:", ...nameLines(top.map((d) => [d.path[0] as string, d.summary])), "",
    "Run 'dnet COMMAND --help' for more information on a command.",
  ].join("\n");
}

/** The help text for `words` (empty: the overview). */
export function helpFor(table: CommandTable, words: readonly string[]): string {
  if (words.length === 0) return overviewHelp(table);
  const r = resolveCommand(table, words);
  if (r.kind === "unknown" || r.words !== words.length) throw new UsageError(`unknown help topic "${words.join(" ")}" (see 'dnet --help')`);
  return r.kind === "group" ? groupHelp(table, r.group) : commandHelp(r.def);
}

export const help: Command = async (p, ctx) => {
  ctx.out(helpFor(ctx.table, p.positionals));
  return 0;
};
