// The CLI's generated documentation: docs/dnet.1 and docs/cli.md are what the generator writes from the
// command table today (run `node dist/scripts/gen-cli-docs.js` after changing a command), the man page
// renders with `man -l` (or groff) without warnings, and every command appears in both.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cliMarkdown } from "./cli-markdown.js";
import { commandName } from "./command-def.js";
import { COMMAND_DOCS } from "./command-docs.js";
import { COMMAND_TABLE } from "./commands.js";
import { manPage } from "./man-page.js";

const DOCS = fileURLToPath(new URL("../../../docs/", import.meta.url));
const REGENERATE = "regenerate with: npm run build && node dist/scripts/gen-cli-docs.js";

describe("generated CLI documentation", () => {
  it("docs/dnet.1 and docs/cli.md are up to date", () => {
    assert.equal(readFileSync(`${DOCS}dnet.1`, "utf8"), manPage(COMMAND_TABLE), `docs/dnet.1 is stale: ${REGENERATE}`);
    assert.equal(readFileSync(`${DOCS}cli.md`, "utf8"), cliMarkdown(COMMAND_TABLE), `docs/cli.md is stale: ${REGENERATE}`);
  });

  it("every command has its section, flags and examples", () => {
    const md = cliMarkdown(COMMAND_TABLE);
    for (const def of COMMAND_TABLE.commands) {
      assert.ok(COMMAND_DOCS[def.path.join(" ")] !== undefined, `no examples for ${commandName(def)} in command-docs.ts`);
      assert.match(md, new RegExp(`^## ${commandName(def)}$`, "m"));
      for (const f of def.flags) assert.ok(md.includes(`--${f.name}`), `${commandName(def)} --${f.name}`);
    }
    assert.deepEqual(Object.keys(COMMAND_DOCS).filter((k) => !COMMAND_TABLE.commands.some((d) => d.path.join(" ") === k)), [], "docs of commands that do not exist");
  });

  it("the man page renders without warnings", () => {
    const page = `${DOCS}dnet.1`;
    const hasMan = spawnSync("man", ["--version"]).status === 0;
    const text = hasMan
      ? execFileSync("man", ["-l", page], { encoding: "utf8", env: { ...process.env, MANWIDTH: "100", MAN_KEEP_FORMATTING: "" } })
      : execFileSync("groff", ["-man", "-Tutf8", page], { encoding: "utf8" });
    const plain = text.replace(/.\x08/g, "");
    assert.match(plain, /^NAME\n\s+dnet - /m);
    for (const def of COMMAND_TABLE.commands) assert.match(plain, new RegExp(`^\\s+${commandName(def)}$`, "m"), commandName(def));
    // -ww: every warning; -z: no output. A clean page leaves stderr empty.
    const lint = spawnSync("groff", ["-man", "-ww", "-z", page], { encoding: "utf8" });
    assert.equal(lint.status, 0);
    assert.equal(lint.stderr, "");
  });
});
