// Runs the README example (examples/readme.ts) against the kernel with scratch directories: once with the
// test veth driver (only a veth into the sandbox) and once with the README's own "bridge" driver, on a
// private address pool and without firewall so it cannot collide with other users of this host.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { ControllerOptions } from "../src/index.js";
import { rootOnly, tryRun } from "../src/testing/kernel.js";
import { TestVethDriver } from "../src/testing/veth-driver.js";
import { runReadmeExample } from "./readme.js";

const nsIp = <T>(key: string, args: string[]): T =>
  JSON.parse(execFileSync("nsenter", [`--net=${key}`, "ip", "-j", ...args], { encoding: "utf8" })) as T;

const hostLinkExists = (name: string): boolean => tryRun("ip", ["link", "show", name]) !== undefined;

describe("the README example (root)", rootOnly, () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) {
      const netnsDir = join(dir, "netns");
      for (const name of existsSync(netnsDir) ? readdirSync(netnsDir) : []) tryRun("umount", ["-l", join(netnsDir, name)]);
      tryRun("umount", ["-l", netnsDir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  function scratch(extra: Partial<ControllerOptions>): ControllerOptions & { netnsDir: string; etcNetnsDir: string } {
    const dir = mkdtempSync(join(tmpdir(), "dnet-readme-"));
    dirs.push(dir);
    writeFileSync(join(dir, "resolv.conf"), "nameserver 192.0.2.53\n");
    return {
      dataDir: join(dir, "data"), netnsDir: join(dir, "netns"), etcNetnsDir: join(dir, "netns-etc"),
      hostResolvConf: join(dir, "resolv.conf"), firewall: "none", ...extra,
    };
  }

  /** The README flow, then what it must have done in the kernel, then its cleanup; returns the host-side links. */
  async function runAndCheck(networkType: string, options: ReturnType<typeof scratch>, hostLinks: (run: Awaited<ReturnType<typeof runReadmeExample>>) => string[]): Promise<void> {
    const printed: string[] = [];
    const run = await runReadmeExample(networkType, options, (line) => printed.push(line));
    let links: string[] = [];
    try {
      assert.deepEqual(printed, ["Current port mapping for endpoint Endpoint1: []"]);
      assert.deepEqual(run.output, printed);
      assert.equal(run.network.Name(), "network1");
      assert.equal(run.network.Type(), networkType);
      assert.equal(run.endpoint.Name(), "Endpoint1");
      const sb = run.controller.SandboxByID("container1");
      assert.equal(sb.ContainerID(), "container1");
      assert.equal(sb.Key(), join(options.netnsDir, "container1"));
      const address = run.endpoint.info().address as string;
      assert.match(address, /^\d+\.\d+\.\d+\.\d+\/\d+$/, "an address from a default pool");
      const addrs = nsIp<Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>>(sb.Key(), ["-4", "addr", "show", "eth0"]);
      assert.equal(`${addrs[0]?.addr_info[0]?.local}/${addrs[0]?.addr_info[0]?.prefixlen}`, address);
      const gateway = run.network.info().ipam.v4Info[0]?.gateway?.split("/")[0];
      assert.deepEqual(nsIp<Array<{ gateway: string }>>(sb.Key(), ["-4", "route", "show", "default"]).map((r) => r.gateway), [gateway]);
      const hosts = readFileSync(join(options.etcNetnsDir, "container1", "hosts"), "utf8");
      assert.match(hosts, new RegExp(`^${address.split("/")[0]}\\ttest\\.docker\\.io test$`, "m"));
      links = hostLinks(run);
      for (const l of links) assert.ok(hostLinkExists(l), `host link ${l} exists`);
    } finally {
      await run.cleanup();
    }
    for (const l of links) assert.ok(!hostLinkExists(l), `cleanup removed host link ${l}`);
    assert.deepEqual(readdirSync(options.netnsDir), [], "cleanup removed the sandbox");
    assert.deepEqual(readdirSync(options.etcNetnsDir), []);
  }

  it("with the test veth driver: New … Join(container1, hostname, domainname) … DriverInfo", async () => {
    const options = scratch({ drivers: ({ handles }) => [new TestVethDriver(handles)] });
    await runAndCheck("testveth", options, (run) => [`tv${run.endpoint.ID().slice(0, 10)}`]);
  });

  it("with the README's bridge driver", async () => {
    const options = scratch({ defaultAddressPools: [{ base: "10.241.0.0/16", size: 24 }] });
    await runAndCheck("bridge", options, (run) => {
      assert.match(run.network.info().ipam.v4Info[0]?.pool ?? "", /^10\.241\.\d+\.0\/24$/);
      assert.match(String(run.endpoint.DriverInfo()["com.docker.network.endpoint.macaddress"]), /^02:42:/, "the bridge driver's MAC");
      return [`br-${run.network.ID().slice(0, 12)}`];
    });
  });
});
