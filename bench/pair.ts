// Paired A/B of two builds in one process: `npm run build`, copy dist/ somewhere (with node_modules and
// build/ reachable from it, e.g. symlinked), change the code, build again, then
//   node dist/bench/pair.js <other dist dir> <this dist dir> [cycles]
// Each build gets a controller of its own (own data dir, netns dir, bridge network; firewall "none",
// since both would manage the one `inet dnet` table) and attach/detach cycles alternate between them,
// so the machine's drift hits both alike. On the 2-core bench VM separate runs of the same code differed
// by 20 % and more minutes apart; the ratio printed here repeats within ~3 % (same build on both sides:
// 1.009, 1.037). Run it a few times: a change is real when every run agrees on its sign.
//
// `node dist/bench/pair.js --pin <dist> [cycles]` compares the cost of port pinning (anti-spoofing) in
// one build instead: one controller with the nftables firewall, two networks alternating, A with
// dnet.bridge.pin_ports=false and B with it on.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Controller, Network, Sandbox } from "../src/index.js";
import { cycle, type Samples } from "./bridge.js";
import { rerunInScratchNetns } from "./scratch-netns.js";
import { fmtMs, isMain, median } from "./stats.js";

const INSIDE = "DNET_PAIR_BENCH_INSIDE";
const SANDBOXES = 10;
const NOT_COUNTED = 50;

interface Side {
  readonly label: string;
  readonly root: string;
  readonly c: Controller;
  readonly net: Network;
  readonly sandboxes: Sandbox[];
  readonly samples: Samples;
}

async function side(dist: string, label: string, subnet: string): Promise<Side> {
  const lib = await import(join(resolve(dist), "src", "index.js")) as typeof import("../src/index.js");
  const root = mkdtempSync(join(tmpdir(), `dnet-pair-${label}-`));
  writeFileSync(join(root, "resolv.conf"), "nameserver 192.0.2.53\n");
  const c = await lib.Controller.create({
    dataDir: join(root, "data"), netnsDir: join(root, "netns"), etcNetnsDir: join(root, "etc"), hostResolvConf: join(root, "resolv.conf"), firewall: "none",
  });
  const net = await c.createNetwork({ name: `pair-${label}`, driver: "bridge", ipam: { config: [{ subnet }] } });
  const sandboxes: Sandbox[] = [];
  for (let i = 0; i < SANDBOXES; i++) sandboxes.push(await c.createSandbox({ containerId: `pair-${label}${i}` }));
  return { label, root, c, net, sandboxes, samples: { attach: [], detach: [] } };
}

async function tearDown(s: Side): Promise<void> {
  for (const sb of s.sandboxes) await sb.delete().catch(() => {});
  await s.net.delete().catch(() => {});
  await s.c.close();
  try { execFileSync("umount", ["-l", join(s.root, "netns")], { stdio: "ignore" }); } catch { /* never mounted */ }
  rmSync(s.root, { recursive: true, force: true });
}

async function inside(distA: string, distB: string, cycles: number, withPort: boolean): Promise<void> {
  const sides: Side[] = [];
  try {
    sides.push(await side(distA, "a", "10.250.0.0/24"), await side(distB, "b", "10.251.0.0/24"));
    // Both publish 8080: with firewall "none" nothing is programmed (and nothing conflicts), but the bridge
    // still allocates the host port and sets the hairpin, and the controller still switches the gateway.
    const [a, b] = sides as [Side, Side];
    for (let i = 0; i < cycles; i++) {
      for (const s of i % 2 === 0 ? [a, b] : [b, a]) {
        await cycle(s.net, s.sandboxes[i % SANDBOXES] as Sandbox, `e${i}`, withPort, i >= NOT_COUNTED ? s.samples : undefined);
      }
    }
    const line = (what: string, x: number[], y: number[]): string =>
      `${what}: A ${fmtMs(median(x))}  B ${fmtMs(median(y))}  B/A ${(median(y) / median(x)).toFixed(3)}`;
    console.log(`paired A/B, ${cycles - NOT_COUNTED} cycles each${withPort ? ", one published port" : ""} (A = ${distA}, B = ${distB})`);
    console.log(line("attach", a.samples.attach, b.samples.attach));
    console.log(line("detach", a.samples.detach, b.samples.detach));
  } finally {
    for (const s of sides) await tearDown(s);
  }
}

/** Pinning off (A) and on (B): one controller, nftables, two networks whose cycles alternate. */
async function insidePin(dist: string, cycles: number): Promise<void> {
  const lib = await import(join(resolve(dist), "src", "index.js")) as typeof import("../src/index.js");
  const root = mkdtempSync(join(tmpdir(), "dnet-pair-pin-"));
  writeFileSync(join(root, "resolv.conf"), "nameserver 192.0.2.53\n");
  const c = await lib.Controller.create({
    dataDir: join(root, "data"), netnsDir: join(root, "netns"), etcNetnsDir: join(root, "etc"), hostResolvConf: join(root, "resolv.conf"), firewall: "nftables",
  });
  try {
    const sides = [] as Array<{ net: Network; sandboxes: Sandbox[]; samples: Samples }>;
    for (const [label, pin, subnet] of [["a", "false", "10.250.0.0/24"], ["b", "true", "10.251.0.0/24"]] as const) {
      const net = await c.createNetwork({ name: `pin-${label}`, driver: "bridge", options: { "dnet.bridge.pin_ports": pin }, ipam: { config: [{ subnet }] } });
      const sandboxes: Sandbox[] = [];
      for (let i = 0; i < SANDBOXES; i++) sandboxes.push(await c.createSandbox({ containerId: `pin-${label}${i}` }));
      sides.push({ net, sandboxes, samples: { attach: [], detach: [] } });
    }
    const [a, b] = sides as [typeof sides[number], typeof sides[number]];
    for (let i = 0; i < cycles; i++) {
      for (const s of i % 2 === 0 ? [a, b] : [b, a]) {
        await cycle(s.net, s.sandboxes[i % SANDBOXES] as Sandbox, `e${i}`, false, i >= NOT_COUNTED ? s.samples : undefined);
      }
    }
    const line = (what: string, x: number[], y: number[]): string =>
      `${what}: A ${fmtMs(median(x))}  B ${fmtMs(median(y))}  B/A ${(median(y) / median(x)).toFixed(3)}  (+${fmtMs(median(y) - median(x))})`;
    console.log(`port pinning, paired, ${cycles - NOT_COUNTED} cycles each, nftables (A = pin_ports=false, B = true)`);
    console.log(line("attach", a.samples.attach, b.samples.attach));
    console.log(line("detach", a.samples.detach, b.samples.detach));
  } finally {
    for (const sb of c.sandboxes()) await sb.delete().catch(() => {});
    for (const n of c.networks()) if (n.type === "bridge") await n.delete().catch(() => {});
    await c.close();
    try { execFileSync("umount", ["-l", join(root, "netns")], { stdio: "ignore" }); } catch { /* never mounted */ }
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url) && process.argv[2] === "--pin") {
  const [dist, n] = process.argv.slice(3);
  const cycles = Number(n ?? 400);
  if (process.env[INSIDE] === "1") await insidePin(dist ?? "dist", cycles);
  else await rerunInScratchNetns(fileURLToPath(import.meta.url), INSIDE, "dnetpin", ["--pin", dist ?? "dist", String(cycles)]);
} else if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const withPort = args.includes("--port");
  const [distA, distB, n] = args.filter((a) => a !== "--port");
  const cycles = Number(n ?? 400);
  if (distA === undefined || distB === undefined || !Number.isInteger(cycles) || cycles <= NOT_COUNTED) {
    console.error(`usage: node dist/bench/pair.js [--port] <dist A> <dist B> [cycles > ${NOT_COUNTED}, default 400]`);
    process.exit(2);
  }
  if (process.env[INSIDE] === "1") await inside(distA, distB, cycles, withPort);
  else await rerunInScratchNetns(fileURLToPath(import.meta.url), INSIDE, "dnetpair", [...(withPort ? ["--port"] : []), distA, distB, String(cycles)]);
}
