// The plugin client's HTTP/1.1 reader against canned server bytes: Content-Length, chunked, answers that
// end with the connection, split deliveries, kept-alive reuse, a server that closes an idle connection,
// and what it refuses (not HTTP, too large, closed before the answer).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LiteHttpClient } from "./http-lite.js";

type Reply = (socket: Socket, request: string) => void;

describe("plugin HTTP client", () => {
  let dir: string;
  let server: Server;
  let reply: Reply = () => {};
  const requests: string[] = [];
  let connections = 0;

  before(async () => {
    dir = mkdtempSync("/tmp/dnet-http-lite-");
    server = createServer((socket) => {
      connections++;
      let buf = Buffer.alloc(0);
      socket.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const head = buf.indexOf("\r\n\r\n");
        if (head < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.toString())?.[1] ?? 0);
        if (buf.length < head + 4 + length) return;
        requests.push(buf.toString());
        buf = Buffer.alloc(0);
        reply(socket, requests.at(-1) ?? "");
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(join(dir, "s.sock"), r));
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (): LiteHttpClient => new LiteHttpClient(() => connect(join(dir, "s.sock")), "plugin");
  const post = (c: LiteHttpClient, body = "{}"): ReturnType<LiteHttpClient["post"]> =>
    c.post("/NetworkDriver.Join", "Accept: x\r\n", body, 1_000, () => new Error("timed out"), 1 << 16);

  test("writes one POST with its headers; reads a Content-Length answer; reuses the connection", async () => {
    reply = (s) => s.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"a\":12}");
    const c = client();
    const before = connections;
    const a = await post(c, '{"x":"é"}');
    assert.equal(a.status, 200);
    assert.equal(a.headers.get("content-type"), "application/json");
    assert.equal(a.body.toString(), '{"a":12}');
    assert.equal(requests.at(-1), 'POST /NetworkDriver.Join HTTP/1.1\r\nHost: plugin\r\nAccept: x\r\nContent-Length: 10\r\n\r\n{"x":"é"}');
    await post(c);
    assert.equal(connections - before, 1, "the second call went over the kept connection");
    c.close();
  });

  test("chunked answers, split anywhere, and answers that end with the connection", async () => {
    reply = (s) => {
      const bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n";
      let i = 0;
      const drip = (): void => { if (i < bytes.length) { s.write(bytes.slice(i, i + 5)); i += 5; setTimeout(drip, 1); } };
      drip();
    };
    const c = client();
    assert.equal((await post(c)).body.toString(), '{"a":1}');
    reply = (s) => s.end("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
    assert.equal((await post(c)).body.toString(), "until the end");
    reply = (s) => s.write("HTTP/1.1 204 No Content\r\n\r\n");
    assert.equal((await post(c)).body.length, 0);
    c.close();
  });

  test("a kept connection the server closed is dropped, not reused: the next call opens a new one", async () => {
    reply = (s) => { s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"); setTimeout(() => s.destroy(), 5); };
    const c = client();
    await post(c);
    await new Promise((r) => setTimeout(r, 30));
    const before = connections;
    await post(c);
    assert.equal(connections - before, 1);
    c.close();
  });

  test("refuses what is not an HTTP answer, an answer too large, and a connection closed before the answer", async () => {
    const c = client();
    reply = (s) => s.write("SSH-2.0-OpenSSH\r\n\r\n");
    await assert.rejects(post(c), { code: "EBADANSWER" });
    reply = (s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n${"x".repeat(70_000)}`);
    await assert.rejects(post(c), { code: "ETOOBIG" });
    reply = (s) => s.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a\"");
    await assert.rejects(post(c), { code: "ECONNRESET" });
    reply = () => {};
    await assert.rejects(c.post("/X.Y", "", "", 50, () => Object.assign(new Error("late"), { code: "LATE" }), 100), { code: "LATE" });
    c.close();
  });
});
