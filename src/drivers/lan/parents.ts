// The parent links of macvlan and ipvlan networks, shared by both drivers: which network uses which
// parent, whether networks may share one, and the VLAN sub-interfaces and dummies dnet makes for them
// (marked with DNET_OWNED_GROUP, so a restart still knows it made them) and deletes with the last network.

import { forbidden, invalidArgument, notImplemented } from "../../errors/index.js";
import {
  createDummy, createVlan, deleteLink, DNET_OWNED_GROUP, findLink, isLoopbackLink, type Link, type NetnsHandle,
} from "../../osl/index.js";
import { formatPrefix, prefixesOverlap, type IpPrefix } from "../../types/index.js";
import type { ParentSharing } from "./kind.js";
import { isExclusive, type ParentSpec } from "./parent.js";

/** One network's claim on a parent. */
export interface ParentClaim {
  readonly networkId: string;
  /** The driver of the network (macvlan or ipvlan: the kernel lets one parent carry children of one kind only). */
  readonly driver: string;
  readonly parent: ParentSpec;
  readonly subnets: readonly IpPrefix[];
  /** Addresses by DHCP: the network's subnets are whatever the server hands out. */
  readonly dhcp: boolean;
  readonly sharing: ParentSharing;
}

interface ParentRecord {
  /** dnet made the link (now or before a restart): deleted with the last network on it. */
  readonly owned: boolean;
  readonly users: Map<string, ParentClaim>;
}

function checkLink(option: string, link: Link, what: string): void {
  if (isLoopbackLink(link)) throw invalidArgument("ERR_INVALID_PARENT", `loopback interface is not a valid ${what} parent link (-o ${option}=${link.name})`);
  if (link.kind === "bridge" && link.group === DNET_OWNED_GROUP) {
    throw invalidArgument("ERR_INVALID_PARENT", `-o ${option}=${link.name} is the bridge of a dnet network, not a link to a LAN`);
  }
}

/** Why `claim` may not share its parent with `other`, or undefined when it may. */
function sharingProblem(claim: ParentClaim, other: ParentClaim, name: string): string | undefined {
  if (other.driver !== claim.driver) {
    return `parent interface ${name} is used by ${other.driver} network ${other.networkId}: ${claim.driver} and ${other.driver} networks cannot share a parent`;
  }
  if (isExclusive(claim.parent) || claim.sharing.exclusive === true || other.sharing.exclusive === true) {
    return `network ${other.networkId} is already using parent interface ${name}`;
  }
  if (claim.sharing.mode !== other.sharing.mode) {
    return `network ${other.networkId} uses parent interface ${name} with ${other.sharing.mode ?? "another mode"}: the kernel keeps one mode per parent`;
  }
  if (claim.dhcp && other.dhcp) return `network ${other.networkId} already leases addresses by DHCP on parent interface ${name}`;
  for (const a of claim.subnets) {
    const b = other.subnets.find((s) => prefixesOverlap(a, s));
    if (b !== undefined) return `network ${other.networkId} on parent interface ${name} has an overlapping subnet (${formatPrefix(b)} and ${formatPrefix(a)})`;
  }
  return undefined;
}

/** Parents by link name, across the drivers that share this object. Operations run one at a time. */
export class ParentLinks {
  readonly #records = new Map<string, ParentRecord>();
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Checks the parent (exists or can be made, not loopback, not a dnet bridge, free to share) and makes it
   * when it is a missing VLAN sub-interface or a dummy. `option` and `what` name things in errors.
   */
  claim(host: NetnsHandle, claim: ParentClaim, option: string, what: string): Promise<void> {
    return this.#serial(() => this.#claim(host, claim, option, what));
  }

  /** Drops the network's claim; deletes the parent when dnet made it and no network is left on it. */
  release(host: NetnsHandle, networkId: string): Promise<void> {
    return this.#serial(async () => {
      for (const [name, record] of this.#records) {
        if (!record.users.delete(networkId) || record.users.size > 0) continue;
        this.#records.delete(name);
        if (record.owned && !host.closed) {
          await deleteLink(host, name).catch((err: unknown) => {
            if ((err as { code?: string }).code !== "ENODEV") throw err;
          });
        }
      }
    });
  }

  async #claim(host: NetnsHandle, claim: ParentClaim, option: string, what: string): Promise<void> {
    const name = claim.parent.name;
    const record = this.#records.get(name);
    for (const other of record?.users.values() ?? []) {
      if (other.networkId === claim.networkId) continue;
      const problem = sharingProblem(claim, other, name);
      if (problem !== undefined) throw forbidden("ERR_PARENT_IN_USE", problem);
    }
    const owned = record?.owned ?? await this.#ensureLink(host, claim.parent, option, what);
    const users = record?.users ?? new Map<string, ParentClaim>();
    users.set(claim.networkId, claim);
    this.#records.set(name, { owned, users });
  }

  /** The link exists (checked) or is made; resolves to whether dnet made it. */
  async #ensureLink(host: NetnsHandle, parent: ParentSpec, option: string, what: string): Promise<boolean> {
    const existing = await findLink(host, parent.name);
    if (existing !== undefined) {
      checkLink(option, existing, what);
      return existing.group === DNET_OWNED_GROUP;
    }
    if (parent.kind === "dummy") {
      await kernelMay(createDummy(host, { name: parent.name, group: DNET_OWNED_GROUP, up: true }), "dummy links (CONFIG_DUMMY)", parent.name);
      return true;
    }
    const vlan = parent.vlan;
    if (vlan === undefined) throw invalidArgument("ERR_PARENT_NOT_FOUND", `-o ${option} interface was not found on the host: ${parent.name}`);
    if ("problem" in vlan) throw invalidArgument("ERR_INVALID_PARENT", `-o ${option}=${parent.name}: no such interface, and ${vlan.problem}`);
    const base = await findLink(host, vlan.base);
    if (base === undefined) throw invalidArgument("ERR_PARENT_NOT_FOUND", `-o ${option} interface was not found on the host: ${vlan.base} (for ${parent.name})`);
    checkLink(option, base, what);
    await kernelMay(createVlan(host, { name: parent.name, parent: base.index, vlanId: vlan.vlanId, group: DNET_OWNED_GROUP, up: true }),
      "802.1Q VLAN links (CONFIG_VLAN_8021Q)", parent.name);
    return true;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** A kernel without the link kind answers EOPNOTSUPP ("Unknown device type"): say which module is missing. */
async function kernelMay(create: Promise<void>, kind: string, name: string): Promise<void> {
  try {
    await create;
  } catch (err) {
    if ((err as { code?: string }).code !== "EOPNOTSUPP") throw err;
    throw notImplemented("ERR_KERNEL_LINK_KIND", `cannot create ${name}: this kernel has no ${kind}`, err);
  }
}
