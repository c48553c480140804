// Plugin benchmark (`npm run bench:plugins`), two figures in one run:
// 1. Protocol overhead: a join (and a leave, and a call with no kernel work) through dnet's plugin client
//    to dnet's plugin server in the same process, against the very same served call made in-process
//    (same JSON decoding, same driver, same records; only the client, HTTP and the socket differ).
//    Interleaved, judged after warm-up; target ≤ 0.3 ms added per call (median).
// 2. `docker run -d --network N` until the container answers a ping, with N served by dnet through the
//    plugin against N on Docker's own bridge driver, interleaved (bench/plugins-docker.ts).
//
// Part 1 runs inside a scratch netns that plays the host (re-executed under `ip netns exec`).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { BridgeDriver } from "../src/drivers/bridge/driver.js";
import { NoneBackend } from "../src/firewall/none.js";
import { loadNative } from "../src/native/index.js";
import { HandleCache } from "../src/osl/index.js";
import { NetworkService, PluginInterfaces, PluginLoader, PluginServer, RemoteDriver, ServedState } from "../src/plugins/index.js";
import { SqliteStore } from "../src/store/index.js";
import { parsePrefix } from "../src/types/index.js";
import { runDockerRunBench } from "./plugins-docker.js";
import { rerunInScratchNetns } from "./scratch-netns.js";
import { fmtMs, isMain, median, percentile, printTable } from "./stats.js";

const INSIDE = "DNET_PLUGIN_BENCH_INSIDE";
const WARMUP = 100;
const COUNTED = 300;
const TARGET_ADDED_MS = 0.3;
const NET = "plugbenchnet";

type Side = "in-process" | "remote";
interface Samples { join: number[]; leave: number[]; operInfo: number[] }

interface Bench {
  readonly service: NetworkService;
  readonly remote: RemoteDriver;
  readonly close: () => Promise<void>;
}

async function setUp(dir: string): Promise<Bench> {
  const handles = new HandleCache(loadNative());
  const driver = new BridgeDriver({ handles, firewall: new NoneBackend() });
  const store = await SqliteStore.open({ dataDir: join(dir, "data") });
  const service = new NetworkService({ drivers: new Map([["bridge", driver]]), defaultDriver: "bridge", state: new ServedState(store, "bench"), hostNetns: "/proc/self/ns/net" });
  const server = await PluginServer.listen({ name: "dnetbench", socketPath: join(dir, "dnetbench.sock"), services: [{ iface: PluginInterfaces.network, handlers: service.handlers() }] });
  const loader = new PluginLoader({ dir });
  const remote = await loader.driver("dnetbench");
  if (!(remote instanceof RemoteDriver)) throw new Error("the bench plugin was not found");
  await remote.createNetwork({
    networkId: NET, options: new Map(), internal: false, enableIPv6: false, ipv6: [],
    ipv4: [{ addressSpace: "LocalDefault", pool: parsePrefix("10.250.0.0/16"), gateway: parsePrefix("10.250.0.1/16"), auxAddresses: new Map() }],
  });
  return {
    service, remote,
    close: async () => {
      await remote.deleteNetwork(NET).catch(() => {});
      loader.close();
      await server.close();
      await driver.close();
      await store.close();
      handles.closeAll();
    },
  };
}

/** Endpoints made up front (untimed): each join uses a fresh one, as each container does. */
async function endpoints(b: Bench, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `ep${String(i).padStart(6, "0")}${"0".repeat(20)}`;
    const address = parsePrefix(`10.250.${Math.floor((i + 2) / 250)}.${((i + 2) % 250) + 2}/16`);
    await b.remote.createEndpoint({ networkId: NET, endpointId: id, iface: { address }, portBindings: [], options: new Map() });
    ids.push(id);
  }
  return ids;
}

async function once(b: Bench, side: Side, endpointId: string, into: Samples | undefined): Promise<void> {
  const h = b.service.handlers();
  const ref = { NetworkID: NET, EndpointID: endpointId };
  const call = side === "remote"
    ? { join: () => b.remote.join({ networkId: NET, endpointId, sandboxKey: "bench", ifname: "eth0", options: new Map() }),
      // Two requests (the adapter asks EndpointOperInfo again after it), no kernel work.
      revoke: () => b.remote.revokeExternalConnectivity(NET, endpointId), leave: () => b.remote.leave(NET, endpointId) }
    : { join: () => h.Join?.({ ...ref, SandboxKey: "bench", Options: {} }),
      revoke: async () => { await h.RevokeExternalConnectivity?.(ref); await h.EndpointOperInfo?.(ref); }, leave: () => h.Leave?.(ref) };
  const t0 = performance.now();
  await call.join();
  const t1 = performance.now();
  await call.revoke();
  const t2 = performance.now();
  await call.leave();
  const t3 = performance.now();
  into?.join.push(t1 - t0);
  into?.operInfo.push(t2 - t1);
  into?.leave.push(t3 - t2);
}

async function measureInside(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dnet-plugin-bench-"));
  const b = await setUp(dir);
  try {
    const total = WARMUP + COUNTED;
    const ids = { "in-process": await endpoints(b, total), remote: (await endpoints(b, 2 * total)).slice(total) } as Record<Side, string[]>;
    const samples: Record<Side, Samples> = { "in-process": { join: [], leave: [], operInfo: [] }, remote: { join: [], leave: [], operInfo: [] } };
    for (let i = 0; i < total; i++) {
      const order: Side[] = i % 2 === 0 ? ["in-process", "remote"] : ["remote", "in-process"];
      for (const side of order) await once(b, side, ids[side][i] ?? "", i < WARMUP ? undefined : samples[side]);
    }
    report(samples);
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(s: Record<Side, Samples>): void {
  const rows = (["join", "leave", "operInfo"] as const).map((k) => {
    const local = s["in-process"][k];
    const remote = s.remote[k];
    const added = median(remote) - median(local);
    const label = k === "operInfo" ? "RevokeExternalConnectivity + EndpointOperInfo (2 calls, no kernel work)" : k;
    return [label, fmtMs(median(local)), fmtMs(percentile(local, 99)), fmtMs(median(remote)), fmtMs(percentile(remote, 99)),
      fmtMs(added), `${fmtMs(percentile(remote, 99) - percentile(local, 99))}`, k === "join" ? (added <= TARGET_ADDED_MS ? "ok" : "MISSED") : ""];
  });
  printTable(`Plugin protocol overhead (${COUNTED} calls per side after ${WARMUP} warm-up, interleaved; target ≤ ${TARGET_ADDED_MS} ms added to a join)`,
    ["call", "in-process median", "in-process p99", "remote median", "remote p99", "added (median)", "added (p99)", "target"], rows);
}

export async function runPluginBench(): Promise<void> {
  if (process.env[INSIDE] === "1") {
    await measureInside();
    return;
  }
  await rerunInScratchNetns(fileURLToPath(import.meta.url), INSIDE, "dnpb");
  await runDockerRunBench();
}

if (isMain(import.meta.url)) {
  await runPluginBench();
}
