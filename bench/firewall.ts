// Firewall benchmark: median time of each backend operation inside a scratch netns, with and without
// Docker's iptables layout (FORWARD policy DROP + DOCKER-USER, which adds the iptables compat work).

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { NftablesBackend } from "../src/firewall/index.js";
import { parseIp, parsePrefix } from "../src/types/index.js";
import { fmtMs, isMain, median, printTable } from "./stats.js";

const RUNS = 50;
const OPS = ["addNetwork", "addPortMappings (1 port)", "removePortMappings", "removeNetwork", "check()"] as const;
type Op = (typeof OPS)[number];

function sh(cmd: string, args: readonly string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

async function timed(samples: Map<Op, number[]>, op: Op, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await fn();
  const dt = performance.now() - t0;
  const list = samples.get(op) ?? [];
  list.push(dt);
  samples.set(op, list);
}

async function pass(docker: boolean): Promise<Map<Op, number[]>> {
  const ns = `dnetbench-fw-${randomBytes(3).toString("hex")}`;
  const samples = new Map<Op, number[]>();
  sh("ip", ["netns", "add", ns]);
  try {
    const inNs = (cmd: string, ...args: string[]): void => sh("ip", ["netns", "exec", ns, cmd, ...args]);
    // Bridges must exist: addNetwork sets route_localnet on them.
    for (const br of ["bra", "brx"]) inNs("ip", "link", "add", br, "type", "bridge");
    if (docker) {
      inNs("iptables", "-w", "-N", "DOCKER-USER");
      inNs("iptables", "-w", "-A", "DOCKER-USER", "-j", "RETURN");
      inNs("iptables", "-w", "-I", "FORWARD", "-j", "DOCKER-USER");
      inNs("iptables", "-w", "-P", "FORWARD", "DROP");
    }
    const fw = new NftablesBackend({ netns: ns });
    // An anchor network keeps the table, so each run measures the per-network path, not table creation.
    await fw.addNetwork({ id: "anchor", bridge: "bra", subnets4: [parsePrefix("10.210.0.0/24")], subnets6: [],
      internal: false, icc: true, masquerade: true });
    const net = { id: "bench", bridge: "brx", subnets4: [parsePrefix("10.210.1.0/24")], subnets6: [],
      internal: false, icc: true, masquerade: true };
    const mapping = { proto: "tcp" as const, hostPort: 8080, hostPortEnd: 8080, containerIp: parseIp("10.210.1.2"), containerPort: 80 };
    for (let i = 0; i < RUNS; i++) {
      await timed(samples, "addNetwork", () => fw.addNetwork(net));
      await timed(samples, "addPortMappings (1 port)", () => fw.addPortMappings("bench", "ep", [mapping]));
      await timed(samples, "check()", () => fw.check());
      await timed(samples, "removePortMappings", () => fw.removePortMappings("bench", "ep"));
      await timed(samples, "removeNetwork", () => fw.removeNetwork("bench"));
    }
    await fw.close();
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
  return samples;
}

export async function runFirewallBench(): Promise<void> {
  const plain = await pass(false);
  const docker = await pass(true);
  const cell = (s: Map<Op, number[]>, op: Op): string => fmtMs(median(s.get(op) ?? []));
  printTable(
    `firewall: nftables backend in a scratch netns, median of ${RUNS} runs (one anchor network present)`,
    ["operation", "no iptables-nft FORWARD chain", "Docker's layout (FORWARD DROP + DOCKER-USER)", "what runs"],
    [
      [OPS[0], cell(plain, OPS[0]), cell(docker, OPS[0]), "sysctl + `nft -f` (element adds) + `nft -j list chains` [+ iptables -S, iptables-restore]"],
      [OPS[1], cell(plain, OPS[1]), cell(docker, OPS[1]), "`nft -f` with one map element"],
      [OPS[2], cell(plain, OPS[2]), cell(docker, OPS[2]), "`nft -f` deleting one map element"],
      [OPS[3], cell(plain, OPS[3]), cell(docker, OPS[3]), "`nft -f` (element deletes) + `nft -j list chains` [+ iptables -S, iptables-restore]"],
      [OPS[4], cell(plain, OPS[4]), cell(docker, OPS[4]), "`nft -j list table` [+ `nft -j list chains`, iptables -S]"],
    ],
  );
}

if (isMain(import.meta.url)) await runFirewallBench();
