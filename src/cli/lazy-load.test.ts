// Which modules each `dnet` command loads: the commands that talk to the daemon use only cli/, api/,
// types/ and errors/ (never the library); help, --version and completions load the command table and not
// the commands; only `dnet daemon` and `dnet system cleanup` load src/daemon/. Modules are recorded
// by the ESM loader hook of src/testing/module-trace.ts; the socket is unreachable, so nothing runs.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));
const TRACE_HOOK = fileURLToPath(new URL("../testing/module-trace.js", import.meta.url));
const SRC = new URL("../", import.meta.url).href;
const CLIENT_LAYERS = new Set(["cli", "api", "types", "errors"]);

/** Runs `dnet ARGS` against a socket nobody listens on; returns its exit code and the dist/src modules it loaded. */
function traced(dir: string, args: readonly string[]): Promise<{ code: number; modules: string[] }> {
  const trace = join(dir, `trace-${args.join("-").replace(/[^\w-]/g, "_")}`);
  const env = { ...process.env, DNET_MODULE_TRACE: trace, DNET_HOST: `unix://${join(dir, "nobody.sock")}` };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", TRACE_HOOK, MAIN, ...args], { env, timeout: 30_000 }, (err) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      let lines: string[];
      try { lines = readFileSync(trace, "utf8").split("\n"); } catch (e) { reject(e); return; }
      resolve({ code, modules: lines.filter((u) => u.startsWith(SRC)).map((u) => u.slice(SRC.length)) });
    });
  });
}

const DAEMON_TALKING: ReadonlyArray<readonly string[]> = [
  ["version"], ["network", "ls"], ["network", "create", "--subnet", "10.1.0.0/24", "n1"], ["network", "inspect", "n1"],
  ["network", "rm", "n1"], ["network", "connect", "n1", "s1"], ["network", "disconnect", "n1", "s1"], ["network", "prune", "-f"],
  ["sandbox", "create", "s1"], ["sandbox", "ls"], ["sandbox", "inspect", "s1"], ["sandbox", "rm", "s1"],
  ["sandbox", "exec", "s1", "--", "true"], ["run", "--rm", "--", "true"], ["network", "ls", "--format", "{{.Name}}"],
  ["network", "inspect", "-f", "{{json .IPAM}}", "n1"], ["events", "--filter", "type=network"], ["topology"],
];

/** Commands that need no daemon: they succeed, and load the command table and little else. */
const OFFLINE: ReadonlyArray<readonly string[]> = [["--version"], ["--help"], ["help", "network", "ls"], ["network", "create", "--help"], ["completion", "bash"], ["completion", "zsh"]];

describe("dnet loads only what a command needs", () => {
  const dir = mkdtempSync(join(tmpdir(), "dnet-lazy-load-"));
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  for (const args of DAEMON_TALKING) {
    it(`dnet ${args.join(" ")} loads no library module`, async () => {
      const { code, modules } = await traced(dir, args);
      assert.equal(code, 1, "the daemon is unreachable: exit 1");
      // The hook saw the command's own file, so an empty trace cannot pass by accident.
      assert.ok(modules.includes("cli/main.js") && modules.some((m) => m.startsWith("cli/") && m !== "cli/main.js" && m !== "cli/common.js"), modules.join(" "));
      const outside = modules.filter((m) => !CLIENT_LAYERS.has(m.split("/")[0] ?? ""));
      assert.deepEqual(outside, [], `dnet ${args.join(" ")} loaded library modules`);
    });
  }

  for (const args of OFFLINE) {
    it(`dnet ${args.join(" ")} works without a daemon and loads no library module`, async () => {
      const { code, modules } = await traced(dir, args);
      assert.equal(code, 0);
      assert.deepEqual(modules.filter((m) => !CLIENT_LAYERS.has(m.split("/")[0] ?? "")), []);
      // Help and completions come from the command table: no command's implementation is loaded for them.
      assert.deepEqual(modules.filter((m) => /^cli\/(network|sandbox)-/.test(m)), [], modules.join(" "));
    });
  }

  it("dnet system cleanup loads the library itself, only when it runs", async () => {
    const args = ["system", "cleanup", "--dry-run", "--socket", join(dir, "nobody.sock"), "--data-dir", join(dir, "no-data"), "--netns-dir", join(dir, "no-netns")];
    const { code, modules } = await traced(dir, args);
    assert.equal(code, 0);
    assert.ok(modules.includes("daemon/cleanup.js") && modules.includes("libnetwork.js"), modules.join(" "));
  });

  it("dnet daemon loads src/daemon/ (and so the library) itself, once its flags parsed", async () => {
    const bad = await traced(dir, ["daemon", "--no-such-flag"]);
    assert.equal(bad.code, 2, "a usage error: nothing started");
    assert.deepEqual(bad.modules.filter((m) => !CLIENT_LAYERS.has(m.split("/")[0] ?? "")), [], "the command table caught it");
    const { code, modules } = await traced(dir, ["daemon", "--request-timeout", "soon"]);
    assert.equal(code, 2, "a usage error of the daemon command itself: nothing started");
    assert.ok(modules.includes("cli/daemon.js") && modules.includes("daemon/daemon.js"), modules.join(" "));
    assert.ok(modules.some((m) => m.startsWith("controller/")), "the library came with it");
  });
});
