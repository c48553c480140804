// A sandbox's netns handle, and retiring an interface from a sandbox's view.

import { retiredLinkName, setLink, type NetnsHandle } from "../osl/index.js";
import type { ControllerContext } from "./context.js";
import type { SandboxRecord } from "./records.js";

const IPV6_DEFAULT_KEY = "net/ipv6/conf/default/disable_ipv6";

export function sandboxHandle(ctx: ControllerContext, sb: SandboxRecord): NetnsHandle {
  return sb.hostNetns ? ctx.handles.host() : ctx.handles.get(sb.key);
}

/**
 * The interface named `ifname` (or with that index) in the sandbox, if it is still there: down (it carries no traffic; a veth's
 * host end loses its carrier) and renamed out of the way, in one message. Its driver destroys it later,
 * off the request path.
 */
export async function retireInterface(ctx: ControllerContext, sb: SandboxRecord, ifname: string | number): Promise<void> {
  if (sb.hostNetns) return;
  await setLink(sandboxHandle(ctx, sb), ifname, { up: false, name: retiredLinkName() }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== "ENODEV") throw err; // already destroyed by the driver
  });
}

/**
 * A new sandbox netns: interfaces born in it have IPv6 off. Most networks are IPv4-only, and writing this
 * once here spares every join of them a sysctl write (0.09 ms median, 0.24 mean: the kernel restarts it
 * while another rtnl user holds the lock). A netns without IPv6 support has nothing to turn off.
 */
export function writeIPv6Default(h: NetnsHandle): void {
  ignoringMissingIPv6(() => h.writeSysctl(IPV6_DEFAULT_KEY, "1"));
}

/**
 * IPv6 on a joined interface exactly when its endpoint has an IPv6 address (as newer Docker does: an
 * IPv4-only interface shows no NDP or MLD). Written while the interface is still down, so it never starts:
 * otherwise every new interface's DAD, MLD reports and router solicitations reach every port of the
 * bridge, and with 1,000 sandboxes on one network each attach took ~3× longer than the first ones.
 */
export function setInterfaceIPv6(ctx: ControllerContext, sb: SandboxRecord, ifname: string, enabled: boolean): void {
  if (ipv6AsBorn(sb, enabled)) return;
  ignoringMissingIPv6(() => sandboxHandle(ctx, sb).writeSysctl(`net/ipv6/conf/${ifname}/disable_ipv6`, enabled ? "0" : "1"));
}

/** True when a new interface in the sandbox is born with IPv6 as wanted (a netns of ours: off; others: their default, on). */
export function ipv6AsBorn(sb: SandboxRecord, enabled: boolean): boolean {
  return sb.hostNetns || enabled !== (sb.ipv6DefaultOff === true);
}

function ignoringMissingIPv6(write: () => void): void {
  try {
    write();
  } catch (err) {
    if ((err as { code?: string }).code !== "ERR_SYSCTL_NOT_FOUND") throw err;
  }
}
