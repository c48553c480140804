// Plugin discovery as Docker's pkg/plugins does it: socket before specs, NAME and NAME/NAME, .spec then
// .json, Docker's back-off; and what is refused with a clear error: path characters in a name, a spec
// naming anything but a unix socket or a loopback/listed TCP address.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DOCKER_BACKOFF, backoffDelays, findPlugin, locatePlugin, pluginDirsUnder, type DiscoveryPolicy } from "./discovery.js";
import { PluginErrorCodes } from "./errors.js";
import { validatePluginName } from "./names.js";

function listenUnix(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(path, () => resolve(s));
  });
}

const closeServer = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

describe("plugin discovery", () => {
  let root: string;
  let sockets: string;
  let etc: string;
  let lib: string;
  let policy: DiscoveryPolicy;
  const servers: Server[] = [];

  before(() => {
    root = mkdtempSync("/tmp/dnet-discovery-");
    sockets = join(root, "run");
    etc = join(root, "etc");
    lib = join(root, "lib");
    for (const d of [sockets, etc, lib]) mkdirSync(d);
    policy = { dirs: { sockets: [sockets], specs: [etc, lib] }, tcpAllow: ["192.0.2.7:9000", "plugins.example"] };
  });
  after(async () => {
    for (const s of servers) await closeServer(s);
    rmSync(root, { recursive: true, force: true });
  });

  test("names with path characters are refused before any file is looked at", () => {
    for (const bad of ["../etc/passwd", "a/b", "", ".hidden", "x y", "a\0b", "n".repeat(129)]) {
      assert.throws(() => validatePluginName(bad), { kind: "invalid-argument", code: PluginErrorCodes.invalidName }, bad);
      assert.throws(() => locatePlugin(bad, policy), { code: PluginErrorCodes.invalidName });
    }
    assert.equal(validatePluginName("weave-2.net_x"), "weave-2.net_x");
  });

  test("a socket in the sockets directory, or in a sub-directory of the plugin's name; a socket wins over a spec", async () => {
    writeFileSync(join(etc, "sock1.spec"), "tcp://127.0.0.1:1\n");
    servers.push(await listenUnix(join(sockets, "sock1.sock")));
    assert.deepEqual(locatePlugin("sock1", policy)?.address, { transport: "unix", path: join(sockets, "sock1.sock") });
    mkdirSync(join(sockets, "sock2"));
    servers.push(await listenUnix(join(sockets, "sock2", "sock2.sock")));
    assert.deepEqual(locatePlugin("sock2", policy)?.address, { transport: "unix", path: join(sockets, "sock2", "sock2.sock") });
    writeFileSync(join(sockets, "notsock.sock"), "");
    assert.equal(locatePlugin("notsock", policy), undefined, "a regular file named .sock is not a socket");
  });

  test("spec files: /etc before /usr/lib, .spec before .json, NAME/NAME.spec too; TCP and unix URLs", () => {
    writeFileSync(join(etc, "s1.spec"), "unix:///run/s1/s1.sock\n");
    writeFileSync(join(lib, "s1.spec"), "tcp://127.0.0.1:2\n");
    assert.deepEqual(locatePlugin("s1", policy)?.address, { transport: "unix", path: "/run/s1/s1.sock" });
    mkdirSync(join(lib, "s2"));
    writeFileSync(join(lib, "s2", "s2.spec"), "tcp://localhost:8080");
    assert.deepEqual(locatePlugin("s2", policy)?.address, { transport: "tcp", host: "localhost", port: 8080 });
    writeFileSync(join(etc, "s3.spec"), "tcp://[::1]:81");
    writeFileSync(join(etc, "s3.json"), '{"Addr": "tcp://127.0.0.1:82"}');
    assert.deepEqual(locatePlugin("s3", policy)?.address, { transport: "tcp", host: "::1", port: 81 });
    writeFileSync(join(etc, "s4.spec"), "tcp://192.0.2.7:9000");
    assert.deepEqual(locatePlugin("s4", policy)?.address, { transport: "tcp", host: "192.0.2.7", port: 9000 }, "a listed address");
    writeFileSync(join(etc, "s5.spec"), "tcp://plugins.example:7");
    assert.equal(locatePlugin("s5", policy)?.address.transport, "tcp", "a listed host, any port");
  });

  test("json files carry TLS options; without a CA file the server is not verified (as Docker)", () => {
    writeFileSync(join(etc, "j1.json"), JSON.stringify({ Name: "ignored", Addr: "tcp://127.0.0.1:9443", TLSConfig: { CertFile: "/c.pem", KeyFile: "/k.pem" } }));
    assert.deepEqual(locatePlugin("j1", policy)?.address, {
      transport: "tcp", host: "127.0.0.1", port: 9443, tls: { insecureSkipVerify: true, certFile: "/c.pem", keyFile: "/k.pem" },
    });
    writeFileSync(join(etc, "j2.json"), JSON.stringify({ Addr: "tcp://127.0.0.1:9443", TLSConfig: { CAFile: "/ca.pem" } }));
    assert.deepEqual(locatePlugin("j2", policy)?.address, { transport: "tcp", host: "127.0.0.1", port: 9443, tls: { insecureSkipVerify: false, caFile: "/ca.pem" } });
  });

  test("a spec naming anything but a unix socket or a loopback/listed TCP address is refused, saying what is accepted", () => {
    const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
      ["b1.spec", "127.0.0.1:8080", /Unknown protocol.*unix:\/\/\/ABSOLUTE\/PATH or tcp:\/\/HOST:PORT/],
      ["b2.spec", "file:///etc/passwd", /protocol "file"/],
      ["b3.spec", "https://127.0.0.1:443", /protocol "https"/],
      ["b4.spec", "unix://relative/sock", /not an absolute socket path/],
      ["b5.spec", "tcp://10.1.2.3:80", /not a loopback address and not among the allowed plugin TCP addresses.*--plugin-tcp-allow/],
      ["b6.spec", "tcp://192.0.2.7:9001", /not a loopback address/],
      ["b7.spec", "tcp://127.0.0.1:99999", /not tcp:\/\/HOST:PORT/],
      ["b8.json", '{"Addr": 5}', /needs \{"Addr"/],
      ["b9.json", "not json", /not JSON/],
      ["b10.json", '{"Addr": "udp://127.0.0.1:53"}', /protocol "udp"/],
    ];
    for (const [file, content, message] of cases) {
      writeFileSync(join(etc, file), content);
      const name = file.replace(/\.(spec|json)$/, "");
      assert.throws(() => locatePlugin(name, policy), (err: Error & { kind?: string; code?: string }) => {
        assert.equal(err.kind, "invalid-argument", file);
        assert.equal(err.code, PluginErrorCodes.invalidSpec, file);
        assert.match(err.message, message, file);
        assert.ok(err.message.includes(join(etc, file)), `${file}: the message names the file`);
        return true;
      });
    }
  });

  test("Docker's back-off: waits of 1, 2, 4 and 8 s, then not found (~15 s); scaled down it finds a socket that appears late", async () => {
    assert.deepEqual(backoffDelays(DOCKER_BACKOFF), [1000, 2000, 4000, 8000]);
    assert.equal(await findPlugin("never", policy, { timeoutMs: 50, firstDelayMs: 5 }), undefined);
    const late = join(sockets, "late.sock");
    setTimeout(() => { void listenUnix(late).then((s) => servers.push(s)); }, 30);
    const found = await findPlugin("late", policy, { timeoutMs: 2_000, firstDelayMs: 10 });
    assert.deepEqual(found?.address, { transport: "unix", path: late });
  });

  test("--plugins-dir: one directory for sockets, specs and json files", () => {
    writeFileSync(join(root, "solo.spec"), "unix:///x/solo.sock");
    assert.deepEqual(locatePlugin("solo", { dirs: pluginDirsUnder(root), tcpAllow: [] })?.address, { transport: "unix", path: "/x/solo.sock" });
  });
});
