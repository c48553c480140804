// HTTP fuzz: 10,000 malformed requests (truncated and mistyped JSON, garbage bodies, bad filters, unknown
// routes and methods, broken HTTP). Every one gets a 4xx, the daemon keeps serving, and nothing changes.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { DnetClient } from "../api/client.js";
import { TestDaemon, snapshot } from "../testing/test-daemon.js";

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID_BODIES: Record<string, unknown> = {
  "/networks/create": { Name: "fz", Driver: "bridge", IPAM: { Driver: "default", Config: [{ Subnet: "10.131.0.0/24", Gateway: "10.131.0.1" }] }, Labels: { a: "b" }, Options: {} },
  "/networks/fz0/connect": { Container: "fzsb", EndpointConfig: { IPAMConfig: { IPv4Address: "10.130.0.9" }, Aliases: ["x"] } },
  "/networks/fz0/disconnect": { Container: "fzsb", Force: true },
  "/sandboxes": { Name: "fzn", Hostname: "h", Dns: ["192.0.2.1"], Networks: [{ Network: "fz0" }], PortBindings: [{ Proto: "tcp", Port: 80, HostPort: 8080 }] },
};
const WRONG: readonly unknown[] = [1, -1, 1.5, true, false, [], [1], {}, { x: 1 }, "", "\u0000", 1e308];

/** Replaces one leaf (or container) of a valid body by a value of the wrong type. */
function mistype(body: unknown, rnd: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  const paths: Array<[Record<string, unknown> | unknown[], string | number, unknown]> = [];
  const walk = (o: Record<string, unknown> | unknown[]): void => {
    for (const [k, v] of Object.entries(o)) {
      paths.push([o, Array.isArray(o) ? Number(k) : k, v]);
      if (v !== null && typeof v === "object") walk(v as Record<string, unknown>);
    }
  };
  walk(copy);
  for (;;) {
    const [holder, key, old] = paths[Math.floor(rnd() * paths.length)] as (typeof paths)[number];
    const w = WRONG[Math.floor(rnd() * WRONG.length)];
    const sameKind = (typeof old === typeof w && Array.isArray(old) === Array.isArray(w) && (typeof old !== "object" || old === null));
    if (sameKind || (typeof old === "object" && typeof w === "object")) continue;
    (holder as Record<string | number, unknown>)[key] = w;
    return copy;
  }
}

function badPath(rnd: () => number): { method: string; path: string } {
  const word = (): string => `z${Math.floor(rnd() * 1e9).toString(36)}`;
  const choices: Array<() => { method: string; path: string }> = [
    () => ({ method: "GET", path: `/${word()}` }),
    () => ({ method: "GET", path: `/v1.41/networks/${word()}` }),
    () => ({ method: "DELETE", path: `/networks/${word()}` }),
    () => ({ method: "DELETE", path: `/sandboxes/${word()}` }),
    () => ({ method: "GET", path: `/sandboxes/${word()}` }),
    () => ({ method: "POST", path: `/networks/${word()}/connect` }),
    () => ({ method: "PUT", path: "/networks" }),
    () => ({ method: "PATCH", path: `/sandboxes/${word()}` }),
    () => ({ method: "GET", path: `/networks?filters=${encodeURIComponent(`{"${word()}":["x"]}`)}` }),
    () => ({ method: "GET", path: `/networks?filters=${encodeURIComponent(word())}` }),
    () => ({ method: "POST", path: `/networks/prune?filters=${encodeURIComponent(`{"until":["1h"]}`)}` }),
    () => ({ method: "GET", path: `/v1.41/${word()}/${word()}` }),
  ];
  return (choices[Math.floor(rnd() * choices.length)] as () => { method: string; path: string })();
}

function garbage(rnd: () => number, n: number): string {
  let s = "\u0001";
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rnd() * 0x7f));
  return s;
}

function rawGarbage(socket: string, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(socket);
    let got = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => { got += d; });
    const timer = setTimeout(() => s.destroy(), 3000);
    s.on("close", () => { clearTimeout(timer); resolve(got); });
    s.on("error", () => {});
    s.on("connect", () => s.end(payload));
  });
}

describe("HTTP fuzz", () => {
  const d = new TestDaemon(["--max-body-bytes", "65536"]);
  before(async () => {
    await d.start();
    await d.client.createNetwork({ Name: "fz0", IPAM: { Config: [{ Subnet: "10.130.0.0/24" }] } });
    await d.client.createSandbox({ Name: "fzsb", Networks: [{ Network: "fz0" }] });
  });
  after(async () => { await d.cleanup(); });

  it("10,000 malformed requests: all 4xx, daemon still serving, nothing changed", { timeout: 300_000 }, async () => {
    const before0 = await snapshot(d.client);
    const rnd = prng(20240607);
    const statuses = new Map<number, number>();
    const clients = Array.from({ length: 16 }, () => new DnetClient(d.host));
    const TOTAL = 10_000;
    const RAW = 300;
    let next = 0;
    const one = async (c: DnetClient): Promise<void> => {
      const i = next++;
      const kind = i % 4;
      const paths = Object.keys(VALID_BODIES);
      const path = paths[Math.floor(rnd() * paths.length)] as string;
      let r;
      if (kind === 0) {
        const text = JSON.stringify(VALID_BODIES[path]);
        r = await c.raw("POST", path, undefined, text.slice(0, Math.floor(rnd() * (text.length - 1))));
      } else if (kind === 1) r = await c.raw("POST", path, mistype(VALID_BODIES[path], rnd));
      else if (kind === 2) r = await c.raw("POST", path, undefined, garbage(rnd, Math.floor(rnd() * 200)));
      else { const b = badPath(rnd); r = await c.raw(b.method, b.path); }
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.ok(r.status >= 400 && r.status < 500, `request ${i} (kind ${kind}, ${path}) → ${r.status} ${r.text}`);
    };
    try {
      await Promise.all(clients.map(async (c) => { while (next < TOTAL - RAW) await one(c); }));
      for (let i = 0; i < RAW; i++) {
        const reply = await rawGarbage(d.socket, i % 2 === 0 ? `${garbage(rnd, 40)}\r\n\r\n` : `GET /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n`);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        assert.ok(status === 0 || (status >= 400 && status < 500), `raw ${i} → ${reply.slice(0, 80)}`);
      }
    } finally {
      for (const c of clients) c.close();
    }
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, TOTAL);
    assert.equal((await d.client.raw("GET", "/_ping")).status, 200);
    assert.equal(await snapshot(d.client), before0);
    const metrics = await d.client.metrics();
    assert.match(metrics, /dnet_http_requests_total\{route="POST \/networks\/create",method="POST",code="400"\} \d+/);
  });
});
