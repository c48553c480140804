// The flag parser every command uses, driven by its row of the command table: GNU/pflag style like the
// docker CLI (`--flag=v`, `--flag v`, `-f v`, `-fv`, `-qa`, `--` ends the flags), with dnet's own one-line
// usage errors (exit 2) instead of a library's wording.

import { arity, commandName, type CommandDef, type FlagDef, type Parsed } from "./command-def.js";
import { UsageError } from "./common.js";

type Values = Record<string, string | boolean | string[]>;

export interface ParsedLine extends Parsed {
  /** `-h` / `--help` was given. */
  readonly help: boolean;
}

const HELP: FlagDef = { name: "help", short: "h", description: "Print usage" };

function seeHelp(where: string): string {
  return `(see '${where} --help')`;
}

class Cursor {
  i = 0;
  constructor(readonly args: readonly string[]) {}
  next(): string | undefined { return this.args[this.i++]; }
  rest(): string[] { const r = this.args.slice(this.i); this.i = this.args.length; return r; }
}

/** `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1) as string}`;
}

function parseBool(raw: string, shown: string, where: string): boolean {
  if (["true", "1", "t", "T", "TRUE", "True"].includes(raw)) return true;
  if (["false", "0", "f", "F", "FALSE", "False"].includes(raw)) return false;
  throw new UsageError(`invalid argument ${JSON.stringify(raw)} for "${shown}" flag: use true or false ${seeHelp(where)}`);
}

function store(values: Values, flag: FlagDef, value: string | boolean, shown: string, where: string): void {
  if (typeof value === "string" && flag.strict === true && flag.choices !== undefined && !flag.choices.includes(value)) {
    throw new UsageError(`invalid argument ${JSON.stringify(value)} for "${shown}" flag: use ${orList(flag.choices)} ${seeHelp(where)}`);
  }
  if (flag.multiple === true && typeof value === "string") {
    const prev = values[flag.name];
    values[flag.name] = Array.isArray(prev) ? [...prev, value] : [value];
  } else values[flag.name] = value;
}

function longFlag(arg: string, flags: readonly FlagDef[], values: Values, c: Cursor, where: string): void {
  const eq = arg.indexOf("=");
  const name = arg.slice(2, eq < 0 ? undefined : eq);
  const flag = flags.find((f) => f.name === name);
  if (flag === undefined) throw new UsageError(`unknown flag: --${name} ${seeHelp(where)}`);
  const shown = `--${name}`;
  if (flag.value === undefined) {
    store(values, flag, eq < 0 ? true : parseBool(arg.slice(eq + 1), shown, where), shown, where);
    return;
  }
  const value = eq >= 0 ? arg.slice(eq + 1) : c.next();
  if (value === undefined) throw new UsageError(`flag needs an argument: ${shown} ${seeHelp(where)}`);
  store(values, flag, value, shown, where);
}

/** `-q`, `-qa`, `-d bridge`, `-dbridge`, `-d=bridge`. */
function shortFlags(arg: string, flags: readonly FlagDef[], values: Values, c: Cursor, where: string): void {
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j] as string;
    const flag = flags.find((f) => f.short === letter);
    if (flag === undefined) throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg} ${seeHelp(where)}`);
    const shown = `-${letter}`;
    if (flag.value === undefined) {
      if (arg[j + 1] === "=") { store(values, flag, parseBool(arg.slice(j + 2), shown, where), shown, where); return; }
      store(values, flag, true, shown, where);
      continue;
    }
    let value: string | undefined = arg.slice(j + 1);
    if (value.startsWith("=")) value = value.slice(1);
    else if (value === "") value = c.next();
    if (value === undefined) throw new UsageError(`flag needs an argument: '${letter}' in ${arg} ${seeHelp(where)}`);
    store(values, flag, value, shown, where);
    return;
  }
}

/** Flags and operands of one command line; checks the operand count the command's row declares. */
export function parseCommandLine(def: CommandDef, args: readonly string[]): ParsedLine {
  const where = commandName(def);
  const flags = [...def.flags, HELP];
  const values: Values = {};
  const positionals: string[] = [];
  const c = new Cursor(args);
  for (let arg = c.next(); arg !== undefined; arg = c.next()) {
    if (arg === "--") { positionals.push(...c.rest()); break; }
    if (arg.startsWith("--")) longFlag(arg, flags, values, c, where);
    else if (arg.startsWith("-") && arg !== "-") shortFlags(arg, flags, values, c, where);
    else {
      positionals.push(arg);
      if (def.interspersed === false) { positionals.push(...c.rest()); break; }
    }
  }
  const help = values["help"] === true;
  delete values["help"];
  if (!help) checkArity(def, positionals.length, where);
  return { values, positionals, help };
}

function checkArity(def: CommandDef, n: number, where: string): void {
  const { min, max } = arity(def);
  const plural = (k: number): string => `${k} argument${k === 1 ? "" : "s"}`;
  if (n >= min && n <= max) return;
  let what: string;
  if (max === 0) what = "accepts no arguments";
  else if (min === max) what = `requires exactly ${plural(min)}`;
  else if (n < min) what = `requires at least ${plural(min)}`;
  else what = `accepts at most ${plural(max)}`;
  throw new UsageError(`"${where}" ${what} ${seeHelp(where)}`);
}

/** The global flags before the command: `-H`, `--help`, `--version`. Returns them and the rest. */
export function parseGlobalFlags(flags: readonly FlagDef[], args: readonly string[]): { readonly values: Readonly<Values>; readonly rest: string[] } {
  const values: Values = {};
  const c = new Cursor(args);
  for (;;) {
    const arg = args[c.i];
    if (arg === undefined || !arg.startsWith("-") || arg === "-") break;
    c.i++;
    if (arg === "--") break;
    if (arg.startsWith("--")) longFlag(arg, flags, values, c, "dnet");
    else shortFlags(arg, flags, values, c, "dnet");
  }
  return { values, rest: c.rest() };
}
