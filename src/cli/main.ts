#!/usr/bin/env node
// `dnet`: the command line. Global flags (`-H unix://PATH` or DNET_HOST, `--help`, `--version`), then a
// command from the command table (src/cli/commands.ts), whose implementation is imported only when it runs.
// Exit codes: 0 ok, 1 error ("Error: …" on one line of stderr, code by kind), 2 usage error.

import { DnetClient } from "../api/client.js";
import { DNET_VERSION } from "../api/dto.js";
import { EXIT_CODE_BY_KIND, isLibnetworkError } from "../errors/index.js";
import { parseCommandLine, parseGlobalFlags } from "./args.js";
import { resolveCommand, type CliContext, type Parsed } from "./command-def.js";
import { COMMAND_TABLE } from "./commands.js";
import { UsageError } from "./common.js";

function oneLine(msg: string): string {
  return msg.replace(/\s*\n\s*/g, "; ");
}

function context(host: string | undefined, holder: { client?: DnetClient }): CliContext {
  return {
    host, table: COMMAND_TABLE, stdin: process.stdin,
    out: (text) => { process.stdout.write(`${text}\n`); },
    write: (text) => { process.stdout.write(text); },
    err: (text) => { process.stderr.write(text); },
    client: () => (holder.client ??= new DnetClient(host)),
  };
}

/** Prints the help of `words` (a command, a group, or nothing for the overview). */
async function printHelp(ctx: CliContext, words: readonly string[]): Promise<number> {
  const { help } = await import("./help.js");
  return help({ values: {}, positionals: words }, ctx);
}

async function dispatch(args: readonly string[], ctx: CliContext): Promise<number> {
  const resolved = resolveCommand(COMMAND_TABLE, args);
  if (resolved.kind === "unknown") {
    const parent = ["dnet", ...args.slice(0, resolved.words - 1)].join(" ");
    throw new UsageError(`unknown command "${args[resolved.words - 1] ?? ""}" for "${parent}" (see '${parent} --help')`);
  }
  const rest = args.slice(resolved.words);
  if (resolved.kind === "group") {
    if (rest.length > 0 && rest[0] !== "-h" && rest[0] !== "--help") throw new UsageError(`unknown flag: ${rest[0]} (see 'dnet ${resolved.group.name} --help')`);
    return printHelp(ctx, [resolved.group.name]);
  }
  const p = parseCommandLine(resolved.def, rest);
  if (p.help) return printHelp(ctx, resolved.def.path);
  const parsed: Parsed = { values: p.values, positionals: p.positionals };
  const command = await resolved.def.load();
  return command(parsed, ctx);
}

/** Runs one command line; returns the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const holder: { client?: DnetClient } = {};
  try {
    const global = parseGlobalFlags(COMMAND_TABLE.globalFlags, argv);
    const hostFlag = global.values["host"];
    const ctx = context(typeof hostFlag === "string" ? hostFlag : env["DNET_HOST"], holder);
    if (global.values["version"] === true) {
      ctx.out(`dnet version ${DNET_VERSION}`);
      return 0;
    }
    if (global.values["help"] === true || global.rest.length === 0) return await printHelp(ctx, []);
    return await dispatch(global.rest, ctx);
  } catch (err) {
    process.stderr.write(`Error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    if (err instanceof UsageError) return 2;
    return isLibnetworkError(err) ? EXIT_CODE_BY_KIND[err.kind] : 1;
  } finally {
    holder.client?.close();
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(?:^|\/)(?:main\.js|dnet)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (err: unknown) => {
    process.stderr.write(`Error: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
