// docs/openapi.json says what the daemon answers: a real daemon (in a scratch netns) is called on every
// documented route, and each status, content type and body is checked against the document.

import assert from "node:assert/strict";
import { request } from "node:http";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { rootOnly } from "../testing/kernel.js";
import { documentedResponse, pathTemplate, validate, type OpenApiDocument } from "../testing/openapi-check.js";
import { TestDaemon } from "../testing/test-daemon.js";

const doc = JSON.parse(readFileSync(fileURLToPath(new URL("../../../docs/openapi.json", import.meta.url)), "utf8")) as OpenApiDocument;

interface Answer { readonly status: number; readonly contentType: string; readonly text: string }

function call(socket: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = request({ socketPath: socket, method, path, headers: payload === undefined ? {} : { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => { text += c; }).on("end", () => {
        resolve({ status: res.statusCode ?? 0, contentType: (res.headers["content-type"] ?? "").split(";")[0] ?? "", text });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** A request that declares a body of `length` bytes and sends none: the daemon answers from the headers. */
function declaredOnly(socket: string, method: string, path: string, length: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: { "content-type": "application/json", "content-length": String(length) } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => { text += c; }).on("end", () => {
        resolve({ status: res.statusCode ?? 0, contentType: (res.headers["content-type"] ?? "").split(";")[0] ?? "", text });
        req.destroy();
      });
    });
    req.on("error", (err) => { if (!req.destroyed) reject(err); });
    req.flushHeaders();
  });
}

/** The first line of GET /events after `trigger` ran. */
function firstEvent(socket: string, trigger: () => Promise<unknown>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: "/events" }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => {
        text += c;
        if (!text.includes("\n")) return;
        req.destroy();
        resolve({ status: res.statusCode ?? 0, contentType: (res.headers["content-type"] ?? "").split(";")[0] ?? "", text: text.split("\n")[0] ?? "" });
      });
      trigger().catch(reject);
    });
    req.on("error", (err) => { if (!req.destroyed) reject(err); });
    req.end();
  });
}

describe("the JSON Schema subset the document is checked with", () => {
  const schema = { type: "object", required: ["A"], additionalProperties: false, properties: { A: { type: "integer" }, B: { enum: ["x"] } } } as const;
  it("reports a missing, an undocumented, a mistyped and an unlisted value", () => {
    assert.deepEqual(validate(doc, schema, { A: 1, B: "x" }), []);
    assert.deepEqual(validate(doc, schema, { B: "y", C: 1 }), ["$: A is missing", `$.B: "y" is not one of ["x"]`, "$: C is not in the document"]);
    assert.deepEqual(validate(doc, schema, { A: 1.5 }), ["$.A: number, the document says integer"]);
    assert.deepEqual(validate(doc, { $ref: "#/components/schemas/Error" }, { message: "m", kind: "nope" }).length, 1);
    assert.throws(() => validate(doc, { minimum: 1 } as never, 1), /outside the validator's subset/);
  });

  it("finds routes as the daemon does: literals first, any /vX.Y prefix", () => {
    assert.equal(pathTemplate(doc, "POST", "/v1.41/networks/create"), "/networks/create");
    assert.equal(pathTemplate(doc, "GET", "/networks/web?x=1"), "/networks/{id}");
    assert.equal(pathTemplate(doc, "GET", "/nothing"), undefined);
  });
});

describe("the HTTP API against docs/openapi.json (root)", rootOnly, () => {
  let d: TestDaemon;
  const exercised = new Set<string>();

  before(async () => {
    d = new TestDaemon();
    await d.start();
  });
  after(async () => { await d?.cleanup(); });

  /** Calls the daemon, checks the answer against the document, and returns its parsed body. */
  async function checked(method: string, path: string, status: number, body?: unknown): Promise<unknown> {
    const answer = await call(d.socket, method, path, body);
    assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
    return conforms(method, path, answer);
  }

  function conforms(method: string, path: string, answer: Answer): unknown {
    const documented = documentedResponse(doc, method, path, answer.status);
    exercised.add(`${method} ${documented.template}`);
    if (documented.content === undefined || method === "HEAD") {
      assert.equal(answer.text, "", `${method} ${path}: the document gives no body`);
      return undefined;
    }
    const media = documented.content[answer.contentType];
    assert.ok(media !== undefined, `${method} ${path}: content type ${answer.contentType} is not in the document`);
    const value: unknown = answer.contentType.endsWith("json") ? JSON.parse(answer.text) : answer.text;
    assert.deepEqual(validate(doc, media.schema, value), [], `${method} ${path} ${answer.status}`);
    return value;
  }

  it("answers the Docker routes as documented", async () => {
    await checked("GET", "/_ping", 200);
    await checked("HEAD", "/_ping", 200);
    await checked("GET", "/v1.41/version", 200);
    const create = { Name: "oas-net", IPAM: { Config: [{ Subnet: "10.249.90.0/24", Gateway: "10.249.90.1" }] }, Labels: { team: "a" } };
    assert.deepEqual(validate(doc, { $ref: "#/components/schemas/NetworkCreateRequest" }, create), []);
    await checked("POST", "/networks/create", 201, create);
    await checked("POST", "/networks/create", 409, create);
    await checked("POST", "/networks/create", 400, "{not json");
    // Declared, not sent: a client still writing when the 413 arrives may see EPIPE instead of the answer.
    const big = await declaredOnly(d.socket, "POST", "/networks/create", 2 << 20);
    assert.equal(big.status, 413, big.text);
    conforms("POST", "/networks/create", big);
    await checked("POST", "/networks/create", 201, { Name: "oas-unused" });
    await checked("GET", "/networks", 200);
    await checked("GET", `/networks?filters=${encodeURIComponent(JSON.stringify({ name: ["oas"] }))}`, 200);
    await checked("GET", `/networks?filters=${encodeURIComponent(JSON.stringify({ type: ["nope"] }))}`, 400);
    await checked("GET", "/networks/oas-net", 200);
    await checked("GET", "/networks/no-such-net", 404);
  });

  it("answers the native routes as documented, connect and disconnect included", async () => {
    const sb1 = { Name: "oas-sb1", Networks: [{ Network: "oas-net", Aliases: ["one"] }], PortBindings: [{ Proto: "tcp", Port: 80, HostPort: 18080 }] };
    assert.deepEqual(validate(doc, { $ref: "#/components/schemas/SandboxCreateRequest" }, sb1), []);
    await checked("POST", "/sandboxes", 201, sb1);
    assert.deepEqual(await checked("POST", "/networks/prune", 200), { NetworksDeleted: ["oas-unused"] }, "oas-net is in use");
    await checked("POST", "/sandboxes", 201, { Name: "oas-sb2" });
    await checked("POST", "/sandboxes", 409, { Name: "oas-sb2" });
    await checked("POST", "/networks/oas-net/connect", 200, { Container: "oas-sb2", EndpointConfig: { Aliases: ["two"] } });
    await checked("POST", "/networks/oas-net/connect", 404, { Container: "no-such-sandbox" });
    await checked("GET", "/sandboxes", 200);
    await checked("GET", "/sandboxes/oas-sb1", 200);
    await checked("GET", "/sandboxes/no-such-sandbox", 404);
    await checked("GET", "/endpoints", 200);
    await checked("GET", "/metrics", 200);
    const event = await firstEvent(d.socket, () => call(d.socket, "POST", "/networks/create", { Name: "oas-event" }));
    assert.equal(event.status, 200);
    assert.deepEqual((conforms("GET", "/events", event) as { Action: string }).Action, "create");
    await checked("DELETE", "/networks/oas-event", 204);
    await checked("POST", "/networks/oas-net/disconnect", 200, { Container: "oas-sb2" });
    await checked("DELETE", "/networks/oas-net", 403);
    await checked("DELETE", "/sandboxes/oas-sb1", 403);
    await checked("DELETE", "/sandboxes/oas-sb1?force=1", 204);
    await checked("DELETE", "/sandboxes/oas-sb2", 204);
    await checked("DELETE", "/networks/oas-net", 204);
    await checked("DELETE", "/networks/oas-net", 404);
  });

  it("was called on every documented route", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).filter((m) => m !== "parameters").map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(documented.filter((r) => !exercised.has(r)), []);
  });
});
