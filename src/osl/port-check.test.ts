// Root integration test of the port range check, in a scratch netns: sockets bound inside the range are
// found, those outside are not; TCP counts only listening sockets; a dual-stack [::] socket holds the
// IPv4 port, a V6ONLY one does not; specific addresses clash with themselves and the wildcard only.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { rootOnly, run } from "../testing/kernel.js";
import { useScratchNamespaces } from "../testing/scratch-namespaces.js";
import { formatIp, parseIp } from "../types/index.js";
import { boundPorts, checkPortsFree } from "./port-check.js";
import { reservePort } from "./port-reservation.js";

describe("osl port range check (root)", rootOnly, () => {
  const ns = useScratchNamespaces();

  it("finds the sockets holding ports of the range, as a bind would, and binds nothing", async () => {
    const { name, h } = ns.scratch();
    run("ip", ["-n", name, "link", "set", "lo", "up"]);
    run("ip", ["-n", name, "addr", "add", "192.0.2.5/32", "dev", "lo"]);
    const held = [
      reservePort(h, "tcp", parseIp("0.0.0.0"), 21005), reservePort(h, "tcp", parseIp("0.0.0.0"), 22000),
      reservePort(h, "udp", parseIp("192.0.2.5"), 21007), reservePort(h, "tcp", parseIp("::"), 21009),
    ];
    try {
      const found = async (proto: "tcp" | "udp", ip: string): Promise<string[]> =>
        (await boundPorts(h, proto, parseIp(ip), 21000, 21999)).map((b) => `${formatIp(b.ip)} ${b.port}`);
      assert.deepEqual(await found("tcp", "0.0.0.0"), ["0.0.0.0 21005"], "22000 is outside; [::] is V6ONLY (ours)");
      assert.deepEqual(await found("tcp", "::"), [":: 21009"]);
      assert.deepEqual(await found("udp", "0.0.0.0"), ["192.0.2.5 21007"], "a specific address clashes with the wildcard");
      assert.deepEqual(await found("udp", "192.0.2.9"), [], "and not with another address");
      await assert.rejects(checkPortsFree(h, "tcp", parseIp("0.0.0.0"), 21000, 21999), {
        kind: "conflict", code: "ERR_PORT_IN_USE", message: /^listen tcp4 0\.0\.0\.0:21005: bind: address already in use/,
      });
      await checkPortsFree(h, "tcp", parseIp("0.0.0.0"), 21010, 21999);
      // A dual-stack listener (not V6ONLY, as most host programs open [::]) holds the IPv4 port too.
      const code = "import socket,sys,time;s=socket.socket(socket.AF_INET6);s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0);s.bind(('::',21500));s.listen();print('up',flush=True);time.sleep(30)";
      const py = spawn("ip", ["netns", "exec", name, "python3", "-c", code], { stdio: "ignore" });
      try {
        for (let i = 0; i < 50 && !(await found("tcp", "::")).includes(":: 21500"); i++) await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(await found("tcp", "0.0.0.0"), ["0.0.0.0 21005", ":: 21500"]);
      } finally {
        py.kill();
      }
    } finally {
      for (const r of held) r.release();
    }
  });
});
