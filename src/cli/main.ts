#!/usr/bin/env node
// `dnet`: the command line. Global `-H unix://PATH` (or DNET_HOST), then one subcommand per file.
// Exit codes: 0 ok, 1 error ("Error: …" on one line of stderr, code by kind), 2 usage error.

import { DnetClient } from "../api/client.js";
import { EXIT_CODE_BY_KIND, isLibnetworkError } from "../errors/index.js";
import { UsageError, type CliContext, type Command } from "./common.js";

/** Loads one subcommand's file: a command pays only for the modules it uses. */
type Load = () => Promise<Command>;

// Each subcommand is imported when it runs. Every one but `daemon` talks to the daemon through api/; the
// daemon command alone runs the library (~160 modules) in this process, so only it loads src/daemon/.
const networkLs: Load = async () => (await import("./network-ls.js")).networkLs;
const networkRm: Load = async () => (await import("./network-rm.js")).networkRm;
const sandboxLs: Load = async () => (await import("./sandbox-ls.js")).sandboxLs;
const sandboxRm: Load = async () => (await import("./sandbox-rm.js")).sandboxRm;

const COMMANDS: Readonly<Record<string, Load | Readonly<Record<string, Load>>>> = {
  daemon: async () => (await import("./daemon.js")).daemon,
  run: async () => (await import("./run.js")).run,
  version: async () => (await import("./version.js")).version,
  network: {
    create: async () => (await import("./network-create.js")).networkCreate, ls: networkLs, list: networkLs,
    inspect: async () => (await import("./network-inspect.js")).networkInspect, rm: networkRm, remove: networkRm,
    connect: async () => (await import("./network-connect.js")).networkConnect,
    disconnect: async () => (await import("./network-disconnect.js")).networkDisconnect,
    prune: async () => (await import("./network-prune.js")).networkPrune,
  },
  sandbox: {
    create: async () => (await import("./sandbox-create.js")).sandboxCreate, ls: sandboxLs, list: sandboxLs,
    inspect: async () => (await import("./sandbox-inspect.js")).sandboxInspect, rm: sandboxRm, remove: sandboxRm,
    exec: async () => (await import("./sandbox-exec.js")).sandboxExec,
  },
};

const USAGE = "usage: dnet [-H unix://PATH] COMMAND (daemon | network create|ls|inspect|rm|connect|disconnect|prune | sandbox create|ls|inspect|rm|exec | run | version)";

function oneLine(msg: string): string {
  return msg.replace(/\s*\n\s*/g, "; ");
}

/** Runs one command line; returns the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let host = env["DNET_HOST"];
  let args = [...argv];
  let client: DnetClient | undefined;
  try {
    while (args[0] === "-H" || args[0] === "--host" || args[0]?.startsWith("--host=") === true || args[0]?.startsWith("-H=") === true) {
      const a = args[0] as string;
      if (a.includes("=")) { host = a.slice(a.indexOf("=") + 1); args = args.slice(1); } else {
        if (args[1] === undefined) throw new UsageError("flag needs an argument: -H");
        host = args[1];
        args = args.slice(2);
      }
    }
    const group = args[0];
    if (group === undefined || group === "help" || group === "--help" || group === "-h") throw new UsageError(USAGE);
    const entry = COMMANDS[group];
    if (entry === undefined) throw new UsageError(`unknown command ${JSON.stringify(group)} (${USAGE})`);
    let load: Load;
    if (typeof entry === "function") { load = entry; args = args.slice(1); } else {
      const sub = args[1];
      const c = sub === undefined ? undefined : entry[sub];
      if (c === undefined) throw new UsageError(`unknown command "${group} ${sub ?? ""}" (usage: dnet ${group} ${Object.keys(entry).join("|")})`);
      load = c;
      args = args.slice(2);
    }
    const cmd = await load();
    const ctx: CliContext = {
      host, out: (text) => { process.stdout.write(`${text}\n`); },
      client: () => (client ??= new DnetClient(host)),
    };
    return await cmd(args, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`Error: ${oneLine(err.message)}\n`);
      return 2;
    }
    if (isLibnetworkError(err)) {
      process.stderr.write(`Error: ${oneLine(err.message)}\n`);
      return EXIT_CODE_BY_KIND[err.kind];
    }
    process.stderr.write(`Error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  } finally {
    client?.close();
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
