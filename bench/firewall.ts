// Firewall benchmark: median time of each backend operation inside a scratch netns, with and without
// Docker's iptables layout (FORWARD policy DROP + DOCKER-USER, which adds the iptables compat work).

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { NftablesBackend } from "../src/firewall/index.js";
import { loadNative } from "../src/native/index.js";
import { NETLINK_NETFILTER } from "../src/netlink/index.js";
import { HandleCache } from "../src/osl/index.js";
import { parseIp, parsePrefix } from "../src/types/index.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

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
  // The nfnetlink socket for port maps, opened the way the composition root does.
  const handles = new HandleCache(loadNative());
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
    const fw = new NftablesBackend({ netns: ns, openNetfilter: (o) => handles.get(`/run/netns/${ns}`).openSocket(NETLINK_NETFILTER, o) });
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
    handles.closeAll();
    sh("ip", ["netns", "del", ns]);
  }
  return samples;
}

const PORT_RUNS = 200;
const BLOCKS = 4;
const PATHS = ["nft", "nfnl"] as const;
type PathOp = "add" | "remove" | "net add" | "net remove";

/**
 * Publishing a port and adding/removing a network (a /24 and a /64: interval-set prefixes) through
 * `nft -f` vs the nfnetlink socket: two backends with their own tables in one scratch netns, alternating
 * in blocks so both see the same conditions over the run. `compat`: the iptables-nft coexistence check
 * on (the daemon's default), here without Docker's chains, so it only lists the chains.
 */
async function changePaths(compat: boolean): Promise<Map<string, number[]>> {
  const ns = `dnetbench-fwp-${randomBytes(3).toString("hex")}`;
  const samples = new Map<string, number[]>();
  const time = async (key: string, fn: () => Promise<unknown>): Promise<void> => {
    const t0 = performance.now();
    await fn();
    const list = samples.get(key) ?? [];
    list.push(performance.now() - t0);
    samples.set(key, list);
  };
  sh("ip", ["netns", "add", ns]);
  // The nfnetlink socket and the sysctl writer, opened the way the composition root does.
  const handles = new HandleCache(loadNative());
  try {
    const writeSysctls = async (entries: ReadonlyArray<readonly [string, string]>): Promise<void> => {
      for (const [key, value] of entries) handles.get(`/run/netns/${ns}`).writeSysctl(key, value);
    };
    const backends = PATHS.map((path, i) => {
      for (const br of [`br${path}`, `brx${path}`]) sh("ip", ["netns", "exec", ns, "ip", "link", "add", br, "type", "bridge"]);
      const fw = new NftablesBackend({ netns: ns, table: `dnet_${path}`, nfnetlink: path === "nfnl", iptablesCompat: compat, writeSysctls,
        openNetfilter: (o) => handles.get(`/run/netns/${ns}`).openSocket(NETLINK_NETFILTER, o) });
      const net = { id: path, bridge: `br${path}`, subnets4: [parsePrefix(`10.211.${i}.0/24`)], subnets6: [],
        internal: false, icc: true, masquerade: true };
      const extra = { id: `x${path}`, bridge: `brx${path}`, subnets4: [parsePrefix(`10.212.${i}.0/24`)],
        subnets6: [parsePrefix(`fd00:212:${i}::/64`)], internal: false, icc: true, masquerade: true };
      const mapping = { proto: "tcp" as const, hostPort: 8080 + i, hostPortEnd: 8080 + i, containerIp: parseIp(`10.211.${i}.2`), containerPort: 80 };
      return { path, fw, net, extra, mapping };
    });
    for (const b of backends) await b.fw.addNetwork(b.net);
    for (let block = 0; block < 2 * BLOCKS; block++) {
      const b = backends[block % 2] as (typeof backends)[number];
      // The first round of a block is not counted: nft's exit waits for the deferred destroy work of
      // the other path's last delete, which would be charged to `nft -f` otherwise.
      for (let i = 0; i <= PORT_RUNS / BLOCKS; i++) {
        const key = (op: PathOp): string => (i === 0 ? "warm-up" : `${b.path} ${op}`);
        await time(key("add"), () => b.fw.addPortMappings(b.path, "ep", [b.mapping]));
        await time(key("remove"), () => b.fw.removePortMappings(b.path, "ep"));
        await time(key("net add"), () => b.fw.addNetwork(b.extra));
        await time(key("net remove"), () => b.fw.removeNetwork(b.extra.id));
      }
    }
    for (const b of backends) { await b.fw.removeNetwork(b.path); await b.fw.close(); }
  } finally {
    handles.closeAll();
    sh("ip", ["netns", "del", ns]);
  }
  return samples;
}

function printChangePaths(s: Map<string, number[]>, compat: Map<string, number[]>): void {
  const row = (m: Map<string, number[]>, op: PathOp, label: string): string[] => {
    const [nft, nfnl] = PATHS.map((p) => m.get(`${p} ${op}`) ?? []);
    const ratio = median(nft ?? []) / median(nfnl ?? []);
    const cell = (v: number[] | undefined): string => `${fmtMs(median(v ?? []))} (p90 ${fmtMs(percentile(v ?? [], 90))})`;
    return [label, cell(nft), cell(nfnl), `${ratio.toFixed(1)}×`];
  };
  printTable(
    `firewall: one change, \`nft -f\` vs the nfnetlink socket, median (p90) of ${PORT_RUNS} runs in alternating blocks`,
    ["operation", "`nft -f` (spawn)", "nfnetlink batch (persistent socket)", "nft / nfnetlink"],
    [
      row(s, "add", "addPortMappings (1 port)"), row(s, "remove", "removePortMappings"),
      row(s, "net add", "addNetwork (/24 + /64)"), row(s, "net remove", "removeNetwork"),
      row(compat, "net add", "addNetwork, iptables compat on (no Docker)"), row(compat, "net remove", "removeNetwork, iptables compat on (no Docker)"),
    ],
  );
}

export async function runFirewallBench(): Promise<void> {
  printChangePaths(await changePaths(false), await changePaths(true));
  const plain = await pass(false);
  const docker = await pass(true);
  const cell = (s: Map<Op, number[]>, op: Op): string => fmtMs(median(s.get(op) ?? []));
  printTable(
    `firewall: nftables backend in a scratch netns, median of ${RUNS} runs (one anchor network present)`,
    ["operation", "no iptables-nft FORWARD chain", "Docker's layout (FORWARD DROP + DOCKER-USER)", "what runs"],
    [
      [OPS[0], cell(plain, OPS[0]), cell(docker, OPS[0]), "`sysctl` (spawned here) + chain dump + one NEWSETELEM batch, on the socket [+ iptables -S, iptables-restore]"],
      [OPS[1], cell(plain, OPS[1]), cell(docker, OPS[1]), "one NEWSETELEM batch on the nfnetlink socket"],
      [OPS[2], cell(plain, OPS[2]), cell(docker, OPS[2]), "one DELSETELEM batch on the nfnetlink socket"],
      [OPS[3], cell(plain, OPS[3]), cell(docker, OPS[3]), "chain dump + one DELSETELEM batch, on the socket [+ iptables -S, iptables-restore]"],
      [OPS[4], cell(plain, OPS[4]), cell(docker, OPS[4]), "GETGEN (own commits only: no listing) [+ chain dump, iptables -S]"],
    ],
  );
}

if (isMain(import.meta.url)) await runFirewallBench();
