// Root end-to-end test: dnet's bridge networks next to a real Docker (Debian's docker.io 20.10, its
// containerd and runc), both inside one scratch netns H that plays the host. Docker sets FORWARD policy
// DROP and DOCKER-USER there; dnet must work anyway, Docker must too, isolation must hold both ways, and
// deleting dnet's networks must leave exactly Docker's iptables behind. Nothing touches the real host's
// firewall or sysctls: dockerd, docker0, the containers and the controller all live in H.
//
// Not root: skipped with a reason. Root without docker.io / busybox-static, or a dockerd that does not
// start: the test fails (with the daemons' logs), it never skips silently.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { PROBES, type ScenarioConfig, type ScenarioReport } from "../../testing/coexistence-scenario.js";
import { DockerHarness, dockerMissing } from "../../testing/docker-harness.js";
import { rootOnly, run, tryRun, uniqueName } from "../../testing/kernel.js";

const SCENARIO = join(dirname(fileURLToPath(import.meta.url)), "../../testing/coexistence-scenario.js");
const IMAGE = "dnet-busybox:dcx";
const DOCKER_PORT = 8081;
const OUT = { hostIp: "198.51.100.1", peerIp: "198.51.100.2" } as const;

/** `iptables-save` (all tables) inside H, without comments and counters, so two snapshots compare. */
function iptablesSave(netns: string): string {
  return run("nsenter", [`--net=/run/netns/${netns}`, "--", "iptables-save"]).split("\n")
    .filter((l) => !l.startsWith("#") && l.trim() !== "")
    .map((l) => l.replace(/\[\d+:\d+\]/g, "[0:0]")).join("\n");
}

/** Every named probe said "ok"; on failure the message lists each probe's outcome and DOCKER-USER. */
function assertProbes(r: ScenarioReport, keys: ReadonlyArray<keyof typeof PROBES>): void {
  const got = Object.fromEntries(keys.map((k) => [PROBES[k], r.probes[k]]));
  const want = Object.fromEntries(keys.map((k) => [PROBES[k], "ok"]));
  assert.deepEqual(got, want, `probes:\n${JSON.stringify(got, null, 2)}\nDOCKER-USER while up:\n${r.dockerUserWhileUp}`);
}

const dnetLines = (text: string, id?: string): string[] =>
  text.split("\n").filter((l) => l.includes(id === undefined ? "dnet:" : `dnet:${id}:`));

describe("bridge driver next to a real dockerd (FORWARD DROP, DOCKER-USER)", { ...rootOnly, timeout: 180_000 }, () => {
  const H = uniqueName("dch");
  const O = uniqueName("dco");
  const dir = mkdtempSync("/tmp/dnet-dcx-");
  let docker: DockerHarness | undefined;
  let report: ScenarioReport;
  let dockerBefore = "";
  let dockerAfter = "";
  const ip = { ip1: "", ip2: "", ip3: "" };

  before(async () => {
    const missing = dockerMissing();
    if (missing !== undefined) throw new Error(`Docker coexistence test cannot run: ${missing}`);
    run("ip", ["netns", "add", H]);
    run("ip", ["netns", "add", O]);
    run("ip", ["-n", H, "link", "set", "lo", "up"]);
    run("ip", ["-n", O, "link", "set", "lo", "up"]);
    run("ip", ["-n", H, "link", "add", "dcx0", "type", "veth", "peer", "name", "dcx0", "netns", O]);
    run("ip", ["-n", H, "addr", "add", `${OUT.hostIp}/24`, "dev", "dcx0"]);
    run("ip", ["-n", O, "addr", "add", `${OUT.peerIp}/24`, "dev", "dcx0"]);
    run("ip", ["-n", H, "link", "set", "dcx0", "up"]);
    run("ip", ["-n", O, "link", "set", "dcx0", "up"]);
    // A new netns copies ip_forward from the host. dockerd sets FORWARD policy DROP only when it is the
    // one that turns forwarding on, so start H like a fresh host: forwarding off (H's sysctl, not ours).
    run("nsenter", [`--net=/run/netns/${H}`, "--", "sysctl", "-q", "-w", "net.ipv4.ip_forward=0"]);

    docker = await DockerHarness.start({ netns: H, dir: join(dir, "docker"), startTimeoutMs: 60_000 });
    const d = docker;
    d.importBusybox(IMAGE);
    d.docker(["network", "create", "--subnet", "172.30.1.0/24", "dcx-d"]);
    d.docker(["network", "create", "--internal", "--subnet", "172.30.2.0/24", "dcx-i"]);
    const sleeper = ["sleep", "600"];
    // c2 serves "docker-ok" on a port Docker publishes (its DNAT rules, its docker-proxy).
    const web = ["-p", `${DOCKER_PORT}:80`, IMAGE, "sh", "-c", "echo docker-ok > /tmp/index.html && exec httpd -f -p 80 -h /tmp"];
    for (const [name, net, rest] of [["dcx-c1", "dcx-d", [IMAGE, ...sleeper]], ["dcx-c2", "dcx-d", web], ["dcx-c3", "dcx-i", [IMAGE, ...sleeper]]] as const) {
      d.docker(["run", "-d", "--name", name, "--network", net, "--stop-timeout", "1", ...rest], 60_000);
    }
    ip.ip1 = d.containerIp("dcx-c1", "dcx-d");
    ip.ip2 = d.containerIp("dcx-c2", "dcx-d");
    ip.ip3 = d.containerIp("dcx-c3", "dcx-i");
    // Baseline before dnet exists: Docker works on its own.
    d.docker(["exec", "dcx-c1", "ping", "-c1", "-W2", ip.ip2]);
    dockerBefore = iptablesSave(H);

    const cfg: ScenarioConfig = {
      dir: join(dir, "dnet"), dockerSocket: d.socket,
      docker: { c1: "dcx-c1", c2: "dcx-c2", c3: "dcx-c3", ...ip },
      outside: { netns: O, ...OUT }, subnetA: "10.199.1.0/24", subnetB: "10.199.2.0/24", hostPort: 8080, dockerHostPort: DOCKER_PORT,
    };
    const r = spawnSync("ip", ["netns", "exec", H, process.execPath, SCENARIO, JSON.stringify(cfg)], { encoding: "utf8", timeout: 100_000 });
    const line = r.stdout.split("\n").find((l) => l.startsWith("REPORT "));
    if (r.status !== 0 || line === undefined) {
      throw new Error(`the dnet scenario failed (status ${String(r.status)}, ${r.error?.message ?? "no spawn error"}):\n${r.stdout}\n${r.stderr}\n${d.logs()}`);
    }
    report = JSON.parse(line.slice("REPORT ".length)) as ScenarioReport;
    dockerAfter = iptablesSave(H);
  });

  after(async () => {
    const problems = docker === undefined ? [] : await docker.stop();
    if (problems.length > 0) console.error(`docker teardown: ${problems.join("; ")}`);
    tryRun("ip", ["netns", "del", O]);
    tryRun("ip", ["netns", "del", H]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("Docker set the stage in H: FORWARD policy DROP and a DOCKER-USER chain", () => {
    assert.match(dockerBefore, /^:FORWARD DROP /m);
    assert.match(dockerBefore, /^:DOCKER-USER - /m);
    assert.match(dockerBefore, /^-A FORWARD -j DOCKER-USER$/m);
  });

  test("dnet networks work despite the DROP policy: bridged, egress, published ports", () => {
    assertProbes(report, ["sandboxes", "egress", "published", "dockerToPublished"]);
  });

  test("Docker keeps working while dnet networks exist", () => {
    assertProbes(report, ["dockerIcc", "dockerEgress", "outsideToDocker", "dnetToDockerPublished"]);
  });

  test("isolation holds both ways: dnet↔dnet, Docker→dnet, dnet→Docker (user and internal networks)", () => {
    assertProbes(report, ["dnetToDnet", "dockerToDnet", "dnetToDocker", "dnetToDockerInternal"]);
  });

  test("dnet's compat rules went into DOCKER-USER above Docker's RETURN, none into FORWARD", () => {
    const user = report.dockerUserWhileUp.split("\n");
    assert.ok(dnetLines(report.dockerUserWhileUp, report.a.id).length >= 3, report.dockerUserWhileUp);
    assert.ok(dnetLines(report.dockerUserWhileUp, report.b.id).length >= 3, report.dockerUserWhileUp);
    assert.equal(user.at(-1), "-A DOCKER-USER -j RETURN", "Docker's RETURN stays last");
    assert.deepEqual(dnetLines(report.forwardWhileUp), [], "nothing of ours in FORWARD itself");
  });

  test("deleting network A removes exactly A's rules and elements; B's stay", () => {
    const { iptables, nft } = report.afterDeleteA;
    assert.deepEqual(dnetLines(iptables, report.a.id), [], "A's iptables rules are gone");
    assert.ok(dnetLines(iptables, report.b.id).length >= 3, "B's iptables rules are still there");
    assert.ok(!nft.includes(report.a.bridge), `no element of A's bridge ${report.a.bridge} in inet dnet:\n${nft}`);
    assert.ok(!nft.includes(report.a.subnet), `no element of A's subnet ${report.a.subnet} in inet dnet:\n${nft}`);
    assert.ok(nft.includes(report.b.bridge), `B's bridge is still in inet dnet:\n${nft}`);
  });

  test("after the last dnet network: Docker's iptables (rules, chains, policies) are exactly as before", () => {
    assert.deepEqual(dnetLines(report.afterDeleteAll.iptables), []);
    assert.notEqual(report.afterDeleteAll.nftStatus, 0, `table inet dnet should be gone:\n${report.afterDeleteAll.nft}`);
    assert.equal(dockerAfter, dockerBefore);
  });

  test("Docker still works after dnet left, and stops cleanly", async () => {
    const d = docker;
    assert.ok(d !== undefined);
    d.docker(["exec", "dcx-c1", "ping", "-c1", "-W2", ip.ip2]);
    docker = undefined;
    const problems = await d.stop();
    assert.deepEqual(problems, []);
  });
});
