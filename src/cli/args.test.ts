// The flag parser and help, driven by the command table, without a daemon: pflag-style flags, operand
// counts, dnet's own one-line usage errors, and `--help` / `dnet help` for every command (exit 0).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseCommandLine, parseGlobalFlags } from "./args.js";
import { commandName, resolveCommand, type CommandDef } from "./command-def.js";
import { COMMAND_TABLE } from "./commands.js";
import { UsageError } from "./common.js";
import { helpFor } from "./help.js";

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

function def(...path: string[]): CommandDef {
  const r = resolveCommand(COMMAND_TABLE, path);
  assert.equal(r.kind, "command", path.join(" "));
  return (r as { def: CommandDef }).def;
}

function dnet(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, DNET_HOST: "unix:///nonexistent/dnet.sock" } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr });
    });
  });
}

describe("flag parsing", () => {
  it("takes the forms pflag takes", () => {
    const p = parseCommandLine(def("network", "create"), ["-dmacvlan", "--subnet=10.1.0.0/24", "--subnet", "10.2.0.0/24", "-o", "a=1", "--ipv6", "n1", "--internal=false", "--label", "-x"]);
    assert.deepEqual(p.values, { driver: "macvlan", subnet: ["10.1.0.0/24", "10.2.0.0/24"], opt: ["a=1"], ipv6: true, internal: false, label: ["-x"] });
    assert.deepEqual(p.positionals, ["n1"]);
    assert.deepEqual(parseCommandLine(def("network", "ls"), ["-qf", "driver=bridge"]).values, { quiet: true, filter: ["driver=bridge"] });
    assert.deepEqual(parseCommandLine(def("network", "rm"), ["--", "-weird-name"]).positionals, ["-weird-name"]);
  });

  it("stops at the first operand for commands that run a command line", () => {
    assert.deepEqual(parseCommandLine(def("run"), ["--rm", "--network", "n1", "ip", "-4", "addr", "--help"]).positionals, ["ip", "-4", "addr", "--help"]);
    assert.deepEqual(parseCommandLine(def("sandbox", "exec"), ["sb1", "--", "ls", "-l"]).positionals, ["sb1", "--", "ls", "-l"]);
  });

  it("-h / --help anywhere before the operands' end asks for help, whatever else is missing", () => {
    assert.equal(parseCommandLine(def("network", "connect"), ["--help"]).help, true);
    assert.equal(parseCommandLine(def("network", "create"), ["-h"]).help, true);
  });

  it("reports mistakes in one line, in dnet's words, with where to look", () => {
    const cases: Array<[string[], string[], RegExp]> = [
      [["network", "ls"], ["--bogus"], /^unknown flag: --bogus \(see 'dnet network ls --help'\)$/],
      [["network", "ls"], ["-z"], /^unknown shorthand flag: 'z' in -z/],
      [["network", "create"], ["--subnet"], /^flag needs an argument: --subnet/],
      [["network", "create"], ["-d"], /^flag needs an argument: 'd' in -d/],
      [["network", "create"], ["--ipv6=maybe", "n"], /^invalid argument "maybe" for "--ipv6" flag: use true or false/],
      [["daemon"], ["--log-level", "loud"], /^invalid argument "loud" for "--log-level" flag: use debug, info, warn or error/],
      [["network", "create"], [], /^"dnet network create" requires exactly 1 argument \(see 'dnet network create --help'\)$/],
      [["network", "connect"], ["n1"], /requires exactly 2 arguments/],
      [["network", "rm"], [], /requires at least 1 argument/],
      [["network", "ls"], ["extra"], /accepts no arguments/],
    ];
    for (const [path, args, re] of cases) {
      assert.throws(() => parseCommandLine(def(...path), args), (e: unknown) => e instanceof UsageError && re.test(e.message), `${path.join(" ")} ${args.join(" ")}`);
    }
  });

  it("reads the global flags before the command", () => {
    assert.deepEqual(parseGlobalFlags(COMMAND_TABLE.globalFlags, ["-H", "unix:///x", "network", "ls", "-q"]), { values: { host: "unix:///x" }, rest: ["network", "ls", "-q"] });
    assert.deepEqual(parseGlobalFlags(COMMAND_TABLE.globalFlags, ["--host=tcp://h:1", "-v"]).values, { host: "tcp://h:1", version: true });
  });
});

describe("help", () => {
  it("every command's help has its usage and one line per flag", () => {
    for (const d of COMMAND_TABLE.commands) {
      const text = helpFor(COMMAND_TABLE, d.path);
      assert.match(text, new RegExp(`^Usage:  ${commandName(d)}`), commandName(d));
      for (const f of d.flags) {
        const line = new RegExp(`^ {2}(?:-\\w, | {4})--${f.name}(?: |$)`);
        assert.equal(text.split("\n").filter((l) => line.test(l)).length, 1, `${commandName(d)} --${f.name}`);
      }
      assert.match(text, /^ {2}-h, --help +Print usage$/m);
    }
    assert.throws(() => helpFor(COMMAND_TABLE, ["network", "nope"]), UsageError);
  });

  it("--help, -h and dnet help print it and exit 0; --version too; mistakes exit 2 with one Error: line", async () => {
    for (const args of [["network", "create", "--help"], ["network", "connect", "-h"], ["help", "network", "connect"], ["sandbox", "--help"], ["--help"], []]) {
      const r = await dnet(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: {2}dnet/, args.join(" "));
    }
    assert.deepEqual(await dnet(["--version"]), { code: 0, stdout: "dnet version 0.1.0\n", stderr: "" });
    for (const args of [["network", "ls", "--bogus"], ["frobnicate"], ["network", "frobnicate"], ["help", "frobnicate"], ["-x"]]) {
      const r = await dnet(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^Error: [^\n]+\n$/, args.join(" "));
    }
  });
});
