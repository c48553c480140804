// A joined interface inside a sandbox: moved in from the host when a driver made it there, then
// configured — MAC, addresses, routes, up — in one batch (one sendmsg, one round of answers).

import { IFF_UP, RTM_NEWLINK, type NetlinkRequest } from "../netlink/index.js";
import type { IpAddress, IpPrefix } from "../types/index.js";
import { addAddressRequest } from "./addr.js";
import type { NetnsHandle } from "./handle.js";
import { linkIndex, linkRequest, setLink } from "./link.js";
import { addRouteRequest } from "./route.js";

export interface InterfaceRoute {
  readonly destination: IpPrefix;
  /** Absent: the destination is on the link. */
  readonly nextHop?: IpAddress;
}

export interface InterfaceConfig {
  readonly mac?: string;
  /** Added as they are; IPv6 ones without duplicate address detection, so they work at once. */
  readonly addresses: readonly IpPrefix[];
  readonly routes: readonly InterfaceRoute[];
  /** Next hops of default routes through this interface (replacing any default route of their family). */
  readonly defaultGateways: readonly IpAddress[];
}

/**
 * Configures the interface `name` of the netns `h` and brings it up; resolves to its index. Addresses go
 * before the link comes up and routes after it, in the order the kernel needs them, all in one batch.
 */
export async function configureInterface(h: NetnsHandle, name: string, config: InterfaceConfig): Promise<number> {
  const index = await linkIndex(h, name);
  const requests: NetlinkRequest[] = config.addresses.map((address) => addAddressRequest(index, { link: index, address, nodad: true }));
  requests.push(linkRequest(RTM_NEWLINK, "set link", index, {
    ifi: { index, flags: IFF_UP, change: IFF_UP }, attrs: config.mac === undefined ? {} : { address: config.mac },
  }));
  for (const r of config.routes) {
    requests.push(addRouteRequest(index, { destination: r.destination, link: index, ...(r.nextHop === undefined ? {} : { gateway: r.nextHop }) }));
  }
  for (const gateway of config.defaultGateways) {
    requests.push(addRouteRequest(index, { family: gateway.family, gateway, link: index, replace: true }));
  }
  await h.route.batchOrThrow(requests);
  return index;
}

/**
 * Moves the link `srcName` from `host` into `sandbox` and renames it `ifname` there, in one message (for
 * drivers that can only create interfaces in the host's namespace: the kernel spends ~19 ms on a move).
 */
export async function moveInterface(host: NetnsHandle, srcName: string, sandbox: NetnsHandle, ifname: string): Promise<void> {
  await setLink(host, srcName, { up: false, netns: sandbox, name: ifname });
}
