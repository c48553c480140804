// Interface names, checked before they reach the kernel (IFNAMSIZ and the kernel's dev_valid_name rules).

import { invalidArgument } from "../errors/index.js";

export const IFNAME_MAX_BYTES = 15;

/** Why `name` cannot be an interface name, or undefined when it can. */
export function ifnameProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (Buffer.byteLength(name, "utf8") > IFNAME_MAX_BYTES) return `it is longer than ${IFNAME_MAX_BYTES} bytes`;
  if (name === "." || name === "..") return "it is a path component";
  if (/[/\s"'`\\:]/.test(name) || /[\x00-\x1f\x7f]/.test(name)) {
    return "it contains '/', ':', whitespace, quotes, backslashes or control characters";
  }
  return undefined;
}

export function validateIfname(name: string): string {
  const problem = ifnameProblem(name);
  if (problem !== undefined) {
    throw invalidArgument("ERR_INVALID_IFNAME", `invalid interface name ${JSON.stringify(name)}: ${problem}`);
  }
  return name;
}

/**
 * Port bridges (a bridge network's extra bridges, each joined to the network's bridge by a veth trunk,
 * so a network can hold more endpoints than one bridge's 1,024 ports) are named with this prefix. They
 * carry no address; the firewall leaves what is bridged on them untracked (firewall/rules.ts) and, with Docker's
 * FORWARD policy, accepts it (firewall/iptables-compat.ts).
 */
export const PORT_BRIDGE_PREFIX = "dnpb";

/** The name prefix of one network's port bridges (also matched as a wildcard by iptables). */
export function portBridgePrefix(networkId: string): string {
  return `${PORT_BRIDGE_PREFIX}${networkId.slice(0, 9)}`;
}
