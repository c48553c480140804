// `npm run bench`: the project's benchmarks that run in minutes, one after another, in one process; it
// ends by listing the sub-commands it leaves out (peers to install, long runs, two builds), with what each measures.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runIpamBench } from "./ipam.js";
import { runApiBench } from "./api.js";
import { runBridgeBench } from "./bridge.js";
import { runControllerBench } from "./controller.js";
import { runDnsBench } from "./dns.js";
import { runFirewallBench } from "./firewall.js";
import { runKernelBench } from "./kernel.js";
import { runMacvlanBench } from "./macvlan.js";
import { runOverlayBench } from "./overlay.js";
import { runRepairBench } from "./repair.js";
import { runStoreBench } from "./store.js";

/** What this run includes, by the name of its own `npm run bench:<name>` where it has one. */
const RUN_HERE: readonly string[] = Object.freeze(["kernel", "ipam", "store", "controller", "firewall", "bridge", "macvlan", "overlay", "api", "dns", "repair"]);

/** The `npm run bench:*` commands this run does not include, one line each (keep in step with package.json). */
export const NOT_RUN_HERE: ReadonlyArray<readonly [string, string]> = Object.freeze([
  ["bench:compare", "dnet against Docker 20.10, netavark and the CNI plugins in one interleaved run: attach/detach, network create/delete, a published port, DNS, 100 and 1,000 sandboxes, memory (installs the peers; writes docs/bench/)"],
  ["bench:ports", "published ports at scale on a daemon: 1 to 10,000 ports as one range and one by one on one sandbox, and 1,000 sandboxes × 10 single ports on one network (time per change, growth), Docker alongside"],
  ["bench:scale", "1,000 sandboxes attached one after another to one /16 network (total, growth last 100 / first 100) and the daemon's memory with 1,000 endpoints; optionally against another build"],
  ["bench:pair", "paired A/B of two builds' attach/detach in one process (node dist/bench/pair.js <other dist> <this dist>): the ratio of their medians"],
  ["bench:cli", "wall time of one `dnet` command (a fresh process) next to the docker CLI's same command against the same daemon"],
  ["bench:plugins", "plugin protocol overhead per call (client + HTTP + socket against the same call in-process), and `docker run` until ping with a network served by dnet's plugin against Docker's own bridge"],
]);

/** The bench:* scripts of package.json that neither run here nor appear in NOT_RUN_HERE (so none is forgotten). */
function undescribed(): string[] {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { scripts?: Record<string, string> };
  const known = new Set([...RUN_HERE.map((n) => `bench:${n}`), ...NOT_RUN_HERE.map(([n]) => n)]);
  return Object.keys(pkg.scripts ?? {}).filter((n) => n.startsWith("bench:") && !known.has(n));
}

function listNotRun(): void {
  console.log("\n## Not run by `npm run bench` (each is `npm run <name>`, as root)");
  for (const [name, what] of NOT_RUN_HERE) console.log(`- ${name}: ${what}`);
  for (const name of undescribed()) console.log(`- ${name}: (see its file in bench/)`);
}

async function main(): Promise<void> {
  console.log(`# dnet benchmarks — ${new Date().toISOString()}, node ${process.version}, ${process.arch}`);
  console.log(`(${NOT_RUN_HERE.length} longer benchmarks are separate commands, listed at the end)`);
  await runKernelBench();
  await runIpamBench();
  await runStoreBench();
  await runControllerBench();
  await runFirewallBench();
  await runBridgeBench();
  await runMacvlanBench();
  await runOverlayBench();
  await runApiBench();
  await runDnsBench();
  await runRepairBench();
  listNotRun();
}

await main();
