// Interface addresses (IPv4 and IPv6): add, delete, list.

import { invalidArgument } from "../errors/index.js";
import {
  AF_INET, AF_INET6, AF_UNSPEC, IFA_F_NODAD, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELADDR, RTM_GETADDR,
  RTM_NEWADDR, decodeAddrMessage, encodeAddrMessage, type NetlinkRequest,
} from "../netlink/index.js";
import {
  familyBits, formatPrefix, prefixLast, type IpAddress, type IpFamily, type IpPrefix,
} from "../types/index.js";
import type { NetnsHandle } from "./handle.js";
import { linkIndex, type LinkRef } from "./link.js";

export interface AddressSpec {
  readonly link: LinkRef;
  /** The address with its prefix length, e.g. 10.0.0.2/24. */
  readonly address: IpPrefix;
  /** IPv6: skip duplicate address detection, so the address is usable at once (what containers want). */
  readonly nodad?: boolean;
  /** Replace an existing identical address instead of failing with EEXIST. */
  readonly replace?: boolean;
}

export interface Address {
  readonly index: number;
  readonly address: IpPrefix;
  readonly scope: number;
  readonly flags: number;
  readonly label: string | undefined;
}

function familyCode(f: IpFamily): number {
  return f === 4 ? AF_INET : AF_INET6;
}

function checkPrefix(p: IpPrefix): void {
  if (!Number.isInteger(p.length) || p.length < 0 || p.length > familyBits(p.family)) {
    throw invalidArgument("ERR_INVALID_CIDR", `invalid prefix length ${p.length} for IPv${p.family}`);
  }
}

/** The RTM_NEWADDR for `spec` given the link's ifindex (IPv4 gets the broadcast address `ip` would set). */
export function addAddressRequest(index: number, spec: AddressSpec): NetlinkRequest {
  const p = spec.address;
  checkPrefix(p);
  const ip: IpAddress = { family: p.family, value: p.address };
  const broadcast = p.family === 4 && p.length < 31 ? { broadcast: { family: 4 as const, value: prefixLast(p) } } : {};
  const flags = spec.nodad === true && p.family === 6 ? IFA_F_NODAD : 0;
  return {
    type: RTM_NEWADDR,
    flags: NLM_F_CREATE | (spec.replace === true ? NLM_F_REPLACE : NLM_F_EXCL),
    payload: encodeAddrMessage({ ifa: { family: familyCode(p.family), prefixlen: p.length, flags, index }, attrs: { local: ip, address: ip, ...broadcast } }),
    describe: `add address ${formatPrefix(p)}`,
  };
}

export async function addAddress(h: NetnsHandle, spec: AddressSpec): Promise<void> {
  await h.route.request(addAddressRequest(await linkIndex(h, spec.link), spec));
}

/** The RTM_DELADDR of `address` on the link `index`. */
export function deleteAddressRequest(index: number, address: IpPrefix): NetlinkRequest {
  checkPrefix(address);
  const ip: IpAddress = { family: address.family, value: address.address };
  return {
    type: RTM_DELADDR,
    payload: encodeAddrMessage({ ifa: { family: familyCode(address.family), prefixlen: address.length, index }, attrs: { local: ip, address: ip } }),
    describe: `delete address ${formatPrefix(address)}`,
  };
}

export async function deleteAddress(h: NetnsHandle, link: LinkRef, address: IpPrefix): Promise<void> {
  checkPrefix(address);
  await h.route.request(deleteAddressRequest(await linkIndex(h, link), address));
}

/** Addresses of the netns, optionally of one link and/or one family. */
export async function listAddresses(h: NetnsHandle, filter: { link?: LinkRef; family?: IpFamily } = {}): Promise<Address[]> {
  const index = filter.link === undefined ? 0 : await linkIndex(h, filter.link);
  const family = filter.family === undefined ? AF_UNSPEC : familyCode(filter.family);
  const replies = await h.route.request({
    type: RTM_GETADDR, dump: true, payload: encodeAddrMessage({ ifa: { family, index }, attrs: {} }), describe: "RTM_GETADDR dump",
  });
  const out: Address[] = [];
  for (const reply of replies) {
    if (reply.type !== RTM_NEWADDR) continue;
    const m = decodeAddrMessage(reply.payload);
    const ip = m.attrs.local ?? m.attrs.address;
    if (ip === undefined || (index !== 0 && m.ifa.index !== index)) continue;
    out.push({
      index: m.ifa.index,
      address: { family: ip.family, address: ip.value, length: m.ifa.prefixlen },
      scope: m.ifa.scope,
      flags: m.attrs.flags ?? m.ifa.flags,
      label: m.attrs.label,
    });
  }
  return out;
}
