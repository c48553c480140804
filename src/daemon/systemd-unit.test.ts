// The shipped systemd unit (contrib/dnet.service): it runs dnet's installed binary by absolute path (not
// `env dnet`, which finds Debian's unrelated /usr/bin/dnet from docker.io first on a Docker host), and
// `systemd-analyze verify` accepts it in a scratch root holding that binary and the system's own units.
// Without systemd-analyze the check is skipped with the reason printed.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const UNIT = join(dirname(fileURLToPath(import.meta.url)), "../../../contrib/dnet.service");
const SYSTEM_UNITS = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(join(d, "sysinit.target")));
const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
const skip = analyze.error !== undefined ? "systemd-analyze is not installed" : SYSTEM_UNITS === undefined ? "no system units to verify against" : false;
if (skip !== false) console.log(`# skipping systemd-analyze verify: ${skip}`);

function execStart(): string {
  const line = readFileSync(UNIT, "utf8").split("\n").find((l) => l.startsWith("ExecStart="));
  assert.ok(line !== undefined, "the unit has an ExecStart");
  return line.slice("ExecStart=".length);
}

describe("contrib/dnet.service", () => {
  it("runs the installed dnet by absolute path, not through env (Debian's docker.io ships an unrelated /usr/bin/dnet)", () => {
    const [binary, command] = execStart().split(/\s+/);
    assert.ok(binary?.startsWith("/"), binary);
    assert.notEqual(binary, "/usr/bin/env");
    assert.notEqual(binary, "/usr/bin/dnet");
    assert.match(binary ?? "", /\/dnet$/);
    assert.equal(command, "daemon");
  });

  it("systemd-analyze verify accepts it, and fails when its binary is missing", { skip }, () => {
    const root = mkdtempSync(join(tmpdir(), "dnet-unit-"));
    try {
      const binary = execStart().split(/\s+/)[0] as string;
      mkdirSync(join(root, "usr/lib/systemd"), { recursive: true });
      cpSync(SYSTEM_UNITS as string, join(root, "usr/lib/systemd/system"), { recursive: true, dereference: false });
      mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
      cpSync(UNIT, join(root, "etc/systemd/system/dnet.service"));
      const verify = (): ReturnType<typeof spawnSync> =>
        spawnSync("systemd-analyze", ["verify", `--root=${root}`, "/etc/systemd/system/dnet.service"], { encoding: "utf8", timeout: 30_000 });
      const missing = verify();
      assert.notEqual(missing.status, 0);
      assert.match(String(missing.stderr), new RegExp(`Command ${binary} is not executable`));
      mkdirSync(join(root, dirname(binary)), { recursive: true });
      writeFileSync(join(root, binary), "#!/bin/sh\n");
      chmodSync(join(root, binary), 0o755);
      const ok = verify();
      assert.equal(ok.status, 0, String(ok.stderr));
      assert.equal(String(ok.stderr).trim(), "");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
