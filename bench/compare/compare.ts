// `npm run bench:compare`: dnet against Docker, netavark and the CNI reference plugins on this machine,
// in one run, each workload interleaved across peers (A B C A B C …, start rotated every round) so
// machine noise hits every peer alike. The outer process checks for leaks and writes docs/bench/; the
// measuring process runs inside a scratch netns that plays the host for dnet's library.
// DNET_COMPARE_ONLY="network create/delete" (step names, comma-separated) runs only those workloads and
// prints their report without touching docs/bench/.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { isMain, median, percentile } from "../stats.js";
import { CniPeer } from "./cni.js";
import { DnetApiPeer, DnetLibraryPeer } from "./dnet.js";
import { DockerPeer } from "./docker.js";
import { NetavarkPeer } from "./netavark.js";
import { NS_PREFIX, addNetns, delNetns, scratchName, type Peer } from "./peer.js";
import { writeReport } from "./report.js";
import type { Results, Row, Section } from "./results.js";
import { collectMachine, collectVersions } from "./versions.js";
import { dnsWorkload, type DnsTarget } from "./dnsq.js";
import { scale } from "./scale.js";

const INSIDE = "DNET_COMPARE_OUT";
const SLOTS = 10;
const ATTACH_ROUNDS = Number(process.env.DNET_COMPARE_ROUNDS ?? 50);
const WARMUP = 3;
const SCALE = (process.env.DNET_COMPARE_SCALE ?? "100,1000").split(",").map(Number).filter((n) => n > 0);

type Timed = (p: Peer, round: number) => Promise<number[]>;

const time = async (fn: () => Promise<void>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

/** Runs `fn` for every peer, `rounds` times, the peer order rotated each round; `fn` returns N timings. */
async function interleave(peers: readonly Peer[], rounds: number, labels: readonly string[], fn: Timed): Promise<Map<string, number[][]>> {
  const out = new Map<string, number[][]>(peers.map((p) => [p.name, labels.map(() => [])]));
  for (let r = -WARMUP; r < rounds; r++) {
    for (let k = 0; k < peers.length; k++) {
      const p = peers[(k + Math.max(r, 0)) % peers.length] as Peer;
      const ts = await fn(p, r);
      if (r >= 0) ts.forEach((t, i) => out.get(p.name)?.[i]?.push(t));
    }
  }
  return out;
}

function sections(idBase: string, titles: readonly string[], data: Map<string, number[][]>, notes: string[] = []): Section[] {
  return titles.map((title, i) => ({
    id: `${idBase}-${i}`, title, unit: "ms" as const, notes: i === 0 ? notes : [],
    rows: [...data].map(([peer, series]): Row => {
      const s = series[i] ?? [];
      return { peer, n: s.length, median: median(s), p99: percentile(s, 99) };
    }),
  }));
}

async function attachDetach(peers: readonly Peer[], withPort: boolean): Promise<Section[]> {
  const ps = withPort ? peers.filter((p) => !(p instanceof DnetApiPeer)) : peers;
  const data = await interleave(ps, ATTACH_ROUNDS, ["attach", "detach"], async (p, r) => {
    const slot = withPort ? -1 : ((r + SLOTS) % SLOTS);
    return [await time(() => p.attach(slot)), await time(() => p.detach(slot))];
  });
  const sfx = withPort ? ", one published port (tcp 8080→80)" : "";
  return sections(withPort ? "port" : "attach", [`attach${sfx}`, `detach${sfx}`], data, [
    "Docker: Engine API connect/disconnect of a running container; netavark: setup/teardown (a second container keeps the bridge);",
    "CNI: bridge (ipMasq) + host-local ADD/DEL, portmap chained for the published port; dnet: createEndpoint+join / leave+delete.",
    "netavark and CNI are exec'd through `nsenter --net` into their scratch host netns (see the exec baseline table).",
  ]);
}

async function networkCreateDelete(peers: readonly Peer[]): Promise<Section[]> {
  const ps = peers.filter((p) => p.createNetwork !== undefined);
  let i = 0;
  const data = await interleave(ps, 30, ["create", "delete"], async (p) => {
    const n = i++;
    return [await time(() => (p.createNetwork as (i: number) => Promise<void>)(n)), await time(() => (p.deleteNetwork as (i: number) => Promise<void>)(n))];
  });
  return sections("netcd", ["network create (bridge, /24)", "network delete"], data,
    ["netavark and CNI have no network object (a JSON config; the bridge appears with the first container)."]);
}

/** What exec'ing through `nsenter --net` costs by itself (netavark and CNI pay it on every call). */
async function execBaseline(): Promise<Section> {
  const ns = scratchName("base");
  addNetns(ns);
  const s: number[] = [];
  try {
    for (let i = 0; i < 30; i++) {
      s.push(await time(() => new Promise<void>((res, rej) => {
        spawn("nsenter", [`--net=/run/netns/${ns}`, "/bin/true"], { stdio: "ignore" }).on("exit", (c) => (c === 0 ? res() : rej(new Error(`exit ${c}`))));
      })));
    }
  } finally { delNetns(ns, []); }
  return { id: "exec", title: "exec baseline: `nsenter --net=NS /bin/true`", unit: "ms", rows: [{ peer: "(spawn from Node)", n: s.length, median: median(s), p99: percentile(s, 99) }] };
}

function memoryNote(p: Peer): string | undefined {
  if (p instanceof DockerPeer) return "dockerd + containerd, shims not counted";
  if (p instanceof NetavarkPeer) return "aardvark-dns; netavark itself exits after each call";
  if (p instanceof DnetApiPeer) return "the dnet daemon";
  return undefined;
}

/** Scale runs and the memory they leave resident. Docker only at 100 (1,000 vfs containers would not fit the budget). */
async function scaleRuns(peers: readonly Peer[]): Promise<Section[]> {
  const out: Section[] = [];
  for (const n of SCALE) {
    const ps = peers.filter((p) => n <= 100 || !(p instanceof DockerPeer));
    const r = await scale(ps, n, memoryNote);
    out.push(...r.sections);
    const rows: Row[] = r.rss.filter((x) => x.peer !== "dnet (library)");
    for (const p of ps) if (p.rssKiB === undefined) rows.push({ peer: p.name, n: 1, median: 0, note: "no resident process: exec per operation" });
    out.push({ id: `rss${n}`, title: `RSS of the control plane with ${n.toLocaleString("en-US")} endpoints attached`, unit: "MiB", rows,
      ...(n > 100 ? { notes: ["Docker not run at 1,000: 1,000 running containers on vfs storage do not fit the time budget."] } : {}) });
    console.log(`bench:compare: ${n} sandboxes done`);
  }
  return out;
}

async function dnsRun(peers: readonly Peer[], problems: string[]): Promise<Section[]> {
  const targets: DnsTarget[] = [];
  for (const p of peers) {
    await p.attach(0);
    await p.attach(1);
  }
  try {
    for (const p of peers) {
      if (p instanceof DnetLibraryPeer) targets.push({ peer: p.name, netns: p.sandbox(0)?.key ?? "", server: "127.0.0.11", name: "e2" });
      if (p instanceof DnetApiPeer) targets.push({ peer: p.name, netns: (await p.client.inspectSandbox("api0")).Key, server: "127.0.0.11", name: "api1" });
      if (p instanceof DockerPeer) targets.push({ peer: p.name, netns: p.netnsOf("dk0"), server: "127.0.0.11", name: "dk1" });
      if (p instanceof NetavarkPeer) targets.push({ peer: "aardvark-dns (netavark)", netns: p.sandboxPath(0), server: p.gateway(), name: "c1" });
    }
    const r = await dnsWorkload(targets);
    problems.push(...r.problems);
    return r.sections;
  } finally {
    for (const p of peers) { await p.detach(1); await p.detach(0); }
  }
}

async function startPeers(skipped: string[]): Promise<Peer[]> {
  const peers: Peer[] = [];
  const tryStart = async (name: string, fn: () => Promise<Peer>): Promise<void> => {
    try { peers.push(await fn()); } catch (err) { skipped.push(`${name}: ${(err as Error).message.split("\n").slice(0, 4).join(" ")}`); }
  };
  await tryStart("dnet (library)", () => DnetLibraryPeer.create(SLOTS));
  await tryStart("dnet (HTTP API)", () => DnetApiPeer.create(SLOTS));
  await tryStart("CNI", async () => new CniPeer(SLOTS));
  await tryStart("netavark", () => NetavarkPeer.create({ slots: SLOTS }));
  await tryStart("Docker", () => DockerPeer.create(SLOTS));
  return peers;
}

/** DNET_COMPARE_ONLY="attach/detach,published port": run only the steps named (a quick look at a few workloads). */
function onlySteps(): string[] | undefined {
  const v = process.env["DNET_COMPARE_ONLY"];
  return v === undefined || v === "" ? undefined : v.split(",").map((x) => x.trim());
}

/** The measuring part; runs inside the scratch netns. */
async function inside(out: string): Promise<void> {
  const startedAt = new Date().toISOString();
  const skipped: string[] = [];
  const all: Section[] = [];
  const peers = await startPeers(skipped);
  try {
    const only = onlySteps();
    const step = async (name: string, fn: () => Promise<Section[]>): Promise<void> => {
      if (only !== undefined && !only.includes(name)) return;
      const t0 = Date.now();
      try { all.push(...await fn()); } catch (err) { skipped.push(`${name}: ${(err as Error).stack ?? String(err)}`); }
      console.log(`bench:compare: ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    };
    await step("attach/detach", () => attachDetach(peers, false));
    await step("network create/delete", () => networkCreateDelete(peers));
    await step("published port", () => attachDetach(peers, true));
    await step("exec baseline", async () => [await execBaseline()]);
    await step("dns", () => dnsRun(peers, skipped));
    await step("scale", () => scaleRuns(peers));
  } finally {
    for (const p of [...peers].reverse()) {
      const problems = await p.close().catch((e: Error) => [e.message]);
      for (const pr of problems) skipped.push(`cleanup ${p.name}: ${pr}`);
    }
  }
  const results: Results = { startedAt, finishedAt: new Date().toISOString(), machine: collectMachine(), versions: collectVersions(), sections: all, skipped };
  const { writeFileSync } = await import("node:fs");
  writeFileSync(out, JSON.stringify(results, null, 1));
}

function snapshot(): { netns: Set<string>; links: Set<string>; tables: Set<string> } {
  const sh = (cmd: string, args: string[]): string => { try { return execFileSync(cmd, args, { encoding: "utf8" }); } catch { return ""; } };
  const lines = (s: string): string[] => s.split("\n").map((l) => l.trim()).filter(Boolean);
  return {
    netns: new Set(lines(sh("ip", ["netns", "list"])).map((l) => l.split(" ")[0] ?? "")),
    links: new Set(lines(sh("ip", ["-o", "link"])).map((l) => l.split(":")[1]?.trim() ?? "")),
    tables: new Set(lines(sh("nft", ["list", "tables"]))),
  };
}

function leakLine(before: ReturnType<typeof snapshot>, after: ReturnType<typeof snapshot>): string {
  const extra = (a: Set<string>, b: Set<string>): string[] => [...b].filter((x) => !a.has(x));
  const n = extra(before.netns, after.netns), l = extra(before.links, after.links), t = extra(before.tables, after.tables);
  const ours = n.filter((x) => x.startsWith(NS_PREFIX));
  const head = ours.length === 0 ? "leaks: none of ours (no dnetcmp-* netns left" : `leaks: netns [${ours.join(", ")}] (`;
  const others = [...n.filter((x) => !x.startsWith(NS_PREFIX)).map((x) => `netns ${x}`), ...l.map((x) => `link ${x}`), ...t.map((x) => `nft ${x}`)];
  const shown = others.length > 6 ? `${others.slice(0, 6).join(", ")} and ${others.length - 6} more` : others.join(", ");
  return others.length === 0 ? `${head}; ip netns list, ip link and nft list tables identical before and after)`
    : `${head}; ${others.length} changes in the host netns made by other processes during the run (this benchmark creates nothing there): ${shown})`;
}

/**
 * After a crash of the measuring process: kills, by PID, the processes it started (their command lines
 * name its private temp dirs, /tmp/dnetcmp-*), unmounts what is left under those dirs and removes them.
 */
function sweep(): void {
  const mine = (s: string): boolean => s.includes(join(tmpdir(), "dnetcmp-"));
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let cmd = "";
    try { cmd = readFileSync(`/proc/${e}/cmdline`, "utf8"); } catch { continue; }
    if (mine(cmd)) { try { process.kill(Number(e), "SIGKILL"); } catch { /* gone */ } }
  }
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter(mine);
  for (const m of mounts.sort((a, b) => b.length - a.length)) { try { execFileSync("umount", ["-l", m], { stdio: "ignore" }); } catch { /* gone */ } }
  for (const d of readdirSync(tmpdir())) if (d.startsWith("dnetcmp-")) rmSync(join(tmpdir(), d), { recursive: true, force: true });
}

async function outside(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench:compare needs root (namespaces, bridges, daemons)");
  const before = snapshot();
  const ns = scratchName("lib");
  const out = join(tmpdir(), `dnet-compare-${ns}.json`);
  addNetns(ns);
  let code: number | null = null;
  try {
    // nsenter, not `ip netns exec`: the latter remounts /sys and hides the cgroup mounts dockerd needs.
    const child = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, [INSIDE]: out },
    });
    code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  } finally {
    sweep();
    delNetns(ns, []);
    for (const n of snapshot().netns) if (n.startsWith(NS_PREFIX) && !before.netns.has(n)) delNetns(n, []);
  }
  const leaks = leakLine(before, snapshot());
  console.log(leaks);
  if (code !== 0) throw new Error(`measuring process failed (exit ${String(code)})`);
  const results = JSON.parse(readFileSync(out, "utf8")) as Results;
  rmSync(out, { force: true });
  results.leaks = leaks;
  // A partial run (DNET_COMPARE_ONLY) prints its report but leaves the committed one alone.
  const dir = onlySteps() === undefined ? join(fileURLToPath(new URL("../../../", import.meta.url)), "docs", "bench") : mkdtempSync(join(tmpdir(), "dnet-compare-report-"));
  const md = writeReport(results, dir);
  console.log(md);
}

if (isMain(import.meta.url)) {
  const out = process.env[INSIDE];
  if (out !== undefined) await inside(out);
  else await outside();
}
