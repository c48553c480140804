// The shell completions generated from the command table, run in the real shells: bash's completion function
// for partial command lines (COMP_LINE / COMP_POINT, as bash sets them on TAB), and zsh's through a pseudo
// terminal. Network and sandbox names come from a stand-in `dnet` that answers `… ls --format '{{.Name}}'`.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { COMMAND_TABLE } from "./commands.js";
import { bashCompletion } from "./completion-bash.js";
import { zshCompletion } from "./completion-zsh.js";

const STAND_IN = [
  "#!/bin/sh",
  "# Answers the name listings the completion scripts make; records how it was called.",
  'echo "$@" >> "$(dirname "$0")/calls.log"',
  "case \"$*\" in *'network ls'*) printf 'alpha\\nbeta\\n' ;; *'sandbox ls'*) printf 'sb1\\nsb2\\n' ;; esac",
].join("\n");

const hasShell = (name: string): boolean => spawnSync(name, ["-c", "true"]).status === 0;

describe("shell completion", () => {
  const dir = mkdtempSync(join(tmpdir(), "dnet-completion-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "dnet"), STAND_IN);
  chmodSync(join(bin, "dnet"), 0o755);
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  /** The candidates bash's completion function offers for `line` (the cursor at its end). */
  function bashCandidates(script: string, line: string): string[] {
    const driver = `source ${JSON.stringify(script)}\nCOMP_LINE=$1; COMP_POINT=\${#COMP_LINE}; COMPREPLY=()\n_dnet\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync("bash", ["-c", driver, "bash", line], { encoding: "utf8", cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}` } });
    return out.split("\n").filter((l) => l !== "");
  }

  it("bash: commands, sub-commands, flags, flag values, names from the daemon, files", () => {
    const script = join(dir, "dnet.bash");
    writeFileSync(script, bashCompletion(COMMAND_TABLE));
    mkdirSync(join(dir, "pictures"));
    const cases: Array<[string, string[]]> = [
      ["dnet ", ["completion", "daemon", "events", "help", "network", "port", "run", "sandbox", "system", "topology", "version"]],
      ["dnet net", ["network"]],
      ["dnet network l", ["ls", "list"]],
      ["dnet network ls --f", ["--filter", "--format"]],
      ["dnet network create -d m", ["macvlan"]],
      ["dnet daemon --log-level ", ["debug", "info", "warn", "error"]],
      ["dnet network inspect ", ["alpha", "beta"]],
      ["dnet network connect --ip 10.0.0.2 alpha s", ["sb1", "sb2"]],
      ["dnet -H unix:///run/other.sock network rm b", ["beta"]],
      ["dnet sandbox exec sb1 -- ech", ["echo"]],
      ["dnet run --rm --network ", ["alpha", "beta"]],
      ["dnet topology --svg pic", ["pictures"]],
      ["dnet completion ", ["bash", "zsh"]],
      ["dnet system cleanup --d", ["--data-dir", "--dry-run"]],
      // A group that is a command too: `dnet port SANDBOX` beside `dnet port add SANDBOX SPEC`.
      ["dnet port ", ["sb1", "sb2", "add", "rm", "remove"]],
      ["dnet port r", ["rm", "remove"]],
      ["dnet port add s", ["sb1", "sb2"]],
      ["dnet port sb1 ", []],
    ];
    for (const [line, want] of cases) {
      const got = bashCandidates(script, line);
      if (line.endsWith("ech")) assert.ok(got.includes("echo"), `${line} → ${got.join(" ")}`);
      else assert.deepEqual(got, want, line);
    }
    // -H travelled to the listing: names come from the daemon the command line talks to.
    assert.match(execFileSync("cat", [join(bin, "calls.log")], { encoding: "utf8" }), /^-H unix:\/\/\/run\/other\.sock network ls --format \{\{\.Name\}\}$/m);
  });

  it("zsh: the script parses, and TAB offers sub-commands, choices and names", { skip: !hasShell("zsh") && "zsh is not installed" }, () => {
    const fn = join(dir, "zfunctions");
    mkdirSync(fn);
    writeFileSync(join(fn, "_dnet"), zshCompletion(COMMAND_TABLE));
    execFileSync("zsh", ["-n", join(fn, "_dnet")]);
    // An interactive zsh in a pseudo terminal: type a line and TAB, then read until the candidates show.
    const cases: Array<[string, string]> = [
      ["dnet network ", "*disconnect*inspect*"], ["dnet network create -d ", "*ipvlan*macvlan*"], ["dnet network inspect ", "*alpha*beta*"],
      // sb1 and sb2 share "sb": zsh inserts it rather than listing them (after "rm", possibly past the escape
      // sequences of a redraw, which once kept "port rm sb" from showing in one piece).
      ["dnet completion ", "*bash*zsh*"], ["dnet port ", "*add*rm*sb1*sb2*"], ["dnet port rm ", "*port rm*sb*"],
    ];
    const driver = [
      "zmodload zsh/zpty",
      "zpty z 'zsh -f -i'",
      `zpty -w z 'PS1="> "; PATH=${bin}:$PATH; fpath=(${fn} $fpath); autoload -U compinit; compinit -u -D; setopt nobeep'`,
      ...cases.flatMap(([line, pattern], i) => [
        `zpty -w -n z $'${line}\\t'`,
        `zpty -r z out ${JSON.stringify(pattern)} && print -r -- "case ${i} ok"`,
        "zpty -w -n z $'\\C-u'",
      ]),
      "zpty -d z",
    ].join("\n");
    const out = execFileSync("timeout", ["30", "zsh", "-f", "-c", driver], { encoding: "utf8", cwd: dir });
    for (let i = 0; i < cases.length; i++) assert.match(out, new RegExp(`case ${i} ok`), `${cases[i]?.[0]}: ${out}`);
  });
});
