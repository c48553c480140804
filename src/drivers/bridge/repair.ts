// Repairs of what someone deleted or changed behind the driver's back: a bridge (re-created with its
// addresses and sysctls, or set up again, or given back a lost address) and a joined endpoint's veth
// (re-attached to its bridge, or re-created with its peer in the sandbox under its interface name).

import type { LinkChange, Repair, RepairReport } from "../../driver-api/index.js";
import type { FirewallBackend } from "../../firewall/contract.js";
import {
  addAddress, listAddresses, listLinks, setHairpin, setIsolated, setLink, type HandleCache, type Link, type NetnsHandle,
} from "../../osl/index.js";
import { formatIp, formatPrefix, ipOf } from "../../types/index.js";
import type { BridgeNetworkConfig } from "./config.js";
import { TRASH_GROUP } from "./labels.js";
import { samePrefix, setUpBridge, wantedAddresses, type BridgeNetworkState } from "./network.js";
import type { BridgeEndpointState } from "./publish.js";
import { ensurePortBridge, portBridgeNames } from "./port-bridges.js";
import { createEndpointVeth, hostIfnameOf } from "./veth.js";

export interface RepairDeps {
  readonly handles: HandleCache;
  readonly firewall: FirewallBackend;
}

export interface BridgeRepair {
  readonly state: BridgeNetworkState;
  readonly repairs: readonly string[];
}

/** The bridge of `s` as it should be: present, up, with its addresses. A re-created bridge has a new index. */
export async function repairBridge(deps: RepairDeps, s: BridgeNetworkState, link: Link | undefined): Promise<BridgeRepair> {
  const host = deps.handles.host();
  const name = s.config.bridgeName;
  const wanted = wantedAddresses(s.config);
  if (link === undefined) {
    // A bridge the user made is theirs to re-create (its settings are unknown); ours comes back as it was.
    if (!s.createdBridge) throw new Error(`bridge ${name} (not created by dnet) is gone: re-create it`);
    const state = { ...await setUpBridge(host, deps.firewall, s.config), portBridges: s.portBridges };
    return { state, repairs: [`bridge ${name} was missing: re-created${wanted.length === 0 ? "" : ` with ${wanted.map(formatPrefix).join(", ")}`}`] };
  }
  const repairs: string[] = [];
  if (!link.up) {
    await setLink(host, link.index, { up: true });
    repairs.push(`bridge ${name} was down: set up`);
  }
  if (s.createdBridge) {
    const have = (await listAddresses(host, { link: link.index })).map((a) => a.address);
    for (const address of wanted.filter((w) => !have.some((h) => samePrefix(h, w)))) {
      await addAddress(host, { link: link.index, address, replace: true, ...(address.family === 6 ? { nodad: true } : {}) });
      repairs.push(`bridge ${name} lacked ${formatPrefix(address)}: added`);
    }
  }
  return { state: link.index === s.bridgeIndex ? s : { ...s, bridgeIndex: link.index }, repairs };
}

export interface VethRepair {
  readonly ep: BridgeEndpointState;
  readonly message: string | undefined;
  /** The pair was re-created: its sandbox end is new and unconfigured. */
  readonly recreated: boolean;
}

/**
 * A joined endpoint's host end on its bridge and up, or the pair re-created when it is gone (deleting
 * either end of a veth takes the other along). Hairpin mode comes back with the port when its ports are published.
 */
export async function repairVeth(
  deps: RepairDeps, net: BridgeNetworkState, id: string, ep: BridgeEndpointState & { sandboxKey: string; ifname: string }, link: Link | undefined,
): Promise<VethRepair> {
  const host = deps.handles.host();
  const name = hostIfnameOf(id);
  const hairpin = ep.published.size > 0 && !net.config.internal;
  const slot = net.portBridges.slotOf(id) ?? net.portBridges.take(id);
  const master = await net.portBridges.masterIndex(host, net.bridgeIndex, slot);
  if (link === undefined) {
    const created = await createEndpointVeth(host, net, master, name, deps.handles.get(ep.sandboxKey), ep.ifname);
    if (slot > 0 && !net.config.icc) await setIsolated(host, name, true);
    if (hairpin) await setHairpin(host, name, true);
    return { ep: { ...ep, hostIfname: name, hostIndex: created?.index }, message: `veth ${name} was missing: re-created with ${ep.ifname} in its sandbox`, recreated: true };
  }
  const fixed = { ...ep, hostIfname: name, hostIndex: link.index };
  if (link.master === master && link.up) return { ep: fixed, message: undefined, recreated: false };
  await setLink(host, link.index, { master, up: true });
  if (hairpin) await setHairpin(host, link.index, true);
  if (slot > 0 && !net.config.icc) await setIsolated(host, link.index, true);
  const what = link.master !== master ? `detached from its bridge: re-attached` : "down: set up";
  return { ep: fixed, message: `veth ${name} was ${what}`, recreated: false };
}

/** Each port bridge of `net` present, up and on its trunk to the network's bridge (re-created when not). */
export async function repairPortBridges(host: NetnsHandle, net: BridgeNetworkState, links: ReadonlyMap<string, Link>): Promise<string[]> {
  const out: string[] = [];
  for (const slot of net.portBridges.slots()) {
    const n = portBridgeNames(net.config.id, slot);
    const [bridge, trunk, peer] = [links.get(n.bridge), links.get(n.trunk), links.get(n.trunkPeer)];
    const problem = bridge === undefined ? "missing" : !bridge.up ? "down"
      : trunk === undefined || peer === undefined ? "without its trunk"
        : trunk.master !== net.bridgeIndex || peer.master !== bridge.index || !trunk.up || !peer.up ? "cut off from its trunk" : undefined;
    if (problem === undefined) continue;
    net.portBridges.setIndex(slot, await ensurePortBridge(host, net.config, net.bridgeIndex, slot));
    out.push(`port bridge ${n.bridge} was ${problem}: repaired`);
  }
  return out;
}

/** A failure as the report carries it. */
export function failure(networkId: string, endpointId: string | undefined, err: unknown): Repair {
  const message = err instanceof Error ? err.message : String(err);
  return { networkId, ...(endpointId === undefined ? {} : { endpointId }), message };
}


/** What restore says of a bridge it had to re-create. */
export function missingAtStart(networkId: string, config: BridgeNetworkConfig): Repair {
  const wanted = wantedAddresses(config).map((a) => formatIp(ipOf(a)));
  return { networkId, message: `bridge ${config.bridgeName} was missing at start: re-created${wanted.length === 0 ? "" : ` with ${wanted.join(", ")}`}` };
}

/** Whether a link change touches a bridge of ours or a joined endpoint's host end (`attached`: endpoint ID by host end). */
export function changeConcerns(
  change: LinkChange, networks: ReadonlyMap<string, BridgeNetworkState>, endpoints: ReadonlyMap<string, BridgeEndpointState>,
  attached: ReadonlyMap<string, string>,
): boolean {
  if (change.group === TRASH_GROUP) return false;
  const endpointId = attached.get(change.name);
  if (endpointId !== undefined) {
    const net = networks.get(endpoints.get(endpointId)?.networkId ?? "");
    return change.deleted || !change.up || net === undefined || change.master !== net.portBridges.expectedMaster(endpointId, net.bridgeIndex);
  }
  for (const net of networks.values()) {
    const role = net.portBridges.roleOf(change.name);
    if (role === "bridge") return change.deleted || !change.up;
    if (role === "trunk") return change.deleted || !change.up || change.master === undefined;
    if (change.addressRemoved === true) { if (change.index === net.bridgeIndex && net.createdBridge) return true; continue; }
    if (change.name === net.config.bridgeName || change.index === net.bridgeIndex) return change.deleted || !change.up;
  }
  return false;
}

/** Every bridge first (a re-created one has a new index), then every joined endpoint's veth; the maps are updated. */
export async function repairAll(
  deps: RepairDeps, networks: Map<string, BridgeNetworkState>, endpoints: Map<string, BridgeEndpointState>, attached: Map<string, string>,
): Promise<Omit<RepairReport, "reclaimed">> {
  const repairs: Repair[] = [];
  const failures: Repair[] = [];
  const recreated: Array<{ networkId: string; endpointId: string }> = [];
  const host = deps.handles.host();
  let links = new Map((await listLinks(host)).map((l) => [l.name, l]));
  for (const [id, net] of networks) {
    try {
      const r = await repairBridge(deps, net, links.get(net.config.bridgeName));
      networks.set(id, r.state);
      for (const message of r.repairs) repairs.push({ networkId: id, message });
    } catch (err) {
      failures.push(failure(id, undefined, err));
    }
  }
  if (repairs.length > 0) links = new Map((await listLinks(host)).map((l) => [l.name, l]));
  let portRepairs = 0;
  for (const [id, net] of networks) {
    try {
      const messages = await repairPortBridges(host, net, links);
      portRepairs += messages.length;
      for (const message of messages) repairs.push({ networkId: id, message });
    } catch (err) {
      failures.push(failure(id, undefined, err));
    }
  }
  if (portRepairs > 0) links = new Map((await listLinks(host)).map((l) => [l.name, l]));
  for (const [id, ep] of endpoints) {
    const net = networks.get(ep.networkId);
    if (net === undefined || ep.sandboxKey === undefined || ep.ifname === undefined) continue;
    try {
      const r = await repairVeth(deps, net, id, { ...ep, sandboxKey: ep.sandboxKey, ifname: ep.ifname }, links.get(hostIfnameOf(id)));
      endpoints.set(id, r.ep);
      attached.set(hostIfnameOf(id), id);
      if (r.message !== undefined) repairs.push({ networkId: ep.networkId, endpointId: id, message: r.message });
      if (r.recreated) recreated.push({ networkId: ep.networkId, endpointId: id });
    } catch (err) {
      failures.push(failure(ep.networkId, id, err));
    }
  }
  return { repairs, recreated, failures };
}
