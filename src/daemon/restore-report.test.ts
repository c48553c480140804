// What start-up reconciliation could not settle is logged with its message, codes and the object
// concerned (not as `{}`): a sandbox whose files directory was replaced by a plain file while the
// daemon was down cannot get its hosts and resolv.conf rewritten.

import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { TestDaemon } from "../testing/test-daemon.js";

interface LogRecord { readonly msg: string; readonly [field: string]: unknown }

interface RestoreErrorInfo { readonly message?: unknown; readonly code?: unknown; readonly errno?: unknown; readonly object?: unknown }

describe("the restore report", () => {
  const d = new TestDaemon(["--log-format", "json"]);
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  it("gives each error's message, code and object", { timeout: 40_000 }, async () => {
    const sb = await d.client.createSandbox({ Name: "rrsb" });
    assert.equal(await d.stop("SIGTERM"), 0);
    const dir = `${d.tmp}/netns-etc/rrsb`;
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, "not a directory\n");
    d.log = "";
    await d.start();
    const records = d.log.trim().split("\n").map((l) => JSON.parse(l) as LogRecord);
    const started = records.find((r) => r.msg === "dnet daemon started");
    assert.ok(started !== undefined, d.log);
    const restored: unknown = typeof started["restored"] === "string" ? JSON.parse(started["restored"]) : started["restored"];
    const errors = (restored as { errors?: RestoreErrorInfo[] }).errors ?? [];
    console.log(`restore report errors: ${JSON.stringify(errors)}`);
    assert.equal(errors.length, 1, JSON.stringify(restored));
    const e = errors[0] as RestoreErrorInfo;
    assert.equal(e.object, `sandbox ${sb.Id}`);
    assert.match(String(e.message), /rrsb/);
    assert.equal(typeof e.code, "string");
    assert.equal(e.errno, "ENOTDIR");
    const line = records.find((r) => r.msg !== "dnet daemon started" && r["object"] === `sandbox ${sb.Id}`);
    assert.ok(line !== undefined && line["level"] === "warn" && typeof line["error"] === "string" && line["code"] === e.code, d.log);
    rmSync(dir, { force: true });
  });
});
