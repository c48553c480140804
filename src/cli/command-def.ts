// The shape of one `dnet` command in the command table (src/cli/commands.ts): what help, the flag parser,
// the man page, docs/cli.md and the shell completions are all generated from. Data and types only.

import type { DnetClient } from "../api/client.js";

/** A command's flags (long names) and operands, as the parser left them. */
export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

export interface CliContext {
  /** The `-H` value, else DNET_HOST, else the default socket. */
  readonly host: string | undefined;
  client(): DnetClient;
  /** Writes a line to stdout. */
  out(text: string): void;
  /** Writes to stdout as is. */
  write(text: string): void;
  /** Writes to stderr as is: what is for the user, not the output (questions, progress). */
  err(text: string): void;
  /** Standard input, for questions ([y/N]). */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** The command table (help and completion are generated from it). */
  readonly table: CommandTable;
}

export type Command = (p: Parsed, ctx: CliContext) => Promise<number>;

/** What a shell completion offers for a flag's value or an operand. */
export type Completion = "network" | "sandbox" | "file" | "command";

export interface FlagDef {
  /** Long name, without the dashes. */
  readonly name: string;
  /** One-letter form, without the dash. */
  readonly short?: string;
  /** The value's placeholder (`CIDR`); absent: a switch that takes no value. */
  readonly value?: string;
  /** Repeatable: every occurrence is kept, in order. */
  readonly multiple?: boolean;
  readonly description: string;
  /** Shown in help as "(default …)". */
  readonly default?: string;
  /** The values completion offers and help lists. */
  readonly choices?: readonly string[];
  /** Only `choices` are accepted (otherwise they are suggestions, e.g. drivers beside plugins). */
  readonly strict?: boolean;
  readonly complete?: Completion;
}

export interface OperandDef {
  /** Placeholder in the synopsis: `NETWORK`. */
  readonly name: string;
  readonly optional?: boolean;
  /** May be given any number of times (only the last operand). */
  readonly repeat?: boolean;
  readonly complete?: Completion;
  /** Fixed words completion offers (`bash`, `zsh`). */
  readonly choices?: readonly string[];
}

export interface CommandDef {
  /** The words that name it: `["network", "ls"]`. */
  readonly path: readonly string[];
  /** Other names of the last word (`list` for `ls`). */
  readonly aliases?: readonly string[];
  /** One line, sentence case, no final period. */
  readonly summary: string;
  readonly flags: readonly FlagDef[];
  readonly operands: readonly OperandDef[];
  /** False: flags end at the first operand (what follows is a command line of its own, as for `run`). */
  readonly interspersed?: boolean;
  /** Imports the implementation (only when the command runs). */
  readonly load: () => Promise<Command>;
}

export interface GroupDef {
  readonly name: string;
  readonly summary: string;
}

export interface CommandTable {
  readonly commands: readonly CommandDef[];
  readonly groups: readonly GroupDef[];
  /** Flags that go before the command (`dnet -H unix:///run/x.sock network ls`). */
  readonly globalFlags: readonly FlagDef[];
}

/** A flag that takes a value. */
export function opt(name: string, value: string, description: string, more: Partial<Omit<FlagDef, "name" | "value" | "description">> = {}): FlagDef {
  return { name, value, description, ...more };
}

/** A repeatable flag that takes a value. */
export function opts(name: string, value: string, description: string, more: Partial<Omit<FlagDef, "name" | "value" | "description" | "multiple">> = {}): FlagDef {
  return { name, value, description, multiple: true, ...more };
}

/** A switch (no value). */
export function sw(name: string, description: string, short?: string): FlagDef {
  return short === undefined ? { name, description } : { name, short, description };
}

export function operand(name: string, more: Partial<Omit<OperandDef, "name">> = {}): OperandDef {
  return { name, ...more };
}

/** The fewest and most operands a command takes. */
export function arity(def: Pick<CommandDef, "operands">): { readonly min: number; readonly max: number } {
  const min = def.operands.filter((o) => o.optional !== true).length;
  const max = def.operands.some((o) => o.repeat === true) ? Infinity : def.operands.length;
  return { min, max };
}

/** `dnet network ls`. */
export function commandName(def: Pick<CommandDef, "path">): string {
  return ["dnet", ...def.path].join(" ");
}

/** `[OPTIONS] NETWORK [NETWORK...]`. */
export function synopsisTail(def: Pick<CommandDef, "flags" | "operands" | "interspersed">): string {
  const parts: string[] = def.flags.length > 0 ? ["[OPTIONS]"] : [];
  if (def.interspersed === false && def.operands.length > 1) parts.push(...operandWords(def.operands.slice(0, -2)), "[--]", ...operandWords(def.operands.slice(-2)));
  else parts.push(...operandWords(def.operands));
  return parts.join(" ");
}

function operandWords(ops: readonly OperandDef[]): string[] {
  return ops.map((o) => {
    const word = o.repeat === true ? `${o.name}...` : o.name;
    if (o.optional === true) return `[${word}]`;
    return o.repeat === true ? `${o.name} [${o.name}...]` : word;
  });
}

/** What the leading words of a command line name: a command (and how many words named it), a group, or nothing. */
export type Resolved =
  | { readonly kind: "command"; readonly def: CommandDef; readonly words: number }
  | { readonly kind: "group"; readonly group: GroupDef; readonly words: number }
  | { readonly kind: "unknown"; readonly words: number };

export function resolveCommand(table: CommandTable, args: readonly string[]): Resolved {
  const first = args[0] ?? "";
  const group = table.groups.find((g) => g.name === first);
  const matches = (def: CommandDef, i: number, word: string | undefined): boolean =>
    def.path[i] === word || (i === def.path.length - 1 && def.aliases?.includes(word ?? "") === true);
  if (group !== undefined) {
    const def = table.commands.find((d) => d.path.length === 2 && d.path[0] === first && matches(d, 1, args[1]));
    if (def !== undefined) return { kind: "command", def, words: 2 };
    return args[1] === undefined || args[1].startsWith("-") ? { kind: "group", group, words: 1 } : { kind: "unknown", words: 2 };
  }
  const def = table.commands.find((d) => d.path.length === 1 && matches(d, 0, first));
  return def === undefined ? { kind: "unknown", words: 1 } : { kind: "command", def, words: 1 };
}
