// dnet's plugin server on the wire, with raw requests as Go's client (dockerd's) writes them: the
// handshake, media types v1/v1.1/v1.2 (and a refused v2), error answers (Err/Error with Kind and Code,
// 400 for what it cannot read, 404 for unknown methods, 405 for other verbs), chunked and pipelined
// requests, `Connection: close`, garbage, a request too large, and a socket another live server holds.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { conflict } from "../errors/index.js";
import { PluginErrorCodes } from "./errors.js";
import { PluginServer } from "./server.js";

/** Sends raw bytes, returns everything the server wrote until it closed or went quiet for 100 ms. */
function exchange(path: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let out = "";
    let quiet: NodeJS.Timeout | undefined;
    const done = (): void => { clearTimeout(quiet); s.destroy(); resolve(out); };
    s.on("data", (d) => { out += d.toString(); clearTimeout(quiet); quiet = setTimeout(done, 100); });
    s.on("end", done);
    s.on("error", reject);
    s.write(bytes);
  });
}

const post = (method: string, body: string, extra = ""): string =>
  `POST /${method} HTTP/1.1\r\nHost: plugin\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
  `Accept: application/vnd.docker.plugins.v1.2+json\r\n${extra}Accept-Encoding: gzip\r\n\r\n${body}`;

const bodies = (text: string): unknown[] => text.split(/HTTP\/1\.1 /).filter(Boolean).map((r) => JSON.parse(r.slice(r.indexOf("\r\n\r\n") + 4)));

describe("plugin server on the wire", () => {
  let dir: string;
  let server: PluginServer;
  let sock: string;
  before(async () => {
    dir = mkdtempSync("/tmp/dnet-plugin-server-");
    sock = join(dir, "p.sock");
    server = await PluginServer.listen({
      name: "p", socketPath: sock,
      services: [
        { iface: "NetworkDriver", handlers: { Echo: async (b) => ({ Got: b }), Taken: async () => { throw conflict("ERR_NETWORK_EXISTS", "it is taken"); } } },
        { iface: "IpamDriver", handlers: { Fail: async () => { throw new Error("no v6 here"); } } },
      ],
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("Plugin.Activate lists both interfaces; an empty body is fine", async () => {
    const out = await exchange(sock, post("Plugin.Activate", ""));
    assert.match(out, /^HTTP\/1\.1 200 OK\r\nContent-Type: application\/vnd\.docker\.plugins\.v1\.2\+json\r\n/);
    assert.deepEqual(bodies(out), [{ Implements: ["NetworkDriver", "IpamDriver"] }]);
  });

  test("answers in the media type version asked for (v1, v1.1); refuses v2 with 406", async () => {
    for (const v of ["1", "1.1"]) {
      const out = await exchange(sock, post("NetworkDriver.Echo", "{}").replace("v1.2+json", `v${v}+json`));
      assert.match(out, new RegExp(`Content-Type: application/vnd\\.docker\\.plugins\\.v${v.replace(".", "\\.")}\\+json`));
    }
    assert.match(await exchange(sock, post("NetworkDriver.Echo", "{}").replace("v1.2+json", "v2+json")), /^HTTP\/1\.1 406 /);
  });

  test("errors: Err (network) / Error (IPAM) with Kind and Code at 200; 400 for bad JSON; 404 unknown; 405 GET", async () => {
    assert.deepEqual(bodies(await exchange(sock, post("NetworkDriver.Taken", "{}"))), [{ Err: "it is taken", Kind: "conflict", Code: "ERR_NETWORK_EXISTS" }]);
    assert.deepEqual(bodies(await exchange(sock, post("IpamDriver.Fail", "{}"))), [{ Error: "no v6 here", Kind: "internal" }]);
    assert.match(await exchange(sock, post("NetworkDriver.Echo", "{nope")), /^HTTP\/1\.1 400 [\s\S]*the request is not JSON/);
    assert.match(await exchange(sock, post("NetworkDriver.Nope", "{}")), /^HTTP\/1\.1 404 [\s\S]*not implemented by plugin p/);
    assert.match(await exchange(sock, post("Nope", "{}")), /^HTTP\/1\.1 404 /);
    assert.match(await exchange(sock, "GET /Plugin.Activate HTTP/1.1\r\nHost: p\r\n\r\n"), /^HTTP\/1\.1 405 /);
  });

  test("pipelined and chunked requests are answered in order; Connection: close closes after the answer", async () => {
    const chunked = "POST /NetworkDriver.Echo HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
    const out = await exchange(sock, post("NetworkDriver.Echo", '{"n":1}') + chunked + post("NetworkDriver.Echo", '{"n":"é"}', "Connection: close\r\n"));
    assert.deepEqual(bodies(out), [{ Got: { n: 1 } }, { Got: { a: 1 } }, { Got: { n: "é" } }]);
    assert.match(out, /Connection: close/);
  });

  test("garbage gets a 400 and a closed connection; a body over 1 MiB a 413", async () => {
    assert.match(await exchange(sock, "HELLO THERE\r\n\r\n"), /^HTTP\/1\.1 400 [\s\S]*not an HTTP request/);
    assert.match(await exchange(sock, post("NetworkDriver.Echo", "x".repeat((1 << 20) + 1))), /^HTTP\/1\.1 413 /);
  });

  test("a second server on the socket of a live one is refused", async () => {
    await assert.rejects(PluginServer.listen({ name: "p", socketPath: sock, services: [] }), { kind: "conflict", code: PluginErrorCodes.serve });
  });
});
