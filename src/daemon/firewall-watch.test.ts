// Root end to end: the daemon repairs a flushed ruleset as soon as nftables announces the flush, not at
// its next poll (set to 60 s here, so only the watch can explain a repair), and the daemon's own
// commits (publishing and unpublishing ports) start no check at all.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { rootOnly } from "../testing/kernel.js";
import { NetnsPrograms, curlIn } from "../testing/netns-programs.js";
import { TestDaemon, sh } from "../testing/test-daemon.js";
import { countLines, waitFor } from "../testing/test-clients.js";

const HOST = "198.51.100.1";
const PEER = "198.51.100.2";

describe("firewall watch: repair without waiting for the poll (root)", { ...rootOnly, timeout: 120_000 }, () => {
  const d = new TestDaemon(["--firewall-check-interval", "60"]);
  const programs = new NetnsPrograms();
  const outside = `dnfw-${randomBytes(3).toString("hex")}`;
  const outNs = `/run/netns/${outside}`;
  const fromOutside = (port: number): string => curlIn(outNs, HOST, port);
  const ok = async (...args: string[]): Promise<string> => {
    const r = await d.dnet(args);
    assert.equal(r.code, 0, `dnet ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  /** A counter of /metrics (0 when absent). */
  const metric = async (line: string): Promise<number> => {
    const m = new RegExp(`^${line.replace(/[{}"]/g, "\\$&")} (\\d+)$`, "m").exec(await d.client.metrics());
    return Number(m?.[1] ?? 0);
  };
  const watchChecks = (): Promise<number> => metric('dnet_firewall_checks_total{trigger="watch"}');
  const listed = (): string => { try { return d.inHost("nft", ["list", "table", "inet", "dnet"]); } catch { return ""; } };

  before(async () => {
    await d.start();
    sh("ip", ["netns", "add", outside]);
    d.inHost("ip", ["link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", outside]);
    d.inHost("ip", ["addr", "add", `${HOST}/24`, "dev", "ext0"]);
    d.inHost("ip", ["link", "set", "ext0", "up"]);
    sh("ip", ["-n", outside, "addr", "add", `${PEER}/24`, "dev", "eth0"]);
    sh("ip", ["-n", outside, "link", "set", "eth0", "up"]);
    await ok("network", "create", "--subnet", "10.97.31.0/24", "fw");
    await ok("sandbox", "create", "--network", "fw", "web");
    await programs.echo((await d.client.inspectSandbox("web")).Key, "web", ["tcp:80"]);
  });
  after(async () => {
    programs.stopAll();
    try { sh("ip", ["netns", "del", outside]); } catch { /* gone */ }
    await d.cleanup();
  });

  it("the daemon's own commits start no check: they are recognised and counted", async () => {
    const checks = await watchChecks();
    await ok("port", "add", "web", "8080:80");
    for (let i = 0; i < 5; i++) {
      await ok("port", "add", "web", `${9100 + i}:80`);
      await ok("port", "rm", "web", `${9100 + i}:80`);
    }
    assert.match(fromOutside(8080), /^web 10\.97\.31\.2 /);
    await new Promise((r) => setTimeout(r, 200)); // notifications in flight are decided
    assert.equal(await watchChecks(), checks, `no check for our own commits:\n${d.log.slice(-1500)}`);
    assert.ok(await metric("dnet_firewall_own_commits_total") > 0, "our commits were seen and recognised");
  });

  it("`nft flush ruleset` is repaired long before the 60 s poll: the table is back and the port answers", async () => {
    const repaired = (): number => countLines(d.log, /our tables rewritten at once/);
    const before0 = repaired();
    d.inHost("nft", ["flush", "ruleset"]);
    assert.ok(await waitFor(() => /10\.97\.31\.0\/24/.test(listed()), 10_000), `inet dnet back:\n${d.log.slice(-1500)}`);
    assert.ok(await waitFor(() => /^web 10\.97\.31\.2 /.test(fromOutside(8080)), 10_000), "the published port answers again");
    assert.ok(await waitFor(() => repaired() > before0, 5_000), `the watch rewrote our tables on the notice alone:\n${d.log.slice(-1500)}`);
    assert.ok(await waitFor(async () => await watchChecks() >= 1, 5_000), "and a check followed");
  });

  it("a change to another table (Docker's, say) is checked but rewrites nothing of ours", async () => {
    const repairs = (): Promise<number> => metric('dnet_repairs_total{object="firewall"}');
    const handle = (): string => /# handle (\d+)/.exec(d.inHost("nft", ["-a", "list", "table", "inet", "dnet"]))?.[1] ?? "";
    const [checks, repaired, h] = [await watchChecks(), await repairs(), handle()];
    d.inHost("nft", ["add", "table", "ip", "someone_else"]);
    d.inHost("nft", ["add", "chain", "ip", "someone_else", "FORWARD", "{ type filter hook forward priority 0; }"]);
    assert.ok(await waitFor(async () => await watchChecks() > checks, 5_000), "the change was checked");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await repairs(), repaired, "no repair");
    assert.equal(handle(), h, "our table is the same table (a rewrite makes a new one)");
    d.inHost("nft", ["delete", "table", "ip", "someone_else"]);
  });

  it("rules flushed inside our table are put back too", async () => {
    const rules = (): number => (d.inHost("nft", ["-a", "list", "chain", "inet", "dnet", "prerouting"]).match(/^\s+\S.*# handle \d+$/gm) ?? []).length;
    const want = rules();
    assert.ok(want > 0, "the chain has rules");
    d.inHost("nft", ["flush", "chain", "inet", "dnet", "prerouting"]);
    assert.ok(await waitFor(() => rules() === want, 10_000), "the chain's rules are back");
    assert.match(fromOutside(8080), /^web 10\.97\.31\.2 /, "the published port answers");
  });
});
