// The bash completion script, generated from the command table: command and sub-command names, every
// command's flags, flag values (choices, files, network and sandbox names from the daemon) and operands.
// Self-contained (no bash-completion helpers needed); names come from `dnet … ls --format '{{.Name}}'`.

import type { CommandDef, CommandTable, Completion, FlagDef, OperandDef } from "./command-def.js";

/** A shell word in single quotes. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

function flagWords(flags: readonly FlagDef[]): string[] {
  return flags.flatMap((f) => [`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])]);
}

function functionName(def: CommandDef): string {
  return `_dnet__${def.path.join("_").replace(/-/g, "_")}`;
}

/** Shell code that fills COMPREPLY for one kind of value. */
function completeKind(kind: Completion | undefined, choices: readonly string[] | undefined): string {
  if (choices !== undefined) return `COMPREPLY=($(compgen -W ${shellQuote(choices.join(" "))} -- "$cur"))`;
  switch (kind) {
    case "network": case "sandbox": return `COMPREPLY=($(compgen -W "$(_dnet_names ${kind})" -- "$cur"))`;
    case "file": return `COMPREPLY=($(compgen -f -- "$cur"))`;
    case "command": return `COMPREPLY=($(compgen -c -- "$cur"))`;
    default: return "COMPREPLY=()";
  }
}

function valueCases(flags: readonly FlagDef[]): string[] {
  const valued = flags.filter((f) => f.value !== undefined);
  if (valued.length === 0) return [];
  return [
    '  if ((!ended)); then',
    '    case "$prev" in',
    ...valued.map((f) => `      ${[`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])].join("|")}) ${completeKind(f.complete, f.choices)}; return ;;`),
    "    esac",
    "  fi",
  ];
}

function operandCases(ops: readonly OperandDef[]): string[] {
  if (ops.length === 0) return ["  COMPREPLY=()"];
  const last = ops.length - 1;
  const lines = ['  case "$n" in'];
  ops.forEach((o, i) => {
    const pattern = i === last && o.repeat === true ? "*" : String(i);
    lines.push(`    ${pattern}) ${completeKind(o.complete, o.choices)} ;;`);
  });
  lines.push("  esac");
  return lines;
}

function commandFunction(def: CommandDef): string {
  const flags = [...def.flags, { name: "help", short: "h", description: "" }];
  const valued = flags.filter((f) => f.value !== undefined).flatMap((f) => [`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])]);
  return [
    `${functionName(def)}() {`,
    `  local n ended`,
    `  _dnet_operands "$1" ${shellQuote(` ${valued.join(" ")} `)} ${def.interspersed === false ? 1 : 0}`,
    ...valueCases(flags),
    `  if [[ "$cur" == -* ]] && ((!ended)); then COMPREPLY=($(compgen -W ${shellQuote(flagWords(flags).join(" "))} -- "$cur")); return; fi`,
    ...operandCases(def.operands),
    "}",
  ].join("\n");
}

const HELPERS = [
  "# Names of networks or sandboxes, from the daemon the command line talks to.",
  "_dnet_names() {",
  "  \"${words[0]}\" \"${host[@]}\" \"$1\" ls --format '{{.Name}}' 2>/dev/null",
  "}",
  "",
  "# Sets n, the index of the operand under the cursor (words from $1 on that are not flags or their",
  "# values), and ended, 1 once flags have ended. $2: the flags that take a value (space-padded);",
  "# $3: 1 if flags end at the first operand (run, sandbox exec).",
  "_dnet_operands() {",
  "  local i w skip=0",
  "  n=0 ended=0",
  "  for ((i = $1; i < cword; i++)); do",
  "    w=\"${words[i]}\"",
  "    if ((skip)); then skip=0; continue; fi",
  "    if [[ \"$w\" == \"--\" ]]; then ended=1; continue; fi",
  "    if ((ended)); then n=$((n + 1)); continue; fi",
  "    if [[ \"$w\" == -* && \"$w\" != \"-\" ]]; then",
  "      [[ \"$w\" != *=* && \"$2\" == *\" $w \"* ]] && skip=1",
  "      continue",
  "    fi",
  "    n=$((n + 1))",
  "    (($3)) && ended=1",
  "  done",
  "}",
].join("\n");

function dispatcher(table: CommandTable): string {
  const top = [...table.groups.map((g) => g.name), ...table.commands.filter((d) => d.path.length === 1).map((d) => d.path[0] as string)].sort();
  const globalValued = table.globalFlags.filter((f) => f.value !== undefined).flatMap((f) => [`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])]);
  const groupCases = table.groups.map((g) => {
    const subs = table.commands.filter((d) => d.path.length === 2 && d.path[0] === g.name);
    const names = subs.flatMap((d) => [d.path[1] as string, ...(d.aliases ?? [])]);
    const calls = subs.map((d) => `        ${[d.path[1], ...(d.aliases ?? [])].join("|")}) ${functionName(d)} $((i + 2)) ;;`);
    return [
      `    ${g.name})`,
      `      if ((cword == i + 1)); then COMPREPLY=($(compgen -W ${shellQuote([...names, "--help"].join(" "))} -- "$cur")); return; fi`,
      '      case "${words[i + 1]}" in', ...calls, "      esac ;;",
    ].join("\n");
  });
  const topCases = table.commands.filter((d) => d.path.length === 1).map((d) => `    ${d.path[0]}) ${functionName(d)} $((i + 1)) ;;`);
  return [
    "_dnet() {",
    "  # Words from the command line itself: COMP_WORDS splits unix://PATH and KEY=VALUE at : and =.",
    '  local line="${COMP_LINE:0:COMP_POINT}" words=() cword cur prev i=1 w host=()',
    '  read -ra words <<<"$line"',
    '  [[ ${#words[@]} -eq 0 || "$line" == *[[:space:]] ]] && words+=("")',
    "  cword=$((${#words[@]} - 1))",
    '  cur="${words[cword]}" prev="${words[cword - 1]}"',
    "  _dnet_complete",
    "  # Like bash-completion's __ltrim_colon_completions: bash replaces only the part after the last colon.",
    '  if [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then',
    '    local colon="${cur%"${cur##*:}"}" k',
    '    for k in "${!COMPREPLY[@]}"; do COMPREPLY[k]="${COMPREPLY[k]#"$colon"}"; done',
    "  fi",
    "}",
    "",
    "_dnet_complete() {",
    "  # The global flags before the command (-H is also used to list names).",
    "  while ((i < cword)); do",
    '    w="${words[i]}"',
    '    case "$w" in',
    `      ${globalValued.join("|")}) host=(-H "\${words[i + 1]}"); i=$((i + 2)) ;;`,
    '      --host=*) host=(-H "${w#*=}"); i=$((i + 1)) ;;',
    "      -*) i=$((i + 1)) ;;",
    "      *) break ;;",
    "    esac",
    "  done",
    "  if ((i >= cword)); then",
    `    case "$prev" in ${globalValued.join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac`,
    `    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${shellQuote(flagWords(table.globalFlags).join(" "))} -- "$cur"))`,
    `    else COMPREPLY=($(compgen -W ${shellQuote(top.join(" "))} -- "$cur")); fi`,
    "    return",
    "  fi",
    '  case "${words[i]}" in',
    ...groupCases, ...topCases,
    "  esac",
    "}",
  ].join("\n");
}

export function bashCompletion(table: CommandTable): string {
  return [
    "# bash completion for dnet. Generated by `dnet completion bash`; load it with",
    "#   source <(dnet completion bash)   or   dnet completion bash > /etc/bash_completion.d/dnet",
    "",
    HELPERS, "",
    ...table.commands.map(commandFunction).flatMap((f) => [f, ""]),
    dispatcher(table), "",
    "complete -F _dnet dnet", "",
  ].join("\n");
}
