// Observability: the NDJSON event stream, Prometheus metrics and JSON logs of a running daemon.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EventDto } from "../api/dto.js";
import { TestDaemon } from "../testing/test-daemon.js";

describe("events, metrics and logs", () => {
  const d = new TestDaemon(["--log-format", "json", "--log-level", "debug"]);
  before(async () => { await d.start(); });
  after(async () => { await d.cleanup(); });

  it("streams create/connect/disconnect/destroy events as NDJSON", async () => {
    const seen: EventDto[] = [];
    const ac = new AbortController();
    const stream = d.client.events((e) => seen.push(e), ac.signal);
    await new Promise((r) => setTimeout(r, 100));
    await d.client.createNetwork({ Name: "ev1" });
    await d.client.createSandbox({ Name: "evsb" });
    await d.client.connect("ev1", { Container: "evsb" });
    await d.client.disconnect("ev1", { Container: "evsb" });
    await d.client.removeSandbox("evsb");
    await d.client.removeNetwork("ev1");
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await stream;
    assert.deepEqual(seen.map((e) => `${e.Type}:${e.Action}`), [
      "network:create", "sandbox:create", "network:connect", "network:disconnect", "sandbox:destroy", "network:destroy",
    ]);
    assert.equal(seen[0]?.Actor.Attributes["name"], "ev1");
    assert.ok((seen[0]?.timeNano ?? 0) > 1e18);
  });

  it("exposes operations, latencies, errors and object counts in Prometheus text", async () => {
    await d.client.removeNetwork("nope").catch(() => {});
    const text = await d.client.metrics();
    assert.match(text, /# TYPE dnet_operations_total counter/);
    assert.match(text, /dnet_operations_total\{operation="connect",result="ok"\} 1/);
    assert.match(text, /dnet_errors_total\{operation="network_remove",kind="not-found"\} 1/);
    assert.match(text, /dnet_operation_duration_seconds_bucket\{operation="connect",le="\+Inf"\} 1/);
    assert.match(text, /dnet_operation_duration_seconds_count\{operation="network_create"\} 1/);
    assert.match(text, /^dnet_networks 3$/m); // none, host and the default bridge
    assert.match(text, /^dnet_sandboxes 0$/m);
    for (const line of text.trim().split("\n")) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="[^"]*",?)*\})? [\d.e+-]+)$/, line);
  });

  it("writes structured JSON logs", () => {
    const lines = d.log.trim().split("\n");
    assert.ok(lines.length > 2);
    for (const l of lines) {
      const rec = JSON.parse(l) as { time: string; level: string; msg: string };
      assert.ok(rec.time !== "" && rec.level !== "" && rec.msg !== "", l);
    }
    assert.ok(lines.some((l) => (JSON.parse(l) as { msg: string }).msg === "dnet daemon started"));
    assert.ok(lines.some((l) => (JSON.parse(l) as { msg: string; network?: string }).network === "ev1"));
  });
});
