// DNS workload: dnsperf, run inside one sandbox of each peer, asking for another sandbox's name on the
// same network: dnet's and Docker's resolvers at 127.0.0.11, aardvark-dns on the network's gateway.
// Throughput at full load (median of rounds), then latency (median, p99) at one fixed offered load.

import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, percentile } from "../stats.js";
import { run } from "./peer.js";
import type { Row, Section } from "./results.js";

export interface DnsTarget {
  readonly peer: string;
  /** netns path the client runs in. */
  readonly netns: string;
  readonly server: string;
  readonly name: string;
}

const CLIENTS = 4;
const FULL_SECONDS = 5;
const PACED_SECONDS = 4;
const PACED_QPS = 2000;

async function dnsperfRun(t: DnsTarget, file: string, args: readonly string[]): Promise<string> {
  const out = join(tmpdir(), `dnetcmp-dnsperf-${randomBytes(4).toString("hex")}.out`);
  const quoted = ["nsenter", `--net=${t.netns}`, "dnsperf", "-s", t.server, "-c", String(CLIENTS), "-d", file, ...args].map((a) => `'${a}'`).join(" ");
  const r = await run("sh", ["-c", `${quoted} > '${out}' 2>&1`]);
  let text = "";
  try { text = readFileSync(out, "utf8"); } finally { rmSync(out, { force: true }); }
  if (r.code !== 0) throw new Error(`dnsperf against ${t.peer} failed: ${text.slice(-500)}`);
  return text;
}

/** Checks the name resolves (dig) so a fast NXDOMAIN is never counted as an answer. */
async function resolves(t: DnsTarget): Promise<string> {
  const r = await run("nsenter", [`--net=${t.netns}`, "dig", "+short", "+time=2", "+tries=1", `@${t.server}`, t.name, "A"]);
  return r.stdout.trim();
}

export async function dnsWorkload(targets: readonly DnsTarget[], rounds = 3): Promise<{ sections: Section[]; problems: string[] }> {
  const problems: string[] = [];
  const ok: DnsTarget[] = [];
  for (const t of targets) {
    const a = await resolves(t);
    if (/^\d+\.\d+\.\d+\.\d+$/m.test(a)) ok.push(t);
    else problems.push(`DNS ${t.peer}: ${t.name} did not resolve at ${t.server} (${a || "no answer"})`);
  }
  const qps = new Map<string, number[]>(ok.map((t) => [t.peer, []]));
  const lat = new Map<string, number[]>(ok.map((t) => [t.peer, []]));
  const files = new Map<string, string>();
  for (const t of ok) {
    const f = join(tmpdir(), `dnetcmp-q-${randomBytes(4).toString("hex")}.txt`);
    writeFileSync(f, `${t.name} A\n`);
    files.set(t.peer, f);
  }
  try {
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < ok.length; j++) {
        const t = ok[(j + r) % ok.length] as DnsTarget;
        const text = await dnsperfRun(t, files.get(t.peer) as string, ["-l", String(FULL_SECONDS)]);
        qps.get(t.peer)?.push(Number(/Queries per second:\s+([0-9.]+)/.exec(text)?.[1] ?? Number.NaN));
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < ok.length; j++) {
        const t = ok[(j + r) % ok.length] as DnsTarget;
        const text = await dnsperfRun(t, files.get(t.peer) as string, ["-l", String(PACED_SECONDS), "-Q", String(PACED_QPS), "-q", "20", "-v"]);
        for (const m of text.matchAll(/^> \S+ \S+ \S+ ([0-9.]+)$/gm)) lat.get(t.peer)?.push(Number(m[1]) * 1000);
      }
    }
  } finally {
    for (const f of files.values()) rmSync(f, { force: true });
  }
  const qRows: Row[] = [...qps].map(([peer, v]) => ({ peer, n: v.length, median: median(v) }));
  const lRows: Row[] = [...lat].map(([peer, v]) => ({ peer, n: v.length, median: median(v), p99: percentile(v, 99) }));
  const where = targets.map((t) => `${t.peer}: ${t.server}`).join("; ");
  return {
    problems,
    sections: [
      { id: "dns-qps", title: "DNS: queries/s for a local name (dnsperf, full load)", unit: "q/s", higherIsBetter: true, rows: qRows,
        notes: [`dnsperf -c ${CLIENTS}, ${FULL_SECONDS} s per round, ${rounds} rounds interleaved (median of rounds), inside a sandbox; servers: ${where}. dnsperf shares the 2 cores with the server.`] },
      { id: "dns-latency", title: `DNS: latency for a local name at ${PACED_QPS.toLocaleString("en-US")} q/s`, unit: "ms", rows: lRows,
        notes: [`dnsperf -Q ${PACED_QPS} -q 20 -v, ${PACED_SECONDS} s per round, ${rounds} rounds interleaved; every query's latency counted.`] },
    ],
  };
}
