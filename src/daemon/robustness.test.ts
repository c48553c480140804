// Bad requests get the right 4xx and change nothing: malformed JSON, wrong types, huge bodies, unknown
// routes, slow clients. And 100 concurrent clients leave a state the kernel agrees with.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { DnetClient } from "../api/client.js";
import { TestDaemon, assertConsistent, snapshot } from "../testing/test-daemon.js";

/** Sends raw bytes and returns what came back before the server closed or `waitMs` passed. */
function rawExchange(socket: string, chunks: readonly string[], gapMs: number, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(socket);
    let got = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => { got += d; });
    const done = (): void => { clearTimeout(timer); s.destroy(); resolve(got); };
    const timer = setTimeout(done, waitMs);
    s.on("close", done);
    s.on("error", done);
    let i = 0;
    const next = (): void => {
      if (i < chunks.length && !s.destroyed) { s.write(chunks[i++] as string); setTimeout(next, gapMs); }
    };
    s.on("connect", next);
  });
}

describe("daemon robustness", () => {
  const d = new TestDaemon(["--request-timeout", "1", "--max-body-bytes", "65536"]);
  let before0 = "";
  before(async () => {
    await d.start();
    await d.client.createNetwork({ Name: "rb0", IPAM: { Config: [{ Subnet: "10.119.0.0/24" }] } });
    await d.client.createSandbox({ Name: "rbsb", Networks: [{ Network: "rb0" }] });
    before0 = await snapshot(d.client);
  });
  after(async () => { await d.cleanup(); });

  const expect = async (method: string, path: string, body: unknown, status: number, msg?: RegExp): Promise<void> => {
    const r = await d.client.raw(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)} → ${r.status} ${r.text}`);
    if (status >= 400) {
      const parsed = JSON.parse(r.text) as { message: unknown };
      assert.equal(typeof parsed.message, "string");
      if (msg !== undefined) assert.match(parsed.message as string, msg);
    }
  };

  it("answers on any /vX.Y prefix and none", async () => {
    for (const p of ["/_ping", "/v1.41/_ping", "/v1.12/_ping", "/v99/_ping"]) {
      const r = await d.client.raw("GET", p);
      assert.equal(r.status, 200);
      assert.equal(r.text, "OK");
      assert.equal(r.headers["api-version"], "1.41");
    }
    assert.equal((await d.client.raw("HEAD", "/_ping")).status, 200);
    assert.equal((await d.client.raw("GET", "/v1.41/networks/rb0")).status, 200);
  });

  it("rejects malformed JSON and wrong types with 400", async () => {
    const sendText = async (path: string, text: string): Promise<number> => {
      const r = await rawExchange(d.socket, [`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`], 0, 3000);
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(r)?.[1]);
    };
    for (const t of ["{", "{\"Name\":", "nul", "[1,2", "\"Name\"", "{\"Name\":\"x\"}}"]) assert.equal(await sendText("/networks/create", t), 400, t);
    await expect("POST", "/networks/create", [], 400);
    await expect("POST", "/networks/create", null, 400);
    await expect("POST", "/networks/create", {}, 400, /Name is required/);
    await expect("POST", "/networks/create", { Name: 5 }, 400, /Name/);
    await expect("POST", "/networks/create", { Name: "x", Internal: "yes" }, 400, /Internal/);
    await expect("POST", "/networks/create", { Name: "x", IPAM: { Config: "10.0.0.0/8" } }, 400, /IPAM\.Config/);
    await expect("POST", "/networks/create", { Name: "x", IPAM: { Config: [{ Subnet: 10 }] } }, 400, /Subnet/);
    await expect("POST", "/networks/create", { Name: "x", IPAM: { Config: [{ Subnet: "10.0.0.0/33" }] } }, 400);
    await expect("POST", "/networks/create", { Name: "x", Labels: { a: 1 } }, 400, /Labels\.a/);
    await expect("POST", "/networks/create", { Name: "x", Options: [] }, 400, /Options/);
    await expect("POST", "/networks/rb0/connect", { Container: 1 }, 400, /Container/);
    await expect("POST", "/networks/rb0/connect", { Container: "rbsb", EndpointConfig: { Aliases: "a" } }, 400, /Aliases/);
    await expect("POST", "/networks/rb0/disconnect", { Container: "rbsb", Force: "no" }, 400, /Force/);
    await expect("POST", "/sandboxes", { Name: "x", Networks: "rb0" }, 400, /Networks/);
    await expect("POST", "/sandboxes", { Name: "x", PortBindings: [{ Port: "80" }] }, 400, /Port/);
    await expect("GET", "/networks?filters=%7Bbad", undefined, 400, /filter/);
    await expect("GET", `/networks?filters=${encodeURIComponent('{"colour":["red"]}')}`, undefined, 400, /invalid filter 'colour'/);
    assert.equal(await snapshot(d.client), before0);
  });

  it("rejects huge bodies with 413, unknown routes with 404, wrong methods with 405", async () => {
    await expect("POST", "/networks/create", { Name: "huge", Labels: { pad: "x".repeat(100_000) } }, 413, /too large/);
    const chunked = await rawExchange(d.socket, ["POST /networks/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
      `10000\r\n${"y".repeat(0x10000)}\r\n`, `10000\r\n${"y".repeat(0x10000)}\r\n`], 10, 3000);
    assert.match(chunked, /^HTTP\/1\.1 413/);
    await expect("GET", "/nothing/here", undefined, 404, /page not found/);
    await expect("GET", "/v1.41/containers/json", undefined, 404);
    await expect("PUT", "/networks", undefined, 405);
    await expect("DELETE", "/_ping", undefined, 405);
    await expect("GET", "/networks/%E0%A4%A", undefined, 404);
    assert.equal(await snapshot(d.client), before0);
  });

  it("takes JSON bodies as application/json or with no Content-Type, and refuses any other type with 400", async () => {
    const post = (type: string, name: string): Promise<string> => {
      const body = JSON.stringify({ Name: name, IPAM: { Config: [{ Subnet: "10.119.9.0/24" }] } });
      return rawExchange(d.socket, [`POST /networks/create HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${type === "" ? "" : `Content-Type: ${type}\r\n`}Content-Length: ${body.length}\r\n\r\n${body}`], 0, 3000);
    };
    for (const type of ["text/plain", "application/notjson", "application/x-www-form-urlencoded"]) {
      assert.match(await post(type, "ctbad"), /^HTTP\/1\.1 400[^]*unsupported Content-Type header/, type);
    }
    assert.equal(await snapshot(d.client), before0);
    for (const [type, name] of [["application/json; charset=utf-8", "ctok1"], ["", "ctok2"]] as const) {
      assert.match(await post(type, name), /^HTTP\/1\.1 201/, type);
      await d.client.removeNetwork(name);
    }
  });

  it("times out slow clients with 408 while serving others", async () => {
    const slowHeaders = rawExchange(d.socket, ["POST /networks/create HTTP/1.1\r\n", "Host: x\r\n"], 200, 4000);
    const slowBody = rawExchange(d.socket, ["POST /networks/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Name\":"], 0, 4000);
    const t0 = Date.now();
    assert.equal((await d.client.raw("GET", "/_ping")).status, 200);
    assert.ok(Date.now() - t0 < 500, "others are served at once");
    const [h, b] = await Promise.all([slowHeaders, slowBody]);
    assert.match(h, /^HTTP\/1\.1 408/);
    assert.match(b, /^HTTP\/1\.1 408/);
    assert.equal(await snapshot(d.client), before0);
  });

  it("100 concurrent clients creating networks, connecting sandboxes and removing leave a consistent state", { timeout: 240_000 }, async () => {
    const clients = Array.from({ length: 100 }, () => new DnetClient(d.host));
    try {
      await Promise.all(clients.map(async (c, i) => {
        await c.createNetwork({ Name: `cc${i}`, IPAM: { Config: [{ Subnet: `10.120.${i}.0/24` }] } });
        await c.createSandbox({ Name: `ccsb${i}` });
        await c.connect(`cc${i}`, { Container: `ccsb${i}` });
        await c.connect("rb0", { Container: `ccsb${i}` });
        if (i % 2 === 0) {
          await c.disconnect(`cc${i}`, { Container: `ccsb${i}` });
          await c.removeNetwork(`cc${i}`);
        }
        if (i % 4 === 0) await c.removeSandbox(`ccsb${i}`, true);
      }));
      const counts = await assertConsistent(d);
      assert.deepEqual(counts, { networks: 4 + 50, sandboxes: 1 + 75, endpoints: 1 + 50 + 75 });
      // Racing duplicates: exactly one create of a name wins.
      const dup = await Promise.allSettled(clients.slice(0, 20).map((c) => c.createNetwork({ Name: "racer", IPAM: { Config: [{ Subnet: "10.121.0.0/24" }] } })));
      assert.equal(dup.filter((r) => r.status === "fulfilled").length, 1);
      await Promise.all(clients.map(async (c, i) => {
        if (i % 4 !== 0) await c.removeSandbox(`ccsb${i}`, true);
        if (i % 2 !== 0) await c.removeNetwork(`cc${i}`);
      }));
      await d.client.removeNetwork("racer");
      assert.equal(await snapshot(d.client), before0);
      await assertConsistent(d);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
