#!/usr/bin/env node
// `dnet`: the command line. Global `-H unix://PATH` (or DNET_HOST), then one subcommand per file.
// Exit codes: 0 ok, 1 error ("Error: …" on one line of stderr, code by kind), 2 usage error.

import { DnetClient } from "../api/client.js";
import { EXIT_CODE_BY_KIND, isLibnetworkError } from "../errors/index.js";
import { UsageError, type CliContext, type Command } from "./common.js";
import { daemon } from "./daemon.js";
import { networkConnect } from "./network-connect.js";
import { networkCreate } from "./network-create.js";
import { networkDisconnect } from "./network-disconnect.js";
import { networkInspect } from "./network-inspect.js";
import { networkLs } from "./network-ls.js";
import { networkPrune } from "./network-prune.js";
import { networkRm } from "./network-rm.js";
import { run } from "./run.js";
import { sandboxCreate } from "./sandbox-create.js";
import { sandboxExec } from "./sandbox-exec.js";
import { sandboxInspect } from "./sandbox-inspect.js";
import { sandboxLs } from "./sandbox-ls.js";
import { sandboxRm } from "./sandbox-rm.js";
import { version } from "./version.js";

const COMMANDS: Readonly<Record<string, Command | Readonly<Record<string, Command>>>> = {
  daemon, run, version,
  network: {
    create: networkCreate, ls: networkLs, list: networkLs, inspect: networkInspect, rm: networkRm, remove: networkRm,
    connect: networkConnect, disconnect: networkDisconnect, prune: networkPrune,
  },
  sandbox: { create: sandboxCreate, ls: sandboxLs, list: sandboxLs, inspect: sandboxInspect, rm: sandboxRm, remove: sandboxRm, exec: sandboxExec },
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
    let cmd: Command;
    if (typeof entry === "function") { cmd = entry; args = args.slice(1); } else {
      const sub = args[1];
      const c = sub === undefined ? undefined : entry[sub];
      if (c === undefined) throw new UsageError(`unknown command "${group} ${sub ?? ""}" (usage: dnet ${group} ${Object.keys(entry).join("|")})`);
      cmd = c;
      args = args.slice(2);
    }
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
