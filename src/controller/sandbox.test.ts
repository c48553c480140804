// Root integration tests of sandboxes (§1.2, §1.5, §1.6): a netns bound at <netnsDir>/<name> with lo up,
// IDs and lookup, one sandbox per container, delete, adoption of an external netns (/proc/<pid>/ns/net).

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootOnly, run } from "../testing/kernel.js";
import type { Network } from "./objects.js";
import {
  HEX64, JoinOptionDomainname, JoinOptionHostname, expectError, ipv4In, linkNamesIn, linksIn, openHarness, readEtc, uniqueName, type Harness,
} from "./harness.test.js";

const mountsUnder = (dir: string): string[] => readFileSync("/proc/self/mountinfo", "utf8").split("\n")
  .map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(`${dir}/`));

/** `disable_ipv6` of `ifname` (or "default") in the netns at `nsPath`. */
const v6Off = (nsPath: string, ifname: string): string =>
  run("nsenter", [`--net=${nsPath}`, "cat", `/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`]).trim();

describe("sandboxes (root)", rootOnly, () => {
  let h: Harness;
  let net: Network;
  before(async () => {
    h = await openHarness();
    net = await h.controller.createNetwork({ name: uniqueName("sbnet"), driver: "testveth", ipam: { config: [{ subnet: "10.235.1.0/24" }] } });
  });
  after(async () => { await h?.close(); });

  it("is a new netns bound at <netnsDir>/<container ID> with only lo, up; 64-hex ID; its files written", async () => {
    const cid = uniqueName("ctr");
    const sb = await h.controller.createSandbox({ containerId: cid });
    try {
      assert.match(sb.id, HEX64);
      assert.equal(sb.containerId, cid);
      assert.equal(sb.name, cid);
      assert.equal(sb.key, join(h.netnsDir, cid));
      assert.equal(sb.ContainerID(), cid);
      assert.equal(sb.Key(), sb.key);
      assert.equal(sb.ID(), sb.id);
      assert.deepEqual(mountsUnder(h.netnsDir), [sb.key], "bind-mounted netns file");
      assert.notEqual(statSync(sb.key).ino, statSync("/proc/self/ns/net").ino, "not the host's netns");
      const links = linksIn(sb.key);
      assert.deepEqual(links.map((l) => l.ifname), ["lo"]);
      assert.ok(links[0]?.flags.includes("UP"), "lo is up");
      assert.deepEqual(ipv4In(sb.key), ["127.0.0.1/8"]);
      assert.equal(v6Off(sb.key, "default"), "1", "interfaces are born with IPv6 off; joins of IPv6 endpoints turn it on");
      assert.equal(v6Off(sb.key, "lo"), "0", "lo keeps ::1");
      assert.deepEqual(readdirSync(join(h.etcNetnsDir, cid)).sort(), ["hosts", "resolv.conf"]);
      assert.equal(sb.info().hostname, cid.slice(0, 12), "Docker's default hostname: the container's short ID");
      assert.deepEqual(h.controller.sandboxes().map((s) => s.id), [sb.id]);
    } finally {
      await sb.delete();
    }
  });

  it("is found by container ID, ID, name and unique ID prefix", async () => {
    const cid = uniqueName("ctr");
    const sb = await h.controller.createSandbox({ containerId: cid, name: uniqueName("named") });
    try {
      assert.equal(sb.key, join(h.netnsDir, sb.name));
      for (const ref of [cid, sb.id, sb.name, sb.id.slice(0, 12)]) assert.equal(h.controller.sandbox(ref).id, sb.id, ref);
      assert.equal(h.controller.SandboxByID(sb.id).ContainerID(), cid);
      await expectError(() => h.controller.sandbox("nope"), { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND", message: "sandbox nope not found" });
      await expectError(() => h.controller.sandbox(""), { kind: "invalid-argument", code: "ERR_INVALID_ID" });
    } finally {
      await sb.delete();
    }
  });

  it("one sandbox per container ID, also under concurrent creates", async () => {
    const cid = uniqueName("ctr");
    const sb = await h.controller.createSandbox({ containerId: cid });
    try {
      await expectError(() => h.controller.createSandbox({ containerId: cid, name: uniqueName("other") }), {
        kind: "conflict", code: "ERR_SANDBOX_EXISTS", message: `container ${cid} is already present in sandbox ${sb.id}`,
      });
      const cid2 = uniqueName("ctr");
      const results = await Promise.allSettled([1, 2, 3].map((i) => h.controller.createSandbox({ containerId: cid2, name: `${cid2}-${i}` })));
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      assert.deepEqual(readdirSync(h.netnsDir).sort(), [cid, ...h.controller.sandboxes().filter((s) => s.containerId === cid2).map((s) => s.name)].sort());
      await h.controller.sandbox(cid2).delete();
    } finally {
      await sb.delete();
    }
  });

  it("delete removes the netns, its mount and its files; the container can then have a new sandbox", async () => {
    const cid = uniqueName("ctr");
    const sb = await h.controller.createSandbox({ containerId: cid });
    const key = sb.key;
    await sb.Delete();
    assert.equal(existsSync(key), false);
    assert.deepEqual(mountsUnder(h.netnsDir), []);
    assert.deepEqual(readdirSync(h.etcNetnsDir), [], "hosts, resolv.conf and the hash file are gone");
    assert.deepEqual(h.controller.sandboxes(), []);
    await expectError(() => sb.delete(), { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND" });
    await expectError(() => h.controller.sandbox(cid), { kind: "not-found", code: "ERR_SANDBOX_NOT_FOUND" });
    const again = await h.controller.createSandbox({ containerId: cid });
    assert.notEqual(again.id, sb.id);
    const results = await Promise.allSettled([again.delete(), again.delete()]);
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"], "concurrent deletes: one does it");
    assert.equal(existsSync(join(h.netnsDir, cid)), false);
  });

  it("a container ID that is no valid netns or host name still gets a sandbox, named by its ID", async () => {
    const cid = `my_app/${uniqueName("x")}`;
    const sb = await h.controller.createSandbox({ containerId: cid });
    try {
      assert.equal(sb.name, sb.id.slice(0, 12));
      assert.equal(sb.key, join(h.netnsDir, sb.id.slice(0, 12)));
      assert.equal(h.controller.sandbox(cid).id, sb.id);
      assert.equal(sb.info().hostname, sb.id.slice(0, 12), "the default hostname falls back to the sandbox's short ID");
      assert.match(readEtc(h, sb.name, "hosts"), /^127\.0\.0\.1\tlocalhost$/m);
    } finally {
      await sb.delete();
    }
  });

  it("the README's Join(containerID, JoinOptionHostname, JoinOptionDomainname) creates the sandbox, then reuses it", async () => {
    const cid = uniqueName("ctr");
    const [e1, e2] = [await net.createEndpoint({ name: `${cid}-1` }), await net.createEndpoint({ name: `${cid}-2` })];
    try {
      await e1.Join(cid, JoinOptionHostname("test"), JoinOptionDomainname("docker.io"));
      const sb = h.controller.sandbox(cid);
      assert.equal(sb.info().hostname, "test");
      assert.equal(sb.info().domainname, "docker.io");
      await e2.Join(cid);
      assert.equal(h.controller.sandboxes().filter((s) => s.containerId === cid).length, 1);
      assert.deepEqual(linkNamesIn(sb.key), ["eth0", "eth1", "lo"]);
      await e1.Leave(cid);
      assert.deepEqual(linkNamesIn(sb.key), ["eth1", "lo"]);
      await sb.delete();
    } finally {
      await e1.delete(true).catch(() => {});
      await e2.delete(true).catch(() => {});
    }
  });
});

describe("external netns adoption (root)", rootOnly, () => {
  let h: Harness;
  let net: Network;
  let child: ChildProcess | undefined;
  before(async () => {
    h = await openHarness();
    net = await h.controller.createNetwork({ name: uniqueName("ext"), driver: "testveth", ipam: { config: [{ subnet: "10.235.2.0/24" }] } });
  });
  after(async () => {
    child?.kill("SIGKILL");
    await h?.close();
  });

  /** A process in a netns of its own, as a container runtime would start one. */
  async function processWithOwnNetns(): Promise<number> {
    child = spawn("unshare", ["--net", "sleep", "600"], { stdio: "ignore" });
    const pid = child.pid as number;
    for (let i = 0; i < 100; i++) {
      // unshare execs sleep in place: same pid, new netns once the exec happened.
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep")) return pid;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("unshare did not start");
  }

  it("createSandbox on /proc/<pid>/ns/net adopts that netns: joins land in it, delete leaves it alive", async () => {
    const pid = await processWithOwnNetns();
    const nsPath = `/proc/${pid}/ns/net`;
    const nsenter = (args: string[]): string => run("nsenter", ["-t", String(pid), "-n", "ip", "-j", ...args]);
    const defaultBefore = v6Off(nsPath, "default");
    const sb = await h.controller.createSandbox({ containerId: uniqueName("ext"), netnsPath: nsPath });
    const ep = await net.createEndpoint({ name: "e" });
    await ep.join(sb);
    assert.equal(v6Off(nsPath, "default"), defaultBefore, "not our netns: its default is left alone");
    assert.equal(v6Off(nsPath, "eth0"), "1", "an IPv4-only endpoint's interface has IPv6 off all the same");
    assert.equal(sb.key, join(h.netnsDir, sb.name), "named in our netns dir like any sandbox");
    assert.equal(statSync(sb.key).ino, statSync(nsPath).ino, "the same netns as the process's");
    assert.equal(sb.info().external, true);
    const links = JSON.parse(nsenter(["link", "show"])) as Array<{ ifname: string; flags: string[] }>;
    assert.deepEqual(links.map((l) => l.ifname).sort(), ["eth0", "lo"]);
    assert.ok(links.find((l) => l.ifname === "lo")?.flags.includes("UP"));
    assert.match(nsenter(["-4", "addr", "show", "eth0"]), /"local":"10\.235\.2\.2"/);
    const key = sb.key;
    await sb.delete();
    assert.equal(existsSync(key), false);
    assert.deepEqual(mountsUnder(h.netnsDir), []);
    assert.ok(existsSync(nsPath), "the process and its netns live on");
    const after = JSON.parse(nsenter(["link", "show"])) as Array<{ ifname: string }>;
    assert.deepEqual(after.map((l) => l.ifname), ["lo"], "our interface left it");
    assert.ok(!net.endpoints().some((e) => e.id === ep.id));
  });

  it("an external netns path that does not exist is refused and nothing is created", async () => {
    const before = readdirSync(h.netnsDir);
    await expectError(() => h.controller.createSandbox({ containerId: uniqueName("ext"), netnsPath: "/proc/999999999/ns/net" }), {
      kind: "invalid-argument", code: "ERR_INVALID_NETNS", message: "network namespace /proc/999999999/ns/net does not exist",
    });
    assert.deepEqual(readdirSync(h.netnsDir), before);
    assert.deepEqual(h.controller.sandboxes(), []);
  });
});
