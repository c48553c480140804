// The `--ui` page's server in-process, over a stand-in source (no root): loopback-only addresses, GET
// only, Host checks against DNS rebinding, the state it serves, the relayed event stream, and close().

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { DockerNetwork, SandboxDto } from "../api/dto.js";
import { EventBus } from "./events.js";
import { Logger } from "./logging.js";
import { Metrics } from "./metrics.js";
import { hostHeaderAllowed, parseUiAddress } from "./ui-address.js";
import { startUiServer, type UiServer } from "./ui-server.js";
import { keyMetrics, type UiSource } from "./ui-state.js";

function network(name: string, id: string, subnet: string): DockerNetwork {
  return {
    Name: name, Id: id, Created: "", Scope: "local", Driver: "bridge", EnableIPv6: false, Internal: false, Attachable: false,
    Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false, Containers: {}, Options: {}, Labels: {},
    IPAM: { Driver: "default", Options: {}, Config: [{ Subnet: subnet, Gateway: subnet.replace(/0\/\d+$/, "1") }] },
  };
}

function sandbox(name: string, net: DockerNetwork, ip: string): SandboxDto {
  return {
    Id: `${name}-id`, Name: name, ContainerID: "", Created: "", Key: `/run/netns/${name}`, Hostname: name, Domainname: "",
    Dns: [], DnsSearch: [], DnsOptions: [], ExtraHosts: [], HostsPath: "", ResolvConfPath: "", UtsPath: "", PortBindings: [], Ports: {},
    Endpoints: [{
      EndpointID: "e", EndpointName: name, NetworkID: net.Id, NetworkName: net.Name, IfName: "eth0", MacAddress: "", IPv4Address: ip,
      IPv6Address: "", Gateway: "", GatewayIPv6: "", Aliases: [], PortBindings: [{ Proto: "tcp", Port: 80, HostPort: 8080 }],
      Links: [], LinkLocalIPs: [], DriverOpts: {},
    }],
  };
}

interface Answer { readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string }

function call(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => { body += c; }).on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}

describe("--ui addresses", () => {
  it("accepts loopback addresses, with port 0 for any free port", () => {
    assert.deepEqual(parseUiAddress("127.0.0.1:8080", false), { host: "127.0.0.1", port: 8080, loopback: true });
    assert.deepEqual(parseUiAddress("[::1]:0", false), { host: "::1", port: 0, loopback: true });
    assert.equal(parseUiAddress("127.1.2.3:1", false).loopback, true);
    assert.equal(parseUiAddress("localhost:80", false).loopback, true);
  });

  it("refuses any other address with a message naming --ui-allow-remote, unless it is given", () => {
    for (const spec of ["0.0.0.0:8080", "[::]:8080", "10.0.0.1:8080", "[2001:db8::1]:80", "example.com:80"]) {
      assert.throws(() => parseUiAddress(spec, false), (e: Error & { code?: string }) => e.code === "ERR_UI_NOT_LOOPBACK" && e.message.includes("--ui-allow-remote"), spec);
      assert.equal(parseUiAddress(spec, true).loopback, false, spec);
    }
  });

  it("refuses what is not HOST:PORT", () => {
    for (const spec of ["8080", "127.0.0.1", "127.0.0.1:99999", "::1:80", "127.0.0.1:http", ""]) {
      assert.throws(() => parseUiAddress(spec, true), (e: Error & { code?: string }) => e.code === "ERR_INVALID_UI_ADDRESS", spec);
    }
  });

  it("on loopback answers only loopback Host headers (DNS rebinding)", () => {
    const lo = parseUiAddress("127.0.0.1:8080", false);
    for (const h of ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.1"]) assert.ok(hostHeaderAllowed(lo, h), h);
    for (const h of ["evil.example:8080", "evil.example", "10.0.0.1:8080", undefined]) assert.ok(!hostHeaderAllowed(lo, h), String(h));
    assert.ok(hostHeaderAllowed(parseUiAddress("0.0.0.0:8080", true), "dnet.example:8080"));
  });
});

describe("--ui key metrics", () => {
  it("reads the gauges and sums the request and operation counters of the daemon's /metrics", () => {
    const m = new Metrics(() => ({ networks: 3, endpoints: 2, sandboxes: 1, event_subscribers: 1, connections: 4 }));
    m.request("GET /networks", "GET", 200);
    m.request("GET /networks", "GET", 200);
    m.request("POST /networks/create", "POST", 409);
    m.operation("network_create", 0.01);
    m.operation("network_create", 0.01, "conflict");
    const k = keyMetrics(m.render());
    assert.deepEqual({ ...k, uptimeSeconds: 0 }, {
      networks: 3, endpoints: 2, sandboxes: 1, connections: 4, eventSubscribers: 1, uptimeSeconds: 0,
      requests: 3, failedRequests: 1, operations: 2, failedOperations: 1,
      byRoute: [{ route: "GET /networks", count: 2 }, { route: "POST /networks/create", count: 1 }],
    });
  });
});

describe("--ui server", () => {
  const bus = new EventBus();
  const front = network("frontend", "a".repeat(64), "10.1.0.0/24");
  const nets = [front];
  const source: UiSource = {
    hostName: "testhost", networks: () => nets, sandboxes: () => [sandbox("web", front, "10.1.0.2/24")],
    metricsText: () => "dnet_networks 1\ndnet_http_requests_total{route=\"GET /networks\",method=\"GET\",code=\"200\"} 5\n",
    subscribe: (l) => bus.subscribe(l),
  };
  let server: UiServer;
  let port = 0;
  before(async () => {
    server = await startUiServer({ address: parseUiAddress("127.0.0.1:0", false), source, logger: new Logger("error") });
    port = (server.address() as AddressInfo).port;
  });
  after(() => { server.close(); });

  it("serves one self-contained page whose CSP allows only its own inline script and style", async () => {
    const a = await call(port, "GET", "/");
    assert.equal(a.status, 200);
    assert.match(String(a.headers["content-type"]), /^text\/html/);
    const csp = String(a.headers["content-security-policy"]);
    assert.match(csp, /default-src 'none'/);
    for (const tag of ["script", "style"]) {
      const inner = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(a.body)?.[1] ?? "";
      assert.ok(csp.includes(`'sha256-${createHash("sha256").update(inner).digest("base64")}'`), `${tag} hash in ${csp}`);
    }
    assert.doesNotMatch(a.body, /<script[^>]+src=|<link[^>]+href=|https?:\/\//, "nothing loaded from elsewhere");
  });

  it("answers every method but GET and HEAD with 405, on every path", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      for (const path of ["/", "/state", "/events", "/networks/create"]) {
        const a = await call(port, method, path);
        assert.equal(a.status, 405, `${method} ${path}`);
        assert.equal(a.headers.allow, "GET, HEAD");
      }
    }
    assert.equal((await call(port, "HEAD", "/state")).status, 200);
    assert.equal((await call(port, "HEAD", "/events")).status, 200);
    assert.equal((await call(port, "GET", "/networks")).status, 404, "no API route here");
  });

  it("refuses a request addressed to another host name (DNS rebinding)", async () => {
    assert.equal((await call(port, "GET", "/state", { host: `evil.example:${port}` })).status, 403);
  });

  it("serves the state: the topology SVG of dnet topology --svg and the key metrics", async () => {
    const a = await call(port, "GET", "/state");
    const state = JSON.parse(a.body) as { host: string; svg: string; metrics: { networks: number; requests: number } };
    assert.equal(state.host, "testhost");
    assert.match(state.svg, /^<svg /);
    assert.match(state.svg, /<g class="network" data-name="frontend">/);
    assert.match(state.svg, /<g class="sandbox" data-name="web">/);
    assert.deepEqual([state.metrics.networks, state.metrics.requests], [1, 5]);
    const svg = await call(port, "GET", "/topology.svg");
    assert.equal(svg.headers["content-type"], "image/svg+xml");
    assert.match(svg.body, /^<\?xml[^>]*\?>\n<svg /);
  });

  it("relays the daemon's events as server-sent events, and close() ends the streams", async () => {
    const got = await new Promise<{ text: string; ended: Promise<void> }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/events" }, (res) => {
        assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
        let text = "";
        const ended = new Promise<void>((r) => res.on("end", r).on("close", r));
        res.setEncoding("utf8").on("data", (c: string) => {
          text += c;
          if (text.includes("retry:") && !text.includes("data:")) bus.emit("network", "create", "b".repeat(64), { name: "backend" });
          if (text.includes("data:")) resolve({ text, ended });
        });
      });
      req.on("error", reject).end();
    });
    const data = /^data: (.*)$/m.exec(got.text)?.[1] ?? "";
    assert.deepEqual((JSON.parse(data) as { Type: string; Action: string; Actor: { Attributes: { name: string } } }).Actor.Attributes.name, "backend");
    assert.equal(server.streams, 1);
    const closed = new Promise<void>((r) => server.close(() => r()));
    await got.ended;
    await closed;
    assert.equal(server.streams, 0);
    assert.equal(bus.subscribers, 0, "no subscription left on the daemon's bus");
  });
});
