// macvlan benchmark, end to end through the library (SQLite store, nftables firewall, real links):
// attach (create endpoint + join) and detach (leave + delete endpoint) on a macvlan network next to the
// same on a bridge network, interleaved in one run so machine noise hits both (target: macvlan not slower);
// then attach and detach with DHCP addressing against a local dnsmasq (median and p99).
//
// Topology, made by runMacvlanBench() and deleted afterwards: a scratch netns H that plays the host (the
// measuring part re-executes this file inside it) and a netns L that plays the LAN, joined by a veth whose
// H end (lan0) is the macvlan parent; dnsmasq serves DHCP in L and is stopped by its PID.

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Controller, type Network, type Sandbox } from "../src/index.js";
import { cycle, type Samples } from "./bridge.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const INSIDE = "DNET_MACVLAN_BENCH_INSIDE";
const WARMUP = 50;
const ITERATIONS = 200;
const DHCP_WARMUP = 5;
const DHCP_ITERATIONS = 60;

const row = (what: string, s: readonly number[], base?: readonly number[]): string[] => [
  what, String(s.length), fmtMs(median(s)), fmtMs(percentile(s, 99)), base === undefined ? "" : `${(median(s) / median(base)).toFixed(2)}×`,
];

interface Variant { readonly name: string; readonly net: Network; readonly sandboxes: readonly Sandbox[]; readonly samples: Samples }

/**
 * Bridge and macvlan cycles alternate, each on sandboxes of its own (ten each, reused round robin), the first
 * of each round rotating. Docker's IPAM hands a detached endpoint's address to the next one, and so (02:42:<IPv4>)
 * its MAC, which a macvlan child holds until the kernel has closed it: "serial" hands out the next address
 * instead (com.docker.network.ipam.serial), so each macvlan child has a new MAC.
 */
async function interleaved(c: Controller): Promise<void> {
  const subnet = (n: number): { config: Array<{ subnet: string; gateway?: string }> } => ({ config: [{ subnet: `10.251.${n}.0/24`, gateway: `10.251.${n}.1` }] });
  const nets = [
    await c.createNetwork({ name: "bench-br", driver: "bridge", ipam: { config: [{ subnet: "10.250.0.0/24" }] } }),
    await c.createNetwork({ name: "bench-mv", driver: "macvlan", options: { parent: "lan0" }, ipam: subnet(0) }),
    await c.createNetwork({ name: "bench-mvs", driver: "macvlan", options: { parent: "lan0" }, ipam: { ...subnet(2), options: { "com.docker.network.ipam.serial": "true" } } }),
  ];
  const names = ["bridge", "macvlan", "macvlan, serial addresses"];
  const variants: Variant[] = [];
  for (const [v, net] of nets.entries()) {
    const sandboxes: Sandbox[] = [];
    for (let i = 0; i < 10; i++) sandboxes.push(await c.createSandbox({ containerId: `mvb${v}-${i}` }));
    variants.push({ name: names[v] ?? "", net, sandboxes, samples: { attach: [], detach: [] } });
  }
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length] as Variant;
      await cycle(v.net, v.sandboxes[i % 10] as Sandbox, `e${i}`, false, i >= WARMUP ? v.samples : undefined);
    }
  }
  for (const v of variants) {
    for (const sb of v.sandboxes) await sb.delete();
    await v.net.delete();
  }
  const [b, m, ms] = variants.map((v) => v.samples) as [Samples, Samples, Samples];
  printTable(`macvlan next to bridge: attach (create endpoint + join) and detach (leave + delete endpoint), ${ITERATIONS} each, interleaved after ${WARMUP} warm-up cycles`,
    ["operation", "n", "median", "p99", "median vs bridge"], [
      row("bridge attach", b.attach), row("macvlan attach", m.attach, b.attach), row("macvlan attach, serial addresses", ms.attach, b.attach),
      row("bridge detach", b.detach), row("macvlan detach", m.detach, b.detach), row("macvlan detach, serial addresses", ms.detach, b.detach),
    ]);
  const ok = (s: Samples): boolean => median(s.attach) <= median(b.attach) && median(s.detach) <= median(b.detach);
  console.log(`\ntarget (macvlan not slower than bridge, medians): addresses reused ${ok(m) ? "ok" : "MISSED"}, serial addresses ${ok(ms) ? "ok" : "MISSED"}`);
}

/** Attach = DISCOVER … ACK on the sandbox's interface; detach sends DHCPRELEASE. */
async function dhcp(c: Controller): Promise<void> {
  const net = await c.createNetwork({ name: "bench-dhcp", driver: "macvlan", options: { parent: "lan0" }, ipam: { driver: "dhcp" } });
  const sbs: Sandbox[] = [];
  for (let i = 0; i < 10; i++) sbs.push(await c.createSandbox({ containerId: `dh${i}`, hostname: `dh${i}` }));
  const s: Samples = { attach: [], detach: [] };
  for (let i = 0; i < DHCP_WARMUP + DHCP_ITERATIONS; i++) await cycle(net, sbs[i % 10] as Sandbox, `d${i}`, false, i >= DHCP_WARMUP ? s : undefined);
  for (const sb of sbs) await sb.delete();
  await net.delete();
  printTable(`macvlan with DHCP (--ipam-driver dhcp) against dnsmasq on the LAN, ${DHCP_ITERATIONS} cycles after ${DHCP_WARMUP}`,
    ["operation", "n", "median", "p99", ""], [row("DHCP attach (lease obtained)", s.attach), row("DHCP detach (lease released)", s.detach)]);
}

async function inside(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "dnet-macvlan-bench-"));
  const netnsDir = join(root, "netns");
  writeFileSync(join(root, "resolv.conf"), "nameserver 192.0.2.53\n");
  const c = await Controller.create({
    dataDir: join(root, "data"), netnsDir, etcNetnsDir: join(root, "etc"), hostResolvConf: join(root, "resolv.conf"), firewall: "nftables",
  });
  try {
    await interleaved(c);
    await dhcp(c);
  } finally {
    await c.close();
    try { execFileSync("umount", ["-l", netnsDir], { stdio: "ignore" }); } catch { /* never mounted */ }
    rmSync(root, { recursive: true, force: true });
  }
}

/** H and L with the veth between them and dnsmasq in L; runs the measuring part in H; removes it all. */
async function outside(): Promise<void> {
  const tag = randomBytes(3).toString("hex");
  const [h, l] = [`dnetmvh-${tag}`, `dnetmvl-${tag}`];
  const ip = (...a: string[]): void => { execFileSync("ip", a, { stdio: "ignore" }); };
  const made: string[] = [];
  let dnsmasq: ReturnType<typeof spawn> | undefined;
  try {
    for (const ns of [h, l]) { ip("netns", "add", ns); made.push(ns); ip("-n", ns, "link", "set", "lo", "up"); }
    ip("-n", h, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", l);
    ip("-n", h, "link", "set", "lan0", "up");
    ip("-n", l, "addr", "add", "10.251.0.1/16", "dev", "eth0");
    ip("-n", l, "link", "set", "eth0", "up");
    dnsmasq = spawn("nsenter", [`--net=/run/netns/${l}`, "dnsmasq", "--no-daemon", "--no-ping", "--port=0", "--no-resolv", "--dhcp-authoritative",
      "--bind-interfaces", "--interface=eth0", "--dhcp-range=10.251.1.1,10.251.1.250,255.255.0.0,2m", "--dhcp-leasefile=/dev/null"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    const child = spawn("ip", ["netns", "exec", h, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, [INSIDE]: "1" },
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`macvlan bench failed inside netns ${h} (exit ${String(code)})`);
  } finally {
    if (dnsmasq?.pid !== undefined && dnsmasq.exitCode === null) process.kill(dnsmasq.pid, "SIGTERM");
    for (const ns of made.reverse()) ip("netns", "del", ns);
  }
}

export async function runMacvlanBench(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("\n### macvlan: skipped (needs root to create namespaces and links)");
    return;
  }
  if (process.env[INSIDE] === "1") await inside();
  else await outside();
}

if (isMain(import.meta.url)) await runMacvlanBench();
