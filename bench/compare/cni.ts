// CNI peer: the reference bridge plugin with host-local IPAM (and portmap chained for the published
// port), exec'd the way a runtime does (CNI_* env + JSON on stdin), inside a scratch "host" netns
// entered with `nsenter --net` (see netavark.ts for why not `ip netns exec`).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addNetns, delNetns, mustRun, scratchName, type Peer } from "./peer.js";

const CNI_PATH = "/usr/lib/cni";
const VERSION = "1.0.0";

export class CniPeer implements Peer {
  readonly name = "CNI bridge + host-local";
  readonly #host = scratchName("cni");
  readonly #dir = mkdtempSync(join(tmpdir(), "dnetcmp-cni-"));
  readonly #sandboxes = new Map<number, string>();
  readonly #results = new Map<number, string>();

  constructor(slots: number) {
    addNetns(this.#host);
    for (const s of [-1, ...Array.from({ length: slots }, (_, i) => i)]) this.#add(s);
  }

  #add(s: number): void {
    const ns = scratchName(`cnic${s < 0 ? "p" : s}`);
    addNetns(ns);
    this.#sandboxes.set(s, ns);
  }

  async ensureSlots(count: number): Promise<void> {
    for (let s = 0; s < count; s++) if (!this.#sandboxes.has(s)) this.#add(s);
  }

  #conf(): Record<string, unknown> {
    return {
      cniVersion: VERSION, name: "benchcni", type: "bridge", bridge: "cnibr0", isGateway: true, ipMasq: true,
      ipam: { type: "host-local", ranges: [[{ subnet: "10.91.0.0/16" }]], dataDir: join(this.#dir, "ipam") },
    };
  }

  #portConf(prevResult: unknown): Record<string, unknown> {
    return {
      cniVersion: VERSION, name: "benchcni", type: "portmap", capabilities: { portMappings: true }, snat: true,
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] }, prevResult,
    };
  }

  #exec(plugin: string, command: "ADD" | "DEL", slot: number, conf: unknown): Promise<string> {
    const env = {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", CNI_COMMAND: command, CNI_CONTAINERID: `dnetcmp${slot + 1}`,
      CNI_NETNS: `/run/netns/${this.#sandboxes.get(slot) ?? ""}`, CNI_IFNAME: "eth0", CNI_PATH,
    };
    return mustRun("nsenter", [`--net=/run/netns/${this.#host}`, join(CNI_PATH, plugin)], JSON.stringify(conf), env);
  }

  async attach(slot: number): Promise<void> {
    const out = await this.#exec("bridge", "ADD", slot, this.#conf());
    if (slot < 0) {
      const withPort = await this.#exec("portmap", "ADD", slot, this.#portConf(JSON.parse(out)));
      this.#results.set(slot, withPort);
    } else this.#results.set(slot, out);
  }

  async detach(slot: number): Promise<void> {
    const prev = JSON.parse(this.#results.get(slot) ?? "{}") as unknown;
    if (slot < 0) await this.#exec("portmap", "DEL", slot, this.#portConf(prev));
    await this.#exec("bridge", "DEL", slot, { ...this.#conf(), prevResult: prev });
    this.#results.delete(slot);
  }

  async close(): Promise<string[]> {
    const problems: string[] = [];
    for (const slot of [...this.#results.keys()]) await this.detach(slot).catch((e: Error) => problems.push(`cni DEL: ${e.message}`));
    for (const ns of this.#sandboxes.values()) delNetns(ns, problems);
    delNetns(this.#host, problems);
    rmSync(this.#dir, { recursive: true, force: true });
    return problems;
  }
}
