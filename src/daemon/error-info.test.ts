// Unit tests (no root): errors written down with message, codes and object (never `{}`), the
// descriptor-shortage test on wrapped errors, the capability check, and the once-per-episode log.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NetlinkError, internal, unavailable } from "../errors/index.js";
import { EpisodeLog } from "./episode-log.js";
import { errorInfo } from "./error-info.js";
import { isFdExhaustion } from "./fd-pressure.js";
import { Logger } from "./logging.js";
import { missingCapabilities } from "./privileges.js";

function sysError(code: string, message: string, path?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, ...(path === undefined ? {} : { path }) });
}

describe("errorInfo", () => {
  it("reads a restore wrapper: the step, the object in it, the cause's message and codes", () => {
    const cause = internal("ERR_DNS_FILES", "cannot read /x/hosts: ENOTDIR", sysError("ENOTDIR", "ENOTDIR: not a directory", "/x/hosts"));
    const wrapped = new Error(`rewrite files of sandbox ab12: ${String(cause)}`, { cause });
    assert.deepEqual(errorInfo(wrapped), {
      message: "cannot read /x/hosts: ENOTDIR", code: "ERR_DNS_FILES", errno: "ENOTDIR",
      object: "sandbox ab12", step: "rewrite files of sandbox ab12",
    });
    assert.equal(errorInfo(new Error(`finish sandbox delete cd34: ${String(cause)}`, { cause })).object, "sandbox cd34");
  });

  it("takes the object from a path or a netlink operation, and lists an AggregateError's parts", () => {
    assert.equal(errorInfo(sysError("EACCES", "EACCES: permission denied", "/run/dnet")).object, "/run/dnet");
    assert.equal(errorInfo(new NetlinkError(17, "RTM_NEWLINK veth0")).object, "RTM_NEWLINK veth0");
    const agg = new AggregateError([new Error("first"), sysError("EPERM", "second")], "both failed");
    assert.deepEqual(errorInfo(agg).errors, [{ message: "first" }, { message: "second", code: "EPERM" }]);
    assert.deepEqual(errorInfo("plain"), { message: "plain" });
  });

  it("makes log lines of errors, in both formats, never {}", () => {
    const lines: string[] = [];
    const err = unavailable("ERR_OUT_OF_FILE_DESCRIPTORS", "it broke", sysError("EMFILE", "socket EMFILE"));
    new Logger("info", "json", (l) => lines.push(l)).info("m", { report: { errors: [err] }, error: err });
    new Logger("info", "text", (l) => lines.push(l)).info("m", { report: { errors: [err] } });
    for (const l of lines) assert.doesNotMatch(l, /\{\}/, l);
    const rec = JSON.parse(lines[0] as string) as { report: { errors: Array<{ code: string; errno: string }> } };
    assert.deepEqual(rec.report.errors[0], { message: "it broke", code: "ERR_OUT_OF_FILE_DESCRIPTORS", errno: "EMFILE" });
    assert.match(lines[1] as string, /report="\{\\"errors\\":\[\{\\"message\\":\\"it broke\\"/);
  });
});

describe("isFdExhaustion", () => {
  it("finds EMFILE/ENFILE in codes, causes, gathered errors and wrapped text", () => {
    assert.ok(isFdExhaustion(sysError("EMFILE", "spawn nft EMFILE")));
    assert.ok(isFdExhaustion(internal("ERR_NOT_PRIVILEGED", "x", sysError("ENFILE", "y"))));
    assert.ok(isFdExhaustion(new AggregateError([new Error("a"), sysError("EMFILE", "b")])));
    assert.ok(isFdExhaustion(new Error("endpoint e1: Error: socket EMFILE (Too many open files)")));
    assert.ok(!isFdExhaustion(sysError("EPERM", "socket EPERM")));
    assert.ok(!isFdExhaustion(undefined));
  });
});

describe("missingCapabilities", () => {
  it("reads the effective set", () => {
    assert.deepEqual(missingCapabilities("Name:\tnode\nCapEff:\t000001ffffffffff\n"), []);
    assert.deepEqual(missingCapabilities("CapEff:\t0000000000000000\n"), ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"]);
    assert.deepEqual(missingCapabilities("CapEff:\t0000000000001000\n"), ["CAP_SYS_ADMIN"]);
  });
});

describe("EpisodeLog", () => {
  it("logs a repeating condition when it starts, changes and ends", () => {
    const lines: string[] = [];
    const ep = new EpisodeLog(new Logger("info", "text", (l) => lines.push(l)));
    for (let i = 0; i < 5; i++) ep.occur("a", "error", "failing", { why: "a" });
    ep.occur("b", "error", "failing", { why: "b" });
    ep.occur("b", "error", "failing", { why: "b" });
    ep.end("works again");
    ep.end("works again");
    assert.equal(lines.length, 3, lines.join(""));
    assert.match(lines[2] as string, /works again.*occurrences=2/);
  });
});
