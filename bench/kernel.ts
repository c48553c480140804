// Kernel-layer benchmark: 200 endpoints (veth with its peer in a fresh netns + address + both ends up),
// set up and torn down by dnet's osl layer and by executing `ip`, interleaved in one run.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { loadNative } from "../src/native/index.js";
import { addAddressRequest } from "../src/osl/addr.js";
import { HandleCache, type NetnsHandle } from "../src/osl/handle.js";
import { createVeth } from "../src/osl/link-create.js";
import { deleteLinksByGroup, linkIndex, listLinks, setLinkRequest } from "../src/osl/link.js";
import {
  IFF_UP, NLM_F_CREATE, NLM_F_EXCL, RTM_GETLINK, RTM_NEWLINK, decodeLinkMessage, encodeLinkMessage,
} from "../src/netlink/index.js";
import { NetnsDirectory } from "../src/osl/namespace.js";
import { formatIp, type IpPrefix } from "../src/types/index.js";
import { fmtMs, isMain, median, printTable } from "./stats.js";

const exec = promisify(execFile);
const ENDPOINTS = 200;
const ROUNDS = 3;

interface RoundResult { readonly setup: number[]; readonly teardownTotal: number }

function endpointAddress(i: number): IpPrefix {
  // One /30 per endpoint inside 10.213.0.0/16; only ever configured inside the scratch netns.
  return { family: 4, address: (10n << 24n) | (213n << 16n) | BigInt(i * 4 + 1), length: 30 };
}

/** Waits until none of `names` exists in the host netns (netns teardown finishes asynchronously). */
async function waitGone(host: NetnsHandle, prefix: string): Promise<void> {
  for (;;) {
    const links = await listLinks(host);
    if (!links.some((l) => l.name.startsWith(prefix))) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function oursRound(dir: NetnsDirectory, cache: HandleCache, tag: string): Promise<RoundResult> {
  const nsName = `dnetbench-${tag}`;
  const path = dir.create(nsName);
  const host = cache.host();
  const ns = cache.get(path);
  const setup: number[] = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const t0 = performance.now();
    const peer = `p${i}`;
    // The kernel's echo of the creation gives the peer's index (what the bridge driver uses), else a lookup.
    const created = await createVeth(host, { name: `bk${tag}${i}`, up: true, peer: { name: peer, netns: ns } });
    const index = created?.peerIndex ?? await linkIndex(ns, peer);
    await ns.route.batchOrThrow([addAddressRequest(index, { link: index, address: endpointAddress(i) }), await setLinkRequest(ns, index, { up: true })]);
    setup.push(performance.now() - t0);
  }
  const t0 = performance.now();
  cache.release(path);
  dir.delete(nsName);
  await waitGone(host, `bk${tag}`);
  return { setup, teardownTotal: performance.now() - t0 };
}

/** The same endpoints set up with three sendmsg calls for all 200 (creates, one dump, addresses + up). */
async function oursBatchedRound(dir: NetnsDirectory, cache: HandleCache, tag: string): Promise<RoundResult> {
  const nsName = `dnetbench-${tag}`;
  const path = dir.create(nsName);
  const host = cache.host();
  const ns = cache.get(path);
  const t0 = performance.now();
  await host.route.batchOrThrow(Array.from({ length: ENDPOINTS }, (_, i) => ({
    type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, describe: `create veth bk${tag}${i}`,
    payload: encodeLinkMessage({ ifi: { flags: IFF_UP, change: IFF_UP }, attrs: { ifname: `bk${tag}${i}`, group: GROUP,
      linkinfo: { kind: "veth", data: { peer: { attrs: { ifname: `p${i}`, netNsFd: ns.nsFd } } } } } }),
  })));
  const dump = await ns.route.request({ type: RTM_GETLINK, dump: true, payload: encodeLinkMessage({ attrs: {} }), describe: "dump" });
  const indexOf = new Map(dump.map((m) => decodeLinkMessage(m.payload)).map((l) => [l.attrs.ifname, l.ifi.index]));
  const requests = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const index = indexOf.get(`p${i}`) ?? 0;
    requests.push(addAddressRequest(index, { link: index, address: endpointAddress(i) }), await setLinkRequest(ns, index, { up: true }));
  }
  await ns.route.batchOrThrow(requests);
  const perEndpoint = (performance.now() - t0) / ENDPOINTS;
  const t1 = performance.now();
  // Host ends deleted by group in one kernel batch, then the netns.
  await deleteLinksByGroup(host, GROUP);
  cache.release(path);
  dir.delete(nsName);
  return { setup: Array.from({ length: ENDPOINTS }, () => perEndpoint), teardownTotal: performance.now() - t1 };
}

const GROUP = 4213;

/** Docker's way through `ip`: create in the host netns, then move the peer (5 execs). */
async function execMoveRound(host: NetnsHandle, tag: string): Promise<RoundResult> {
  return execRound(host, tag, async (ns, i, cidr) => {
    await exec("ip", ["link", "add", `bk${tag}${i}`, "type", "veth", "peer", "name", `p${i}`]);
    await exec("ip", ["link", "set", `p${i}`, "netns", ns]);
    await exec("ip", ["-n", ns, "addr", "add", cidr, "dev", `p${i}`]);
    await exec("ip", ["-n", ns, "link", "set", `p${i}`, "up"]);
    await exec("ip", ["link", "set", `bk${tag}${i}`, "up"]);
  });
}

/** The best `ip` can do per endpoint: peer born in the netns (3 execs). */
async function execBornRound(host: NetnsHandle, tag: string): Promise<RoundResult> {
  return execRound(host, tag, async (ns, i, cidr) => {
    await exec("ip", ["link", "add", `bk${tag}${i}`, "up", "type", "veth", "peer", "name", `p${i}`, "netns", ns]);
    await exec("ip", ["-n", ns, "addr", "add", cidr, "dev", `p${i}`]);
    await exec("ip", ["-n", ns, "link", "set", `p${i}`, "up"]);
  });
}

type ExecEndpoint = (ns: string, i: number, cidr: string) => Promise<void>;

async function execRound(host: NetnsHandle, tag: string, endpoint: ExecEndpoint): Promise<RoundResult> {
  const ns = `dnetbench-${tag}`;
  await exec("ip", ["netns", "add", ns]);
  const setup: number[] = [];
  let teardownTotal = Number.NaN;
  try {
    for (let i = 0; i < ENDPOINTS; i++) {
      const t0 = performance.now();
      const a = endpointAddress(i);
      await endpoint(ns, i, `${formatIp({ family: 4, value: a.address })}/30`);
      setup.push(performance.now() - t0);
    }
  } finally {
    const t0 = performance.now();
    await exec("ip", ["netns", "del", ns]);
    await waitGone(host, `bk${tag}`);
    teardownTotal = performance.now() - t0;
  }
  return { setup, teardownTotal };
}

export async function runKernelBench(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log("\n### kernel: skipped (needs root to create namespaces and links)");
    return;
  }
  const native = loadNative();
  const dir = new NetnsDirectory(native);
  const cache = new HandleCache(native);
  const results: Results = { ours: [], batched: [], born: [], move: [] };
  const tag = (): string => randomBytes(2).toString("hex");
  try {
    const host = cache.host();
    for (let r = 0; r < ROUNDS; r++) {
      // Interleaved (A B C D A B C D …) so machine noise hits every variant alike.
      results.ours.push(await oursRound(dir, cache, tag()));
      results.born.push(await execBornRound(host, tag()));
      results.batched.push(await oursBatchedRound(dir, cache, tag()));
      results.move.push(await execMoveRound(host, tag()));
    }
  } finally {
    cache.closeAll();
  }
  report(results);
}

interface Results { ours: RoundResult[]; batched: RoundResult[]; born: RoundResult[]; move: RoundResult[] }

function report(r: Results): void {
  const setup = (rs: RoundResult[]): number => median(rs.flatMap((x) => x.setup));
  const down = (rs: RoundResult[]): number => median(rs.map((x) => x.teardownTotal / ENDPOINTS));
  const ours = setup(r.ours);
  const row = (name: string, rs: RoundResult[]): string[] => {
    const v = setup(rs);
    return [name, fmtMs(v), `${(v / ours).toFixed(1)}×`, fmtMs(down(rs))];
  };
  printTable(
    `kernel: ${ENDPOINTS} endpoints (veth, peer in a fresh netns, address, both ends up), medians of ${ROUNDS} interleaved rounds`,
    ["variant", "setup, median per endpoint", "vs dnet per endpoint", "teardown per endpoint (netns delete, links gone)"],
    [
      row("dnet osl, one endpoint at a time (what the controller does)", r.ours),
      row("dnet osl, 200 batched in 3 sendmsg", r.batched),
      row("exec `ip` ×3, peer born in the netns", r.born),
      row("exec `ip` ×5, create then move (libnetwork's way)", r.move),
    ],
  );
  const vsBorn = setup(r.born) / ours;
  const vsMove = setup(r.move) / ours;
  console.log(`\ntarget: setup ≤ 1 ms per endpoint → ${fmtMs(ours)} ${ours <= 1 ? "ok" : "MISSED"}; ` +
    `≥ 20× faster than exec → ${vsBorn.toFixed(1)}× vs the 3-exec variant, ${vsMove.toFixed(1)}× vs the 5-exec variant`);
}

if (isMain(import.meta.url)) await runKernelBench();
