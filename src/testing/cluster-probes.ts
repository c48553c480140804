// What the multi-host tests look at, read with iproute2, dig and etcdctl (not with our own code): a host's
// overlay neighbour and FDB tables, names its sandboxes resolve, and the endpoints etcd holds.

import type { ClusterBed } from "./cluster-bed.js";
import { sh, type TestDaemon } from "./test-daemon.js";

/** A sandbox a test made on one host and connected to an overlay network. */
export interface PlacedSandbox {
  readonly host: TestDaemon;
  readonly name: string;
  readonly key: string;
  readonly ip: string;
  readonly mac: string;
}

/** Resolves once `check` holds, looking again every 50 ms (no deadline: the test's timeout is the guard). */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Creates sandbox `name` on `host` and connects it to `network`. */
export async function placeSandbox(host: TestDaemon, network: string, name: string): Promise<PlacedSandbox> {
  await host.client.createSandbox({ Name: name });
  await host.client.connect(network, { Container: name });
  const sb = await host.client.inspectSandbox(name);
  const ep = sb.Endpoints.find((e) => e.IPv4Address !== "");
  if (ep === undefined) throw new Error(`sandbox ${name} has no endpoint`);
  return { host, name, key: sb.Key, ip: ep.IPv4Address.replace(/\/\d+$/, ""), mac: ep.MacAddress.toLowerCase() };
}

export async function removeSandbox(p: PlacedSandbox, network: string): Promise<void> {
  await p.host.client.disconnect(network, { Container: p.name });
  await p.host.client.removeSandbox(p.name);
}

export function overlayNetns(host: TestDaemon, networkId: string): string {
  return `${host.tmp}/netns-overlay/ov-${networkId.slice(0, 12)}`;
}

/** The IPs of the permanent neighbour entries on a host's VXLAN device. */
export function neighbourIps(host: TestDaemon, networkId: string): string[] {
  const out = sh("nsenter", [`--net=${overlayNetns(host, networkId)}`, "ip", "-j", "neigh", "show", "dev", "ov-vx0"]);
  return (JSON.parse(out) as Array<{ dst: string }>).map((e) => e.dst);
}

/** "mac dst" for every FDB entry on a host's VXLAN device that tunnels to another host. */
export function fdbTunnels(host: TestDaemon, networkId: string): string[] {
  const out = sh("nsenter", [`--net=${overlayNetns(host, networkId)}`, "bridge", "-j", "fdb", "show", "dev", "ov-vx0"]);
  return (JSON.parse(out) as Array<{ mac: string; dst?: string }>).filter((e) => e.dst !== undefined).map((e) => `${e.mac} ${e.dst}`);
}

/** Whether the peer's address and tunnel are programmed on `host`. */
export function knowsPeer(host: TestDaemon, networkId: string, peer: PlacedSandbox, peerNode: string): boolean {
  return neighbourIps(host, networkId).includes(peer.ip) && fdbTunnels(host, networkId).includes(`${peer.mac} ${peerNode}`);
}

export function pings(from: PlacedSandbox, to: PlacedSandbox): boolean {
  try {
    sh("nsenter", [`--net=${from.key}`, "ping", "-c", "1", "-W", "2", to.ip]);
    return true;
  } catch {
    return false;
  }
}

/** What 127.0.0.11 in `from` answers for `name` ("" when nothing). */
export function resolves(from: PlacedSandbox, name: string): string {
  return sh("nsenter", [`--net=${from.key}`, "dig", "+short", "+time=2", "+tries=1", "@127.0.0.11", name]).trim();
}

/** Keys under `prefix` (below dnet/) in the bed's etcd. */
export function etcdKeys(bed: ClusterBed, prefix: string): string[] {
  const url = bed.etcd?.url.replace("etcd://", "http://");
  if (url === undefined) throw new Error("etcd is not running");
  const out = sh("nsenter", [`--net=/run/netns/${bed.underlay}`, "etcdctl", `--endpoints=${url}`, "get", "--prefix", `dnet/${prefix}`, "--keys-only"]);
  return out.split("\n").filter((l) => l !== "");
}

/** Values under `prefix` (below dnet/) in the bed's etcd, parsed. */
export function etcdValues<T>(bed: ClusterBed, prefix: string): T[] {
  const url = bed.etcd?.url.replace("etcd://", "http://");
  if (url === undefined) throw new Error("etcd is not running");
  const out = sh("nsenter", [`--net=/run/netns/${bed.underlay}`, "etcdctl", `--endpoints=${url}`, "get", "--prefix", `dnet/${prefix}`, "--print-value-only"]);
  return out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as T);
}
