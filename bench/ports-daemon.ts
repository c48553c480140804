// What bench:ports' workloads share: a `dnet daemon` in a scratch netns with its API client, Docker's
// busybox image tag, the bound on a Docker step, a dockerd in a scratch netns, and the helpers to time a call
// and find Docker's proxies.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DnetClient } from "../src/api/client.js";
import { DockerHarness, dockerMissing } from "../src/testing/docker-harness.js";

const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
/** How long one Docker step may take before Docker is left there. */
export const BOUND_MS = 120_000;
export const IMAGE = "dnetports/busybox:latest";

export const quiet = (cmd: string, args: readonly string[]): void => {
  try { execFileSync(cmd, [...args], { stdio: "ignore" }); } catch { /* best effort */ }
};

export async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** A `dnet daemon` in a scratch netns, with a network and the API client. */
export class DnetDaemon {
  readonly ns = `dnbp-${randomBytes(3).toString("hex")}`;
  readonly tmp = mkdtempSync(join(tmpdir(), "dnet-bench-ports-"));
  readonly client = new DnetClient(`unix://${join(this.tmp, "dnet.sock")}`);
  #proc: ChildProcess | undefined;

  /** Starts the daemon and creates the network "bports" on `subnet`. */
  async start(subnet = "10.93.0.0/24"): Promise<void> {
    execFileSync("ip", ["netns", "add", this.ns]);
    execFileSync("ip", ["-n", this.ns, "link", "set", "lo", "up"]);
    writeFileSync(join(this.tmp, "resolv.conf"), "nameserver 127.0.0.1\n");
    this.#proc = spawn("nsenter", [`--net=/run/netns/${this.ns}`, process.execPath, MAIN, "daemon", "--socket", join(this.tmp, "dnet.sock"),
      "--data-dir", join(this.tmp, "data"), "--netns-dir", join(this.tmp, "netns"), "--dns", "127.0.0.1", "--log-level", "warn"], { stdio: "ignore" });
    for (let i = 0; ; i++) {
      try { await this.client.ping(); break; } catch {
        if (i > 400 || this.#proc.exitCode !== null) throw new Error("dnet daemon did not start");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await this.client.createNetwork({ Name: "bports", IPAM: { Config: [{ Subnet: subnet }] } });
  }

  async sandbox(name: string): Promise<void> {
    await this.client.createSandbox({ Name: name, Networks: [{ Network: "bports" }] });
  }

  async stop(): Promise<void> {
    this.client.close();
    this.#proc?.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
      .filter((p) => p.startsWith(`${this.tmp}/`)).sort((a, b) => b.length - a.length);
    for (const p of mounts) quiet("umount", ["-l", p]);
    quiet("ip", ["netns", "del", this.ns]);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** docker-proxy processes left in `ns` (Docker's userland proxies, one per port), by PID: ours to kill. */
export function proxiesIn(ns: string): number[] {
  const inode = statSync(`/run/netns/${ns}`).ino;
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "docker-proxy" && readlinkSync(`/proc/${pid}/ns/net`) === `net:[${inode}]`;
    } catch { return false; }
  }).map(Number);
}

/**
 * A real dockerd (DockerHarness) in a scratch netns of its own, with the busybox image: runs `fn` with it,
 * its netns name and its version, then stops it, kills its docker-proxy processes by PID and deletes the
 * netns. Without Docker on the machine, says why and runs nothing.
 */
export async function withScratchDocker(prefix: string, fn: (h: DockerHarness, ns: string, version: string) => Promise<void>): Promise<void> {
  const missing = dockerMissing();
  if (missing !== undefined) { console.log(`\nDocker: skipped (${missing})`); return; }
  const ns = `${prefix}-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  let h: DockerHarness | undefined;
  try {
    h = await DockerHarness.start({ netns: ns, dir: mkdtempSync(join(tmpdir(), "dnet-bench-ports-docker-")) });
    h.importBusybox(IMAGE);
    await fn(h, ns, h.docker(["version", "--format", "{{.Server.Version}}"]).trim());
  } finally {
    const problems = (await h?.stop()) ?? [];
    for (const pid of proxiesIn(ns)) quiet("kill", ["-9", String(pid)]);
    quiet("ip", ["netns", "del", ns]);
    if (problems.length > 0) console.log(`Docker teardown: ${problems.join("; ")}`);
  }
}
