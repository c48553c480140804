// End to end, the CLI's tools around the commands, on one daemon with two networks and three sandboxes:
// `--format` / `-f` against the real docker CLI's output, `topology` (tree, SVG, DOT), `events` with
// filters, `network prune`'s question, `rm` of several names, and what the daemon logs at info level.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { SandboxDto } from "../api/dto.js";
import { DNET_MAIN, TestDaemon, type CliResult } from "../testing/test-daemon.js";

/** Runs `dnet ARGS` with `input` on stdin (undefined: an empty, non-interactive stdin). */
function dnetWithInput(d: TestDaemon, args: readonly string[], input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DNET_MAIN, "-H", d.host, ...args], { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (c: Buffer) => { stdout += c.toString(); });
    child.stderr?.on("data", (c: Buffer) => { stderr += c.toString(); });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin?.end(input);
  });
}

/** A `dnet events` process and the lines it printed so far. */
function followEvents(d: TestDaemon, args: readonly string[]): { lines: string[]; until(n: number): Promise<void>; stop(): Promise<number | null> } {
  const child = spawn(process.execPath, [DNET_MAIN, "-H", d.host, "events", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let buf = "";
  const waiters: Array<() => void> = [];
  child.stdout.on("data", (c: Buffer) => {
    buf += c.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    lines,
    until: async (n) => { while (lines.length < n) await new Promise<void>((r) => waiters.push(r)); },
    stop: () => { child.kill("SIGINT"); return exited; },
  };
}

describe("dnet's tools around the commands", () => {
  const d = new TestDaemon();
  let sbs: SandboxDto[] = [];
  const dnet = async (...args: string[]): Promise<string> => {
    const r = await d.dnet(args);
    assert.equal(r.code, 0, `dnet ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    await d.start();
    await dnet("network", "create", "--subnet", "10.71.0.0/24", "--label", "team=web", "-o", "com.docker.network.bridge.name=brtools1", "tn1");
    await dnet("network", "create", "--subnet", "10.72.0.0/24", "--ip-range", "10.72.0.128/25", "tn2");
    await dnet("sandbox", "create", "--network", "tn1", "--network", "tn2", "-p", "8080:80", "ts1");
    await dnet("sandbox", "create", "--network", "tn1", "ts2");
    await dnet("sandbox", "create", "--network", "tn2", "-p", "127.0.0.1:5353:53/udp", "ts3");
    sbs = JSON.parse(await dnet("sandbox", "inspect", "ts1", "ts2", "ts3")) as SandboxDto[];
  });
  after(async () => { await d.cleanup(); });

  it("inspect -f and ls --format print what the docker CLI prints", async () => {
    const inspect = ["{{json .}}", "{{.}}", "{{.IPAM.Config}}", "{{range $id, $c := .Containers}}{{$c.Name}}={{$c.IPv4Address}} {{end}}",
      "{{.Created}} {{.ID}} {{index .Options \"com.docker.network.bridge.name\"}}", "{{len .Containers}} {{.Labels}} {{json .Labels}}", "{{.Id}}"];
    for (const t of inspect) {
      const want = await d.docker(["network", "inspect", "-f", t, "tn1", "tn2"]);
      assert.equal(want.code, 0, want.stderr);
      assert.equal(await dnet("network", "inspect", "-f", t, "tn1", "tn2"), want.stdout, t);
    }
    for (const t of ["table", "table {{.Name}}\\t{{.Label \"team\"}}\\t{{.CreatedAt}}", "{{json .}}", "{{.ID}} {{.Name}} {{.IPv6}} {{.Labels}}"]) {
      const want = await d.docker(["network", "ls", "--format", t]);
      assert.equal(want.code, 0, want.stderr);
      assert.equal(await dnet("network", "ls", "--format", t), want.stdout, t);
    }
    for (const args of [[], ["-q"], ["--no-trunc"], ["--filter", "name=tn1"]]) {
      assert.equal(await dnet("network", "ls", ...args), (await d.docker(["network", "ls", ...args])).stdout, `network ls ${args.join(" ")}`);
    }
    assert.equal(await dnet("sandbox", "inspect", "-f", "{{range .Endpoints}}{{.NetworkName}} {{end}}", "ts1"), "tn1 tn2 \n");
    assert.equal(await dnet("sandbox", "ls", "--format", "{{.Name}}: {{.Ports}}"), "ts1: 0.0.0.0:8080->80/tcp\nts2: \nts3: 127.0.0.1:5353->53/udp\n");
  });

  it("topology prints the tree, and draws it as SVG and DOT", async () => {
    const tree = await dnet("topology");
    assert.match(tree, /^├── network tn1 \(driver bridge, bridge brtools1, subnet 10\.71\.0\.0\/24 gw 10\.71\.0\.1\)$/m);
    assert.match(tree, /^│ {3}├── sandbox ts1 {2}eth0 {2}10\.71\.0\.\d+\/24 {2}ports 0\.0\.0\.0:8080->80\/tcp$/m);
    assert.match(tree, /^ {4}└── sandbox ts3 {2}eth0 {2}10\.72\.0\.\d+\/24 {2}ports 127\.0\.0\.1:5353->53\/udp$/m);
    await dnet("topology", "--svg", `${d.tmp}/topo.svg`, "--dot", `${d.tmp}/topo.dot`);
    const svg = readFileSync(`${d.tmp}/topo.svg`, "utf8");
    // Well-formed XML, checked by a parser that is not ours.
    const parsed = spawnSync("python3", ["-c", "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); print(d.documentElement.tagName)", `${d.tmp}/topo.svg`], { encoding: "utf8" });
    assert.equal(parsed.stdout.trim(), "svg", parsed.stderr);
    const count = (re: RegExp): number => (svg.match(re) ?? []).length;
    assert.equal(count(/<g class="network"/g), 2, "tn1 and tn2 (host and none have nothing on them)");
    assert.equal(count(/<g class="sandbox"/g), 3);
    assert.equal(count(/<g class="link"/g), 4, "one line per interface");
    assert.equal(count(/<g class="port"/g), 2);
    for (const label of ["tn1", "tn2", "ts1", "ts2", "ts3", "brtools1", "10.71.0.0/24 gw 10.71.0.1", "0.0.0.0:8080 → 80/tcp", "127.0.0.1:5353 → 53/udp"]) {
      assert.ok(svg.includes(`>${label}<`) || svg.includes(` ${label}<`) || svg.includes(`>${label} `), `label ${label}`);
    }
    for (const sb of sbs) for (const e of sb.Endpoints) assert.ok(svg.includes(`${e.IfName}  ${e.IPv4Address}`), `address of ${sb.Name} on ${e.NetworkName}`);
    const dot = readFileSync(`${d.tmp}/topo.dot`, "utf8");
    assert.match(dot, /^graph dnet \{/);
    assert.equal((dot.match(/ -- /g) ?? []).length, 4);
  });

  it("events follows the stream with filters until interrupted", async () => {
    const sandboxes = followEvents(d, ["--filter", "type=sandbox"]);
    const connects = followEvents(d, ["--filter", "network=tn1", "--filter", "event=connect", "--format", "{{.Action}} {{.Actor.Attributes.sandbox}}"]);
    // Both are subscribed once the daemon counts them (its metrics); only then does anything happen.
    for (;;) {
      const subs = /^dnet_event_subscribers (\d+)$/m.exec(await d.client.metrics())?.[1];
      if (Number(subs) >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await dnet("sandbox", "create", "--network", "tn2", "--network", "tn1", "ts4");
    await dnet("network", "disconnect", "tn1", "ts4");
    await dnet("sandbox", "rm", "-f", "ts4");
    await sandboxes.until(2);
    await connects.until(1);
    assert.match(sandboxes.lines[0] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000000Z sandbox create [0-9a-f]{64} \(name=ts4\)$/);
    assert.match(sandboxes.lines[1] ?? "", / sandbox destroy [0-9a-f]{64} \(name=ts4\)$/);
    assert.deepEqual(connects.lines, ["connect ts4"], "tn2's connect and the disconnect are filtered out");
    assert.equal(await sandboxes.stop(), 0);
    assert.equal(await connects.stop(), 0);
  });

  it("network prune asks first: no on an empty stdin or n, yes on y", async () => {
    await dnet("network", "create", "tn3");
    const empty = await dnetWithInput(d, ["network", "prune"]);
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /Are you sure you want to continue\? \[y\/N\]/);
    assert.equal(empty.stdout, "");
    assert.equal((await dnetWithInput(d, ["network", "prune"], "n\n")).stdout, "");
    assert.match(await dnet("network", "ls", "--format", "{{.Name}}"), /^tn3$/m);
    const yes = await dnetWithInput(d, ["network", "prune"], "y\n");
    assert.equal(yes.stdout, "Deleted Networks:\ntn3\n");
  });

  it("rm of several names removes what it can and reports every failure on one line", async () => {
    await dnet("network", "create", "tn5");
    const r = await d.dnet(["network", "rm", "nope1", "tn1", "tn5", "nope2"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "tn5\n");
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr.trimEnd(), /^Error: network nope1 not found; .*tn1.* has active endpoints; network nope2 not found$/);
    const s = await d.dnet(["sandbox", "rm", "ghost", "ts2"]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /ghost.*; .*connected to 1 network/);
  });

  it("the daemon logs sandbox create/remove, connect/disconnect and prune at info level", () => {
    for (const msg of ["sandbox created", "sandbox connected", "sandbox disconnected", "sandbox removed", "networks pruned"]) {
      assert.match(d.log, new RegExp(`level=info msg="${msg}"`), msg);
    }
    assert.match(d.log, /msg="sandbox connected" network=tn1 sandbox=ts1 endpoint=[0-9a-f]+ address=10\.71\.0\.\d+\/24/);
  });
});
