// The veth of a joined endpoint: its host end's name, its creation with the peer born inside the sandbox
// under its final name, and the eviction of a left endpoint's host end still waiting for the reaper.

import { createVeth, findLink, retiredLinkName, setIsolated, setLink, type NetnsHandle, type VethIndexes } from "../../osl/index.js";
import type { RestoreEndpoint } from "../../driver-api/index.js";
import { ipOf, macFromIPv4, randomMac } from "../../types/index.js";
import { TRASH_GROUP } from "./labels.js";
import type { BridgeNetworkState } from "./network.js";
import type { BridgeEndpointState } from "./publish.js";

/**
 * One TX and one RX queue per veth end instead of the kernel's one per possible CPU: only XDP or GRO on
 * the veth would use more, and each queue costs sysfs entries at creation (kernel microbench, 400 pairs,
 * alternating, 2 CPUs: 0.924 / 0.888 / 0.838 of the default's median; more CPUs, more gain).
 */
const VETH_QUEUES = 1;

/** Derived from the endpoint ID, so a restarted driver finds the host end of a joined endpoint. */
export function hostIfnameOf(endpointId: string): string {
  return `veth${endpointId.slice(0, 11)}`;
}

/**
 * A recorded endpoint as the driver knows it after a restart: joined (sandbox and interface name) even
 * when its veth is missing, which `repair` then re-creates; on its host end when that is `present`.
 */
export function restoredEndpoint(ep: RestoreEndpoint, present: ReadonlySet<string>): BridgeEndpointState {
  const mac = ep.iface.macAddress ?? (ep.iface.address === undefined ? randomMac() : macFromIPv4(ipOf(ep.iface.address)));
  const name = hostIfnameOf(ep.endpointId);
  const joined = ep.sandboxKey !== undefined && ep.ifname !== undefined;
  return {
    ...ep, mac, hostIfname: joined && present.has(name) ? name : undefined, hostIndex: undefined, published: new Map(),
    sandboxKey: joined ? ep.sandboxKey : undefined, ifname: joined ? ep.ifname : undefined,
  };
}

/** The host end `hostIfname` on the bridge `master` (one of the network's) and up; the peer `ifname` in `sandbox`, down. */
export async function createEndpointVeth(
  host: NetnsHandle, net: BridgeNetworkState, master: number, hostIfname: string, sandbox: NetnsHandle, ifname: string,
): Promise<VethIndexes | undefined> {
  // No IPv6 on the host end (a bridge port needs no address): its link-local address, DAD, router
  // solicitations and MLD reports were flooded to every port of the network and their work held the kernel's
  // rtnl lock, so each join cost more the more endpoints there were (4,000 sandboxes on one network, library,
  // median of the first / last 400 joins: 2.34 / 7.09 ms with it, 1.94 / 2.06 without, default off for the test).
  const pair = {
    name: hostIfname, up: true, ipv6AddrGenNone: true, master, queues: VETH_QUEUES, ...(net.config.mtu === undefined ? {} : { mtu: net.config.mtu }),
    peer: { name: ifname, netns: sandbox },
  } as const;
  return createVeth(host, pair).catch(async (err: unknown) => {
    // The name may still be held by this endpoint's previous host end, waiting for the reaper.
    if ((err as { code?: string }).code !== "EEXIST" || !(await evictTrashed(host, hostIfname))) throw err;
    return createVeth(host, pair);
  });
}

/**
 * The endpoint's veth on the bridge its port goes on: the network's bridge until it holds `portsPerBridge`
 * ports, then a port bridge (port-bridges.ts), whose ports are isolated from each other when ICC is off (the
 * firewall's ICC rule sees only the network's bridge). The slot is given back when the kernel refuses.
 */
export async function attachEndpoint(
  host: NetnsHandle, net: BridgeNetworkState, endpointId: string, sandbox: NetnsHandle, ifname: string,
): Promise<VethIndexes | undefined> {
  const slot = net.portBridges.take(endpointId);
  const hostIfname = hostIfnameOf(endpointId);
  try {
    const master = await net.portBridges.masterIndex(host, net.bridgeIndex, slot);
    const created = await createEndpointVeth(host, net, master, hostIfname, sandbox, ifname);
    if (slot > 0 && !net.config.icc) await setIsolated(host, created?.index ?? hostIfname, true);
    return created;
  } catch (err) {
    net.portBridges.release(endpointId);
    throw err;
  }
}

/**
 * Renames a left endpoint's host end still waiting for the reaper; false when `name` is taken by a link
 * that is not such a one. True as well when the link is gone meanwhile: the reaper deletes off-thread.
 */
async function evictTrashed(host: NetnsHandle, name: string): Promise<boolean> {
  const link = await findLink(host, name);
  if (link === undefined) return true;
  if (link.group !== TRASH_GROUP) return false;
  // Down first: kernels before 6.x refuse to rename a link that is up (EBUSY). A rare path.
  await setLink(host, link.index, { up: false, name: retiredLinkName() }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "ENODEV") throw err;
  });
  return true;
}
