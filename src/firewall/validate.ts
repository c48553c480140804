// Validation of everything that reaches a ruleset: ids, bridge names, addresses, ports (typed errors).

import { conflict, invalidArgument } from "../errors/index.js";
import {
  formatIp, formatPrefix, ifnameProblem, prefixContainsIp, prefixNetwork, prefixesOverlap,
  type IpAddress, type IpFamily, type IpPrefix,
} from "../types/index.js";
import { PORT_PROTOS, type FirewallNetwork, type PortMapping, type PortPin } from "./contract.js";

const ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;
// Stricter than the kernel: names land in nft strings and iptables arguments, where `*` and `+` are
// wildcards and quotes, braces, commas and `$` have meaning.
const BRIDGE_RE = /^[A-Za-z0-9_.@-]+$/;

export function validateId(id: string, what: "network" | "endpoint"): string {
  if (typeof id !== "string" || !ID_RE.test(id)) {
    throw invalidArgument("ERR_FIREWALL_INVALID_ID", `invalid ${what} id ${JSON.stringify(id)}: use 1-128 of [A-Za-z0-9_.-]`);
  }
  return id;
}

export function validateBridgeName(name: string): string {
  const problem = typeof name !== "string" ? "it is not a string"
    : ifnameProblem(name) ?? (BRIDGE_RE.test(name) ? undefined : "only [A-Za-z0-9_.@-] may reach a firewall rule");
  if (problem !== undefined) {
    throw invalidArgument("ERR_FIREWALL_INVALID_BRIDGE", `invalid bridge name ${JSON.stringify(name)}: ${problem}`);
  }
  return name;
}

function isIp(ip: unknown): ip is IpAddress {
  if (typeof ip !== "object" || ip === null) return false;
  const { family, value } = ip as IpAddress;
  if ((family !== 4 && family !== 6) || typeof value !== "bigint") return false;
  return value >= 0n && value < (family === 4 ? 1n << 32n : 1n << 128n);
}

function checkIp(ip: unknown, what: string, family?: IpFamily): IpAddress {
  if (!isIp(ip)) throw invalidArgument("ERR_FIREWALL_INVALID_IP", `invalid ${what}: not an IP address`);
  if (family !== undefined && ip.family !== family) {
    throw invalidArgument("ERR_FIREWALL_INVALID_IP", `invalid ${what} ${formatIp(ip)}: expected an IPv${family} address`);
  }
  return Object.freeze({ family: ip.family, value: ip.value });
}

function checkSubnets(list: unknown, family: IpFamily, what: string): readonly IpPrefix[] {
  if (!Array.isArray(list)) throw invalidArgument("ERR_FIREWALL_INVALID_SUBNET", `${what} must be a list`);
  return Object.freeze(list.map((p: unknown) => {
    const ok = typeof p === "object" && p !== null && isIp({ family: (p as IpPrefix).family, value: (p as IpPrefix).address }) &&
      Number.isInteger((p as IpPrefix).length) && (p as IpPrefix).length >= 0 &&
      (p as IpPrefix).length <= ((p as IpPrefix).family === 4 ? 32 : 128);
    if (!ok) throw invalidArgument("ERR_FIREWALL_INVALID_SUBNET", `invalid entry in ${what}: not a prefix`);
    const prefix = p as IpPrefix;
    if (prefix.family !== family) {
      throw invalidArgument("ERR_FIREWALL_INVALID_SUBNET", `${what} holds ${formatPrefix(prefix)}, not an IPv${family} subnet`);
    }
    return Object.freeze(prefixNetwork(prefix));
  }));
}

function isUnspecified(ip: IpAddress): boolean {
  return ip.value === 0n;
}

/** A checked, frozen copy with subnets reduced to their network address. */
export function validateNetwork(net: FirewallNetwork): FirewallNetwork {
  if (typeof net !== "object" || net === null) throw invalidArgument("ERR_FIREWALL_INVALID_NETWORK", "network must be an object");
  for (const flag of ["internal", "icc", "masquerade"] as const) {
    if (typeof net[flag] !== "boolean") {
      throw invalidArgument("ERR_FIREWALL_INVALID_NETWORK", `network ${String(net.id)}: ${flag} must be a boolean`);
    }
  }
  const out: { -readonly [K in keyof FirewallNetwork]: FirewallNetwork[K] } = {
    id: validateId(net.id, "network"),
    bridge: validateBridgeName(net.bridge),
    subnets4: checkSubnets(net.subnets4, 4, "subnets4"),
    subnets6: checkSubnets(net.subnets6, 6, "subnets6"),
    internal: net.internal,
    icc: net.icc,
    masquerade: net.masquerade,
  };
  if (net.snatSource !== undefined) {
    const snat = checkIp(net.snatSource, "snatSource");
    if (isUnspecified(snat)) throw invalidArgument("ERR_FIREWALL_INVALID_IP", "invalid snatSource: unspecified address");
    out.snatSource = snat;
  }
  if (net.hostBindingIp !== undefined) out.hostBindingIp = checkIp(net.hostBindingIp, "hostBindingIp");
  return Object.freeze(out);
}

function checkPort(n: unknown, what: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw invalidArgument("ERR_FIREWALL_INVALID_PORT", `invalid ${what} ${String(n)}: expected 1-65535`);
  }
  return n;
}

/** A checked mapping of `net`, with the host address resolved: undefined hostIp = every local address. */
export function validateMapping(net: FirewallNetwork, m: PortMapping): PortMapping {
  if (typeof m !== "object" || m === null) throw invalidArgument("ERR_FIREWALL_INVALID_MAPPING", "port mapping must be an object");
  if (!PORT_PROTOS.includes(m.proto)) {
    throw invalidArgument("ERR_FIREWALL_INVALID_MAPPING", `invalid protocol ${JSON.stringify(m.proto)}: expected tcp, udp or sctp`);
  }
  const hostPort = checkPort(m.hostPort, "host port");
  const hostPortEnd = checkPort(m.hostPortEnd, "last host port");
  const containerPort = checkPort(m.containerPort, "container port");
  if (hostPortEnd < hostPort) {
    throw invalidArgument("ERR_FIREWALL_INVALID_PORT", `invalid host port range ${hostPort}-${hostPortEnd}`);
  }
  checkPort(containerPort + (hostPortEnd - hostPort), "last container port");
  const containerIp = checkIp(m.containerIp, "container address");
  const subnets = containerIp.family === 4 ? net.subnets4 : net.subnets6;
  if (!subnets.some((s) => prefixContainsIp(s, containerIp))) {
    throw invalidArgument("ERR_FIREWALL_INVALID_MAPPING",
      `container address ${formatIp(containerIp)} is not in a subnet of network ${net.id}`);
  }
  let hostIp = m.hostIp === undefined ? undefined : checkIp(m.hostIp, "host address", containerIp.family);
  if (hostIp === undefined && net.hostBindingIp?.family === containerIp.family) hostIp = net.hostBindingIp;
  const out: { -readonly [K in keyof PortMapping]: PortMapping[K] } = {
    proto: m.proto, hostPort, hostPortEnd, containerIp, containerPort,
  };
  if (hostIp !== undefined && !isUnspecified(hostIp)) out.hostIp = hostIp;
  return Object.freeze(out);
}

/** A new network must not share a bridge or overlap a subnet with one already programmed (conflict errors). */
export function checkConflicts(net: FirewallNetwork, others: readonly FirewallNetwork[]): void {
  const overlap = (a: readonly IpPrefix[], b: readonly IpPrefix[]): IpPrefix | undefined =>
    a.find((x) => b.some((y) => prefixesOverlap(x, y)));
  for (const other of others) {
    if (other.bridge === net.bridge) {
      throw conflict("ERR_FIREWALL_BRIDGE_IN_USE", `bridge ${net.bridge} already belongs to network ${other.id}`);
    }
    const hit = overlap(net.subnets4, other.subnets4) ?? overlap(net.subnets6, other.subnets6);
    if (hit !== undefined) {
      throw conflict("ERR_FIREWALL_SUBNET_OVERLAP", `subnet ${formatPrefix(hit)} overlaps a subnet of network ${other.id}`);
    }
  }
}

export function sameMapping(a: PortMapping, b: PortMapping): boolean {
  return a.proto === b.proto && a.hostPort === b.hostPort && a.hostPortEnd === b.hostPortEnd &&
    a.containerPort === b.containerPort && a.containerIp.family === b.containerIp.family &&
    a.containerIp.value === b.containerIp.value && a.hostIp?.family === b.hostIp?.family && a.hostIp?.value === b.hostIp?.value;
}

export function sameNetwork(a: FirewallNetwork, b: FirewallNetwork): boolean {
  const ip = (x?: IpAddress): string => (x === undefined ? "" : formatIp(x));
  const nets = (x: readonly IpPrefix[]): string => x.map(formatPrefix).join(",");
  return a.id === b.id && a.bridge === b.bridge && a.internal === b.internal && a.icc === b.icc &&
    a.masquerade === b.masquerade && nets(a.subnets4) === nets(b.subnets4) && nets(a.subnets6) === nets(b.subnets6) &&
    ip(a.snatSource) === ip(b.snatSource) && ip(a.hostBindingIp) === ip(b.hostBindingIp);
}

/** A pin's port name, MAC and addresses, checked before they reach a ruleset. */
export function validatePin(pin: PortPin): PortPin {
  const mac = typeof pin.mac === "string" ? pin.mac.toLowerCase() : "";
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) throw invalidArgument("ERR_FIREWALL_INVALID_MAC", `invalid MAC address ${JSON.stringify(pin.mac)}`);
  if (!Array.isArray(pin.addresses) || !pin.addresses.every(isIp)) throw invalidArgument("ERR_FIREWALL_INVALID_IP", "a pin's addresses must be IP addresses");
  return { port: validateBridgeName(pin.port), mac, addresses: [...pin.addresses] };
}

export function samePin(a: PortPin, b: PortPin): boolean {
  return a.port === b.port && a.mac === b.mac && a.addresses.length === b.addresses.length &&
    a.addresses.every((x, i) => x.family === b.addresses[i]?.family && x.value === b.addresses[i]?.value);
}
