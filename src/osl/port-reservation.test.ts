// Root integration tests of host port reservations and UTS namespace files, in a scratch netns: a port is
// held for TCP and UDP on 0.0.0.0 and [::] independently (IPv6 sockets are V6ONLY), a held port refuses
// a host program and a second reservation with Docker's bind error, release frees it; a UTS file carries
// its names, as `nsenter --uts=` sees them.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootOnly, run } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { parseIp } from "../types/index.js";
import { reservePort } from "./port-reservation.js";
import { UtsDirectory } from "./uts.js";

const bindIn = (ns: string, port: number): string => {
  const code = "import socket,sys;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',int(sys.argv[1])));s.listen();print('bound')";
  try { return run("ip", ["netns", "exec", ns, "python3", "-c", code, String(port)]).trim(); } catch (err) { return String(err); }
};

describe("osl port reservations and UTS files (root)", rootOnly, () => {
  const ns = useScratchNamespaces();
  // Made in a hook, not when the suite is defined: a skipped suite (not root) made it and never removed it.
  let dir = "";
  before(() => { dir = mkdtempSync(join(tmpdir(), "dnet-uts-")); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it("holds tcp and udp on 0.0.0.0 and [::] side by side; a host program and a second reservation are refused; release frees it", () => {
    const { name, h } = ns.scratch();
    run("ip", ["-n", name, "link", "set", "lo", "up"]); // with lo down, the kernel lets any address be bound
    const held = [
      reservePort(h, "tcp", parseIp("0.0.0.0"), 18080), reservePort(h, "tcp", parseIp("::"), 18080),
      reservePort(h, "udp", parseIp("0.0.0.0"), 18080), reservePort(h, "udp", parseIp("::"), 18080),
    ];
    assert.match(run("ip", ["netns", "exec", name, "ss", "-Htln", "sport = :18080"]), /0\.0\.0\.0:18080[\s\S]*\[::\]:18080/);
    assert.match(bindIn(name, 18080), /Address already in use/);
    assert.throws(() => reservePort(h, "tcp", parseIp("0.0.0.0"), 18080), {
      kind: "conflict", code: "ERR_PORT_IN_USE", message: "listen tcp4 0.0.0.0:18080: bind: address already in use",
    });
    assert.throws(() => reservePort(h, "tcp", parseIp("192.0.2.1"), 18081), { kind: "invalid-argument", code: "ERR_HOST_IP_NOT_LOCAL" });
    for (const r of held) r.release();
    held[0]?.release(); // twice is harmless
    assert.equal(bindIn(name, 18080), "bound");
  });

  it("a UTS file carries its hostname and domain name; they can be changed; delete removes it", () => {
    const uts = new UtsDirectory(ns.native, join(dir, "uts"));
    const path = uts.create("sb1", "box1", "corp.example");
    assert.equal(run("nsenter", [`--uts=${path}`, "hostname"]).trim(), "box1");
    assert.equal(run("nsenter", [`--uts=${path}`, "domainname"]).trim(), "corp.example");
    assert.throws(() => uts.create("sb1", "x", ""), { kind: "conflict", code: "ERR_UTS_EXISTS" });
    uts.setNames("sb1", "box2", "");
    assert.equal(run("nsenter", [`--uts=${path}`, "hostname"]).trim(), "box2");
    uts.delete("sb1");
    assert.equal(uts.exists("sb1"), false);
    uts.delete("sb1"); // a missing one is not an error
  });
});
