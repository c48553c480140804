// What a lost or emptied database leaves in the kernel: bridges of ours (their IFLA_GROUP says so) and
// veths of our naming (on such a bridge, or on none) and port bridge trunks that no recorded network or endpoint names. Only
// for a controller that owns its namespace alone (the daemon holds its lock): another controller's
// objects there would look the same. Within one process, every bridge driver instance (the controller's
// and a served plugin's, which has records of its own) tells what it holds through LinkOwners.

import { deleteLink, listAddresses, listLinks, type NetnsHandle } from "../../osl/index.js";
import { formatPrefix } from "../../types/index.js";
import { OWNED_BRIDGE_GROUP } from "./labels.js";
import { TRUNK_PREFIX } from "./port-bridges.js";

const OUR_VETH = /^veth[0-9a-f]{11}$/;


/** Names of the bridges and host-side veths a bridge driver instance holds. */
export interface OwnedLinks {
  readonly bridges: ReadonlySet<string>;
  readonly veths: ReadonlySet<string>;
}

/** The bridge driver instances of one process: what one of them reclaims must not be another's. */
export class LinkOwners {
  readonly #owners = new Set<() => OwnedLinks>();

  add(owned: () => OwnedLinks): void {
    this.#owners.add(owned);
  }

  /** Everything any of them holds now. */
  all(): OwnedLinks {
    const bridges = new Set<string>();
    const veths = new Set<string>();
    for (const owned of this.#owners) {
      const o = owned();
      for (const b of o.bridges) bridges.add(b);
      for (const v of o.veths) veths.add(v);
    }
    return { bridges, veths };
  }
}

/** Deletes them; one line per object removed ("bridge br-… (10.0.0.1/24)", "veth vethab… on br-…"). */
export async function reclaimUnrecorded(host: NetnsHandle, bridges: ReadonlySet<string>, veths: ReadonlySet<string>): Promise<string[]> {
  const links = await listLinks(host);
  const ours = new Map(links.filter((l) => l.kind === "bridge" && l.group === OWNED_BRIDGE_GROUP).map((l) => [l.index, l.name]));
  const out: string[] = [];
  const remove = async (index: number): Promise<void> => {
    await deleteLink(host, index).catch((err: unknown) => {
      if ((err as { code?: string }).code !== "ENODEV") throw err; // gone with its peer meanwhile
    });
  };
  for (const l of links) {
    if (l.kind === "veth" && l.group === OWNED_BRIDGE_GROUP && l.name.startsWith(TRUNK_PREFIX) && !veths.has(l.name)) {
      await remove(l.index); // a port bridge's trunk (its other end goes with it)
      out.push(`trunk ${l.name}`);
      continue;
    }
    if (l.kind !== "veth" || !OUR_VETH.test(l.name) || veths.has(l.name)) continue;
    if (l.master !== undefined && !ours.has(l.master)) continue; // on a bridge that is not ours
    await remove(l.index);
    out.push(`veth ${l.name}${l.master === undefined ? "" : ` on ${ours.get(l.master) ?? ""}`}`);
  }
  for (const [index, name] of ours) {
    if (bridges.has(name)) continue;
    const addresses = (await listAddresses(host, { link: index })).map((a) => formatPrefix(a.address));
    await remove(index);
    out.push(`bridge ${name}${addresses.length === 0 ? "" : ` (${addresses.join(", ")})`}`);
  }
  return out;
}
