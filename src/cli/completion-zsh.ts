// The zsh completion script (`#compdef dnet`), generated from the command table with _arguments specs:
// described commands and flags, flag values (choices, files, network and sandbox names) and operands.

import { groupCommand, topCommands, type CommandDef, type CommandTable, type Completion, type FlagDef, type OperandDef } from "./command-def.js";
import { shellQuote } from "./completion-bash.js";

/** Text inside an _arguments `[…]` description or a `:message:` (brackets and colons escaped). */
function esc(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/([[\]:])/g, "\\$1");
}

function action(kind: Completion | undefined, choices: readonly string[] | undefined): string {
  if (choices !== undefined) return `(${choices.join(" ")})`;
  switch (kind) {
    case "network": case "sandbox": return `_dnet_names ${kind}`;
    case "file": return "_files";
    case "command": return "_command_names -e";
    default: return " ";
  }
}

function flagSpec(f: FlagDef): string {
  const forms = [`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])];
  const value = f.value === undefined ? "" : `:${esc(f.value.toLowerCase())}:${action(f.complete, f.choices)}`;
  const desc = `[${esc(f.description)}]`;
  const exclusive = f.multiple === true ? "*" : `(${forms.join(" ")})`;
  if (forms.length === 1) return shellQuote(`${exclusive}${forms[0]}${desc}${value}`);
  return `${shellQuote(exclusive)}{${forms.join(",")}}${shellQuote(`${desc}${value}`)}`;
}

function operandSpec(o: OperandDef, i: number, ops: readonly OperandDef[]): string {
  const message = esc(o.name.toLowerCase());
  if (o.repeat === true && i === ops.length - 1) return shellQuote(`*:${message}:${action(o.complete, o.choices)}`);
  return shellQuote(`${o.optional === true ? ":" : ""}:${message}:${action(o.complete, o.choices)}`);
}

function functionName(def: CommandDef): string {
  return `_dnet__${def.path.join("_").replace(/-/g, "_")}`;
}

function commandFunction(def: CommandDef): string {
  const specs = [...def.flags.map(flagSpec), shellQuote("(- *)--help[Print usage]"), shellQuote("(- *)-h[Print usage]")];
  // A command line after the sandbox (exec) or the flags (run) is completed as a command of its own.
  const ops = def.interspersed === false
    ? [...def.operands.filter((o) => o.complete !== "command" && o.repeat !== true).map((o, i, all) => operandSpec(o, i, all)), shellQuote("*::command:_normal")]
    : def.operands.map(operandSpec);
  return [`${functionName(def)}() {`, `  _arguments -s -S \\`, ...[...specs, ...ops].map((s) => `    ${s} \\`), "    && return 0", "}"].join("\n");
}

function describeList(name: string, rows: ReadonlyArray<readonly [string, string]>): string {
  return [`  local -a ${name}`, `  ${name}=(`, ...rows.map(([n, d]) => `    ${shellQuote(`${n}:${esc(d)}`)}`), "  )"].join("\n");
}

function groupFunction(table: CommandTable, group: string): string {
  const subs = table.commands.filter((d) => d.path.length === 2 && d.path[0] === group);
  const rows = subs.flatMap((d) => [d.path[1] as string, ...(d.aliases ?? [])].map((n) => [n, d.summary] as const));
  // A group that is a command too: its first operand (and what follows) besides the sub-command names.
  const own = groupCommand(table, group);
  const first = own?.operands[0];
  const ownSub = first === undefined ? [] : [`      ${action(first.complete, first.choices)}`];
  const ownArgs = own === undefined ? [] : [`        *) _arguments ${own.operands.slice(1).map((o, i, all) => operandSpec(o, i, all)).join(" ")} ;;`];
  return [
    `_dnet_group_${group}() {`,
    "  local curcontext=\"$curcontext\" state line",
    "  _arguments -C '1: :->sub' '*:: :->args' && return 0",
    "  case $state in",
    "    sub)",
    describeList("subs", rows).replace(/^/gm, "    "),
    `      _describe -t commands 'dnet ${group} command' subs`,
    ...ownSub,
    "      ;;",
    "    args)",
    "      case $line[1] in",
    ...subs.map((d) => `        ${[d.path[1], ...(d.aliases ?? [])].join("|")}) ${functionName(d)} ;;`),
    ...ownArgs,
    "      esac ;;",
    "  esac",
    "}",
  ].join("\n");
}

function mainFunction(table: CommandTable): string {
  const top = topCommands(table);
  const rows = [...table.groups.map((g) => [g.name, g.summary] as const), ...top.map((d) => [d.path[0] as string, d.summary] as const)];
  const globals = table.globalFlags.map((f) => flagSpec(f.name === "host" ? { ...f, complete: "file" } : f));
  return [
    "_dnet() {",
    "  local curcontext=\"$curcontext\" state line prog=${words[1]}",
    "  # -H also selects the daemon that network and sandbox names come from.",
    "  local -a host",
    "  local i=${words[(I)(-H|--host)]}",
    "  (( i > 0 )) && host=(-H ${words[i+1]})",
    "  _arguments -C \\",
    ...globals.map((g) => `    ${g} \\`),
    "    '1: :->command' '*:: :->args' && return 0",
    "  case $state in",
    "    command)",
    describeList("commands", rows).replace(/^/gm, "    "),
    "      _describe -t commands 'dnet command' commands ;;",
    "    args)",
    "      case $line[1] in",
    ...table.groups.map((g) => `        ${g.name}) _dnet_group_${g.name} ;;`),
    ...top.map((d) => `        ${d.path[0]}) ${functionName(d)} ;;`),
    "      esac ;;",
    "  esac",
    "}",
  ].join("\n");
}

export function zshCompletion(table: CommandTable): string {
  return [
    "#compdef dnet",
    "# zsh completion for dnet. Generated by `dnet completion zsh`; put it in a directory of $fpath as _dnet,",
    "# or load it with: source <(dnet completion zsh)",
    "",
    "# _arguments calls actions with its own compadd options first: the kind is the last argument.",
    "_dnet_names() {",
    "  local kind=${@[-1]}",
    "  local -a names",
    "  names=(${(f)\"$($prog $host $kind ls --format '{{.Name}}' 2>/dev/null)\"})",
    "  _describe -t $kind \"$kind\" names",
    "}",
    "",
    ...table.commands.map(commandFunction).flatMap((f) => [f, ""]),
    ...table.groups.map((g) => groupFunction(table, g.name)).flatMap((f) => [f, ""]),
    mainFunction(table), "",
    "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _dnet \"$@\"; else compdef _dnet dnet; fi", "",
  ].join("\n");
}
