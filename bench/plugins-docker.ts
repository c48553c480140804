// `docker run -d --network N IMAGE sleep` until the container answers a ping from the host, with N served
// by dnet through the plugin protocol against N on Docker's own bridge driver: one dockerd (docker.io,
// `--iptables=false`), both networks side by side, runs interleaved, the ratio printed. Needs root and
// the packages of the Docker tests (docker.io, containerd, busybox-static).

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DockerHarness, dockerMissing } from "../src/testing/docker-harness.js";
import { TestDaemon } from "../src/testing/test-daemon.js";
import { fmtMs, median, percentile, printTable } from "./stats.js";

const RUNS = 12;
const WARMUP = 2;
const IMAGE = "dnet-busybox:bench";
const PLUGIN = "dnetbench";
const NETS = [{ label: "dnet plugin", name: "bdn", third: 1 }, { label: "Docker bridge", name: "bdb", third: 2 }] as const;

/** Pings the address from the host netns until it answers; throws after `ms`. */
function waitForPing(netns: string, ip: string, ms: number): void {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      execFileSync("nsenter", [`--net=/run/netns/${netns}`, "ping", "-c1", "-W1", "-i0.2", ip], { stdio: "ignore" });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${ip} never answered`);
    }
  }
}

export async function runDockerRunBench(): Promise<void> {
  const missing = dockerMissing();
  if (missing !== undefined) {
    console.log(`\n### docker run on a dnet plugin network\n\nskipped: ${missing}`);
    return;
  }
  const dir = mkdtempSync("/tmp/dnet-plugin-bench-docker-");
  const pdir = join(dir, "plugins");
  mkdirSync(pdir);
  const dnet = new TestDaemon(["--plugin-name", PLUGIN, "--plugins-dir", pdir]);
  let docker: DockerHarness | undefined;
  try {
    await dnet.start();
    docker = await DockerHarness.start({
      netns: dnet.hostNetns, dir: join(dir, "docker"), pluginsDir: pdir, networkArgs: ["--bridge=none", "--iptables=false", "--ip6tables=false"],
    });
    docker.importBusybox(IMAGE);
    const d = docker;
    d.docker(["network", "create", "-d", PLUGIN, "--ipam-driver", PLUGIN, "--subnet", "10.214.1.0/24", "bdn"]);
    d.docker(["network", "create", "-d", "bridge", "--subnet", "10.214.2.0/24", "bdb"]);
    const samples: Record<string, number[]> = { bdn: [], bdb: [] };
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const order = i % 2 === 0 ? NETS : [...NETS].reverse();
      for (const n of order) {
        const ip = `10.214.${n.third}.${10 + i}`;
        const t0 = performance.now();
        d.docker(["run", "-d", "--name", `${n.name}${i}`, "--network", n.name, "--ip", ip, IMAGE, "sleep", "600"], 60_000);
        waitForPing(dnet.hostNetns, ip, 10_000);
        if (i >= WARMUP) samples[n.name]?.push(performance.now() - t0);
        d.docker(["rm", "-f", `${n.name}${i}`], 60_000);
      }
    }
    const [a = [], b = []] = [samples.bdn, samples.bdb];
    printTable(`docker run -d until the container answers a ping (${RUNS} runs per network after ${WARMUP} warm-up, interleaved)`,
      ["network", "median", "p90", "ratio (median)"],
      [["dnet plugin (bridge driver and IPAM through the protocol)", fmtMs(median(a)), fmtMs(percentile(a, 90)), (median(a) / median(b)).toFixed(3)],
        ["Docker's own bridge driver", fmtMs(median(b)), fmtMs(percentile(b, 90)), "1.000"]]);
    d.docker(["network", "rm", "bdn", "bdb"]);
  } finally {
    const problems = docker === undefined ? [] : await docker.stop();
    if (problems.length > 0) console.error(`docker teardown: ${problems.join("; ")}`);
    await dnet.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
