// Without root the daemon cannot do its job: it exits at start with one clear sentence about the
// privileges it needs, instead of logging permission errors every second. A `dnet` CLI refused by the
// socket's permissions says what that means in one line.

import assert from "node:assert/strict";
import { chmodSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { DNET_MAIN, TestDaemon, runCmd } from "../testing/test-daemon.js";
import { waitFor } from "../testing/test-clients.js";

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const NO_CAPS = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"];

for (const [what, prefix] of [["as nobody", NOBODY], ["as root without capabilities", NO_CAPS]] as const) {
  describe(`the daemon started ${what}`, () => {
    const d = new TestDaemon([], prefix);
    after(async () => { await d.cleanup(); });

    it("exits at start with one sentence about the privileges it needs", { timeout: 20_000 }, async () => {
      // Nobody must be able to reach the temp dir for the failure to be about privileges, not paths.
      chmodSync(d.tmp, 0o777);
      const proc = d.spawnDaemon();
      const exited = await waitFor(() => proc.exitCode !== null, 10_000);
      const lines = d.log.trim().split("\n");
      assert.ok(exited, `still running after 10 s:\n${d.log.slice(0, 1500)}`);
      assert.notEqual(proc.exitCode, 0);
      assert.equal(lines.length, 1, d.log);
      assert.match(lines[0] ?? "", /CAP_NET_ADMIN/);
      assert.match(lines[0] ?? "", /root/);
      console.log(`${what}: exit ${String(proc.exitCode)}: ${lines[0] ?? ""}`);
    });
  });
}

describe("a dnet CLI refused by the socket's permissions", () => {
  const d = new TestDaemon();
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  it("says in one line what EACCES means", { timeout: 20_000 }, async () => {
    chmodSync(d.tmp, 0o755); // the socket itself (0660, root's) is what refuses
    const r = await runCmd("setpriv", [...NOBODY.slice(1), process.execPath, DNET_MAIN, "-H", d.host, "network", "ls"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /permission denied/i);
    assert.match(r.stderr, /root|sudo/);
    console.log(`nobody: ${r.stderr.trim()}`);
  });
});
