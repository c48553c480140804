// DnetClient's kept-alive connections: reused between requests, and a request that meets a connection
// the server had closed is sent again on a new one (once), while an unreachable daemon is a typed error.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isLibnetworkError } from "../errors/index.js";
import { DnetClient } from "./client.js";

describe("DnetClient connections", () => {
  const dir = mkdtempSync(join(tmpdir(), "dnet-client-"));
  const socketPath = join(dir, "api.sock");
  let server: Server;
  const connections = new Set<Socket>();
  let requests = 0;
  /** The next request on a reused connection is answered by closing it, as an idle timeout would. */
  let dropNextReused = false;

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      const sock = req.socket as Socket & { served?: number };
      sock.served = (sock.served ?? 0) + 1;
      if (dropNextReused && sock.served > 1) {
        dropNextReused = false;
        sock.destroy();
        return;
      }
      res.setHeader("api-version", "1.41");
      res.end("OK");
    });
    server.on("connection", (s) => connections.add(s));
    await new Promise<void>((r) => server.listen(socketPath, r));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("reuses one connection for requests one after another", async () => {
    const client = new DnetClient(`unix://${socketPath}`);
    const before = connections.size;
    for (let i = 0; i < 5; i++) assert.equal(await client.ping(), "1.41");
    assert.equal(connections.size - before, 1);
    client.close();
  });

  it("a request meeting a connection the server closed is sent again on a new one", async () => {
    const client = new DnetClient(`unix://${socketPath}`);
    await client.ping();
    const [conns, reqs] = [connections.size, requests];
    dropNextReused = true;
    assert.equal(await client.ping(), "1.41");
    assert.equal(dropNextReused, false, "the server did drop the reused connection");
    assert.equal(requests - reqs, 2, "sent twice: once on the stale connection, once on a new one");
    assert.equal(connections.size - conns, 1);
    client.close();
  });

  it("no daemon: a typed unavailable error, not retried forever", async () => {
    const client = new DnetClient(`unix://${join(dir, "missing.sock")}`);
    await assert.rejects(client.ping(), (err: unknown) => isLibnetworkError(err) && err.code === "ERR_DAEMON_UNREACHABLE");
    client.close();
  });
});
