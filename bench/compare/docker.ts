// Docker peer: Debian's dockerd + containerd started by the shared harness inside a scratch netns
// (private data root and socket, vfs storage, a busybox image imported from busybox-static), driven
// through its Engine API over the unix socket: connect / disconnect of running containers.

import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DnetClient } from "../../src/api/client.js";
import { DockerHarness } from "../../src/testing/docker-harness.js";
import { addNetns, delNetns, rssOf, scratchName, type Peer } from "./peer.js";

const IMAGE = "dnetcmp/busybox:latest";

export class DockerPeer implements Peer {
  readonly name = "Docker (Engine API)";
  readonly ns: string;
  readonly h: DockerHarness;
  readonly api: DnetClient;
  readonly #attached = new Set<number>();
  readonly #nets = new Set<number>();
  #containers = 0;
  #slots = 0;

  private constructor(ns: string, h: DockerHarness) {
    this.ns = ns; this.h = h;
    this.api = new DnetClient(`unix://${h.socket}`);
  }

  static async create(slots: number): Promise<DockerPeer> {
    const ns = scratchName("docker");
    addNetns(ns);
    let h: DockerHarness;
    try {
      h = await DockerHarness.start({ netns: ns, dir: mkdtempSync(join(tmpdir(), "dnetcmp-docker-")) });
    } catch (err) {
      delNetns(ns, []);
      throw err;
    }
    const p = new DockerPeer(ns, h);
    try {
      h.importBusybox(IMAGE);
      h.docker(["network", "create", "--subnet", "10.97.0.0/16", "benchdk"]);
      await p.ensureSlots(slots);
      // The port sandbox: born on benchdk with -p, then disconnected; connecting it again makes its
      // endpoint the gateway endpoint, which is where Docker programs the container's published ports.
      p.run("dkp", ["--network", "benchdk", "-p", "8080:80"]);
      h.docker(["network", "disconnect", "benchdk", "dkp"]);
    } catch (err) {
      await p.close();
      throw err;
    }
    return p;
  }

  /** `docker run -d` a sleeping busybox container (on the default bridge unless `extra` says otherwise). */
  run(name: string, extra: readonly string[]): void {
    this.h.docker(["run", "-d", "--name", name, ...extra, IMAGE, "sleep", "1000000"], 60_000);
    this.#containers++;
  }

  async ensureSlots(count: number): Promise<void> {
    for (let s = this.#slots; s < count; s++) this.run(`dk${s}`, []);
    this.#slots = Math.max(this.#slots, count);
  }

  containerName(slot: number): string { return slot < 0 ? "dkp" : `dk${slot}`; }

  /** Path of a container's netns (through its init process). */
  netnsOf(name: string): string {
    return `/proc/${this.h.docker(["inspect", "-f", "{{.State.Pid}}", name]).trim()}/ns/net`;
  }

  async attach(slot: number): Promise<void> {
    await this.api.connect("benchdk", { Container: this.containerName(slot) });
    this.#attached.add(slot);
  }

  async detach(slot: number): Promise<void> {
    await this.api.disconnect("benchdk", { Container: this.containerName(slot) });
    this.#attached.delete(slot);
  }

  async createNetwork(i: number): Promise<void> {
    await this.api.createNetwork({ Name: `cn${i}`, IPAM: { Config: [{ Subnet: `10.98.${i & 255}.0/24` }] } });
    this.#nets.add(i);
  }

  async deleteNetwork(i: number): Promise<void> {
    await this.api.removeNetwork(`cn${i}`);
    this.#nets.delete(i);
  }

  /** dockerd + containerd (the shims, one per container, are not counted here). */
  daemonPids(): number[] {
    const out: number[] = [];
    for (const e of readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      let argv: string[] = [];
      try { argv = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0"); } catch { continue; }
      const exe = argv[0] ?? "";
      if ((exe.endsWith("dockerd") || exe.endsWith("containerd")) && argv.some((a) => a.startsWith(this.h.dir))) out.push(Number(e));
    }
    return out;
  }

  rssKiB(): number { return this.daemonPids().reduce((sum, pid) => sum + rssOf(pid), 0); }

  async close(): Promise<string[]> {
    this.api.close();
    const pre: string[] = [];
    const ids = (this.h.tryDocker(["ps", "-aq"], 30_000) ?? "").split("\n").filter(Boolean);
    // Many containers on vfs take longer than the harness's 30 s budget for `docker rm -f`.
    if (ids.length > 0) { try { this.h.docker(["rm", "-f", ...ids], 600_000); } catch (err) { pre.push((err as Error).message); } }
    const problems = [...pre, ...await this.h.stop()];
    delNetns(this.ns, problems);
    return problems;
  }
}
