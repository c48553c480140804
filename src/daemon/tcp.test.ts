// The optional TCP listener (`dnet daemon --tcp HOST:PORT`): reached with curl and the dnet CLI from the
// daemon's netns, answering the same API as the socket; without the flag nothing listens on TCP.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { DNET_MAIN, TestDaemon } from "../testing/test-daemon.js";

const PORT = 23750 + Math.floor(Math.random() * 200);

describe("daemon TCP listener (root)", rootOnly, () => {
  const withTcp = new TestDaemon(["--tcp", `127.0.0.1:${PORT}`]);
  const without = new TestDaemon();
  before(async () => { await Promise.all([withTcp.start(), without.start()]); });
  after(async () => { await Promise.all([withTcp.cleanup(), without.cleanup()]); });

  it("--tcp serves the API on that address: curl and the CLI reach it, and it is the same daemon", async () => {
    assert.equal(withTcp.inHost("curl", ["-s", `http://127.0.0.1:${PORT}/_ping`]), "OK");
    await withTcp.client.createNetwork({ Name: "overtcp" });
    const ls = withTcp.inHost(process.execPath, [DNET_MAIN, "-H", `tcp://127.0.0.1:${PORT}`, "network", "ls", "--format", "json"]);
    assert.ok((JSON.parse(ls) as Array<{ Name: string }>).some((n) => n.Name === "overtcp"), ls);
  });

  it("without --tcp, nothing in the daemon's netns listens on TCP", () => {
    const listening = without.inHost("ss", ["-Htln"]).trim();
    assert.equal(listening, "", `unexpected TCP listeners: ${listening}`);
  });
});
