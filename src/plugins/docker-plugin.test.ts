// Root end-to-end test: dnet as Docker's network and IPAM plugin for a real dockerd (Debian's docker.io,
// its own containerd, private roots, `--bridge=none --iptables=false`), both daemons in one scratch netns
// H that plays the host; and the real docker CLI pointed at dnet's own socket using that plugin too.
// dockerd finds the socket in a directory bind-mounted over /run/docker/plugins in its own mount
// namespace, so the host's /run/docker/plugins is never written to.
//
// Not root: skipped with a reason. Root without docker.io / busybox-static: the test fails, naming them.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SqliteStore } from "../store/index.js";
import { DockerHarness, dockerMissing } from "../testing/docker-harness.js";
import { rootOnly, uniqueName } from "../testing/kernel.js";
import { TestDaemon } from "../testing/test-daemon.js";

const IMAGE = "dnet-busybox:plugin";
const PORT = 18090;

interface IpLink { ifname: string; linkinfo?: { info_kind?: string } }

describe("dnet as Docker's network and IPAM plugin, with a real dockerd", { ...rootOnly, timeout: 240_000 }, () => {
  const name = uniqueName("dnetp");
  const dir = mkdtempSync("/tmp/dnet-docker-plugin-");
  const pdir = join(dir, "plugins");
  // No default bridge network: what the test counts in the host netns is the plugin's alone.
  const dnet = new TestDaemon(["--plugin-name", name, "--plugins-dir", pdir, "--bridge", "none"]);
  let docker: DockerHarness | undefined;
  const d = (): DockerHarness => {
    assert.ok(docker !== undefined, "dockerd is running");
    return docker;
  };
  const run = (...args: string[]): string => d().docker(args, 60_000).trim();
  const inH = (cmd: string, ...args: string[]): string => dnet.inHost(cmd, args);
  const hostLinks = (): IpLink[] => JSON.parse(inH("ip", "-j", "-d", "link", "show")) as IpLink[];
  const dnetDocker = async (...args: string[]): Promise<string> => {
    const r = await dnet.docker(args);
    assert.equal(r.code, 0, `docker -H dnet ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };

  before(async () => {
    const missing = dockerMissing();
    if (missing !== undefined) throw new Error(`the Docker plugin test cannot run: ${missing}`);
    mkdirSync(pdir, { recursive: true });
    await dnet.start();
    docker = await DockerHarness.start({
      netns: dnet.hostNetns, dir: join(dir, "docker"), pluginsDir: pdir,
      networkArgs: ["--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false"],
    });
    d().importBusybox(IMAGE);
  });

  after(async () => {
    const problems = docker === undefined ? [] : await docker.stop();
    if (problems.length > 0) console.error(`docker teardown: ${problems.join("; ")}`);
    await dnet.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("docker network create -d PLUGIN --ipam-driver PLUGIN: dnet's bridge driver and IPAM serve it", () => {
    const id = run("network", "create", "-d", name, "--ipam-driver", name, "--subnet", "10.213.1.0/24", "dp1");
    assert.equal(run("network", "inspect", "-f", "{{.Driver}} {{.IPAM.Driver}}", "dp1"), `${name} ${name}`);
    assert.throws(() => run("network", "create", "-d", name, "-o", "dnet.driver=nope", "dpx"), /remote: dnet\.driver=nope: not a driver this plugin serves \(it serves bridge/);
    const bridge = `br-${id.slice(0, 12)}`;
    assert.match(inH("ip", "-4", "-o", "addr", "show", "dev", bridge), /10\.213\.1\.1\/24/, "dnet's bridge carries the gateway its IPAM gave");
  });

  test("two containers ping each other by name; a published port answers curl from the host", () => {
    run("run", "-d", "--name", "c1", "--network", "dp1", "--stop-timeout", "1", IMAGE, "sleep", "600");
    run("run", "-d", "--name", "c2", "--network", "dp1", "--stop-timeout", "1", "-p", `${PORT}:80`, IMAGE,
      "sh", "-c", "echo dnet-plugin-ok > /tmp/index.html && exec httpd -f -p 80 -h /tmp");
    const ip1 = d().containerIp("c1", "dp1");
    const ip2 = d().containerIp("c2", "dp1");
    assert.match(ip1, /^10\.213\.1\.\d+$/);
    assert.notEqual(ip1, ip2);
    assert.match(run("exec", "c1", "ping", "-c1", "-W2", "c2"), new RegExp(`from ${ip2.replace(/\./g, "\\.")}`), "Docker's embedded DNS answers c2");
    assert.match(run("exec", "c2", "ping", "-c1", "-W2", "c1"), / 0% packet loss/);
    assert.equal(inH("curl", "-s", "--max-time", "5", `http://127.0.0.1:${PORT}/`).trim(), "dnet-plugin-ok");
    // nc, not wget: busybox-static's wget crashes in static glibc's NSS (getservbyname).
    assert.match(run("exec", "c1", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 c2 80"), /dnet-plugin-ok/);
  });

  test("docker network connect / disconnect of a running container", () => {
    run("network", "create", "-d", name, "--ipam-driver", name, "--subnet", "10.213.2.0/24", "dp2");
    run("network", "connect", "dp2", "c1");
    assert.match(run("exec", "c1", "ip", "-4", "-o", "addr", "show", "dev", "eth1"), /10\.213\.2\.\d+\/24/);
    run("exec", "c1", "ping", "-c1", "-W2", "10.213.2.1");
    run("network", "disconnect", "dp2", "c1");
    assert.doesNotMatch(run("exec", "c1", "ip", "-o", "link"), /eth1/);
    run("exec", "c1", "ping", "-c1", "-W2", "c2");
  });

  test("the docker CLI pointed at dnet uses the plugin too (dnet's client ↔ its server)", async () => {
    await dnetDocker("network", "create", "-d", name, "--ipam-driver", name, "--subnet", "10.213.3.0/24", "dpc");
    await dnet.client.createSandbox({ Name: "sbp1" });
    await dnetDocker("network", "connect", "dpc", "sbp1");
    const sb = await dnet.client.inspectSandbox("sbp1");
    assert.equal(sb.Endpoints[0]?.IPv4Address, "10.213.3.2/24");
    dnet.inNetns(sb.Key, "ping", ["-c1", "-W2", "10.213.3.1"]);
  });

  test("dnet killed with -9 and restarted while the containers run: connectivity stays, the next calls work", async () => {
    await dnet.stop("SIGKILL");
    run("exec", "c1", "ping", "-c1", "-W2", "c2");
    await dnet.start();
    run("exec", "c1", "ping", "-c1", "-W2", "c2");
    assert.equal(inH("curl", "-s", "--max-time", "5", `http://127.0.0.1:${PORT}/`).trim(), "dnet-plugin-ok", "its published port came back with the firewall");
    run("run", "-d", "--name", "c3", "--network", "dp1", "--stop-timeout", "1", IMAGE, "sleep", "600");
    const ips = ["c1", "c2", "c3"].map((c) => d().containerIp(c, "dp1"));
    assert.equal(new Set(ips).size, 3, `the IPAM still holds the addresses it gave before the restart: ${ips.join(" ")}`);
    run("exec", "c3", "ping", "-c1", "-W2", "c1");
    run("network", "connect", "dp2", "c3");
    run("exec", "c3", "ping", "-c1", "-W2", "10.213.2.1");
    // dnet's own networks on the plugin survived too: the sandbox still talks, a new one gets a new address.
    assert.match(await dnetDocker("network", "ls", "--format", "{{.Name}} {{.Driver}}"), new RegExp(`dpc ${name}`));
    const sb1 = await dnet.client.inspectSandbox("sbp1");
    dnet.inNetns(sb1.Key, "ping", ["-c1", "-W2", "10.213.3.1"]);
    await dnet.client.createSandbox({ Name: "sbp2" });
    await dnetDocker("network", "connect", "dpc", "sbp2");
    assert.equal((await dnet.client.inspectSandbox("sbp2")).Endpoints[0]?.IPv4Address, "10.213.3.3/24");
  });

  test("docker network rm leaves nothing behind in dnet's store or the kernel", async () => {
    run("rm", "-f", "c1", "c2", "c3");
    run("network", "rm", "dp1", "dp2");
    for (const sb of ["sbp1", "sbp2"]) await dnet.client.removeSandbox(sb, true);
    await dnetDocker("network", "rm", "dpc");
    await dnet.reaped();
    const left = hostLinks().filter((l) => l.ifname !== "lo").map((l) => `${l.ifname} (${l.linkinfo?.info_kind ?? "?"})`);
    assert.deepEqual(left, [], "no bridge or veth of the plugin's networks in H");
    const nft = inH("nft", "list", "ruleset");
    assert.doesNotMatch(nft, /10\.213\./, "no rule or element of the plugin's subnets");
    assert.equal(await dnet.stop(), 0);
    const store = await SqliteStore.open({ dataDir: join(dnet.tmp, "data") });
    try {
      assert.deepEqual((await store.list("plugin/")).map((e) => e.key), []);
      assert.deepEqual((await store.list("network/")).map((e) => JSON.parse(e.value).name).sort(), ["host", "none"]);
    } finally {
      await store.close();
    }
  });
});
