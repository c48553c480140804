// `npm run bench`: every benchmark of the project, one after another, in one process.

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

async function main(): Promise<void> {
  console.log(`# dnet benchmarks — ${new Date().toISOString()}, node ${process.version}, ${process.arch}`);
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
}

await main();
