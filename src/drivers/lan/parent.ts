// The parent link of a macvlan or ipvlan network (`-o parent=`), read from the option before anything
// is looked up: a link to use as it is, an 802.1Q sub-interface NAME.VID (made when missing), or a dummy
// (no parent, or --internal: sandboxes of the network then reach only each other).

import { invalidArgument } from "../../errors/index.js";
import { VLAN_ID_MAX, VLAN_ID_MIN } from "../../osl/index.js";
import { ifnameProblem } from "../../types/index.js";

export type ParentSpec =
  /** A named link; `vlan` when the name reads NAME.VID (created as a VLAN of NAME if it does not exist). */
  | { readonly kind: "named"; readonly name: string; readonly vlan: VlanName | undefined }
  /** A dummy link dnet makes for the network (Docker's `dm-<id>` / `di-<id>`). */
  | { readonly kind: "dummy"; readonly name: string };

/** What NAME.VID says; `problem` when VID is not a VLAN id (only an error if no such link exists). */
export type VlanName = { readonly base: string; readonly vlanId: number } | { readonly problem: string };

/** Docker's name for the dummy parent of a network: prefix + the network ID's first 12 characters. */
export function dummyParentName(prefix: string, networkId: string): string {
  return `${prefix}${networkId.slice(0, 12)}`;
}

function vlanOf(name: string): VlanName | undefined {
  const m = /^(.+)\.([0-9]+)$/.exec(name);
  if (m === null) return undefined;
  const vlanId = Number(m[2]);
  if (!Number.isSafeInteger(vlanId) || vlanId < VLAN_ID_MIN || vlanId > VLAN_ID_MAX) {
    return { problem: `vlan id must be between ${VLAN_ID_MIN}-${VLAN_ID_MAX}, received: ${m[2] ?? ""}` };
  }
  return { base: m[1] as string, vlanId };
}

/**
 * The parent the options ask for. `value` undefined (no `parent` option) or an internal network: a dummy,
 * as in Docker (an internal network ignores its parent). An empty value is refused rather than read as
 * "none": `-o parent=` with nothing after it is a mistake more often than a wish for an isolated network.
 */
export function parseParent(option: string, value: string | undefined, internal: boolean, dummyName: string): ParentSpec {
  if (internal || value === undefined) return { kind: "dummy", name: dummyName };
  if (value === "") throw invalidArgument("ERR_INVALID_PARENT", `-o ${option}= needs an interface name (leave the option out for a network without a parent)`);
  const problem = ifnameProblem(value);
  if (problem !== undefined) throw invalidArgument("ERR_INVALID_PARENT", `invalid -o ${option}=${JSON.stringify(value)}: ${problem}`);
  const vlan = vlanOf(value);
  if (vlan !== undefined && "base" in vlan && ifnameProblem(vlan.base) !== undefined) {
    throw invalidArgument("ERR_INVALID_PARENT", `invalid -o ${option}=${JSON.stringify(value)}: no interface name before the VLAN id`);
  }
  return { kind: "named", name: value, vlan };
}

/** A parent name marks a network of its own (a VLAN sub-interface or a dummy): no other network may use it. */
export function isExclusive(p: ParentSpec): boolean {
  return p.kind === "dummy" || p.vlan !== undefined;
}
