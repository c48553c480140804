// A bridge network's options, parsed once into frozen typed config; errors name the label (Docker's text).

import type { CreateNetworkRequest } from "../../driver-api/index.js";
import { forbidden, invalidArgument } from "../../errors/index.js";
import {
  ifnameProblem, ipOf, tryParseIp, type IpAddress, type IpPrefix,
} from "../../types/index.js";
import { BridgeLabels, PIN_PORTS_DEFAULT, PORTS_PER_BRIDGE_DEFAULT, PORTS_PER_BRIDGE_MAX } from "./labels.js";

export interface BridgeNetworkConfig {
  readonly id: string;
  readonly bridgeName: string;
  readonly icc: boolean;
  readonly masquerade: boolean;
  readonly inhibitIpv4: boolean;
  readonly hostBindingIp: IpAddress | undefined;
  readonly snatSource: IpAddress | undefined;
  readonly mtu: number | undefined;
  readonly internal: boolean;
  readonly ipv6: boolean;
  /** The daemon's predefined `bridge` network (Docker's default bridge). */
  readonly defaultBridge: boolean;
  readonly v4: { readonly pool: IpPrefix; readonly gateway: IpPrefix | undefined };
  readonly v6: { readonly pool: IpPrefix; readonly gateway: IpPrefix | undefined } | undefined;
  /** Each endpoint's bridge port only sends from its own MAC and addresses (`dnet.bridge.pin_ports`). */
  readonly pinPorts: boolean;
  /** Endpoints on one bridge of the network before another port bridge is added (`dnet.bridge.ports_per_bridge`). */
  readonly portsPerBridge: number;
}

const KNOWN = new Set<string>(Object.values(BridgeLabels));

function parseFailure(label: string, value: string, why: string): Error {
  return invalidArgument("ERR_INVALID_OPTION", `failed to parse ${label} value: ${value} (${why})`);
}

/** Go's strconv.ParseBool, which Docker uses for these options. */
function parseBool(label: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw parseFailure(label, value, `strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}

/** Go's net.ParseIP failing is reported by Docker as "nil ip". */
function parseIpOption(label: string, value: string | undefined, family?: 4): IpAddress | undefined {
  if (value === undefined || value === "") return undefined;
  const ip = tryParseIp(value);
  if (ip === undefined) throw parseFailure(label, value, "nil ip");
  if (family !== undefined && ip.family !== family) throw parseFailure(label, value, "not an IPv4 address");
  return ip;
}

function parseMtu(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^[+-]?[0-9]+$/.test(value)) {
    throw parseFailure(BridgeLabels.mtu, value, `strconv.Atoi: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  const mtu = Number(value);
  if (mtu < 0) throw invalidArgument("ERR_INVALID_MTU", `invalid MTU number: ${mtu}`);
  if (mtu !== 0 && (mtu < 68 || mtu > 65535)) throw invalidArgument("ERR_INVALID_MTU", `invalid MTU number: ${mtu} (must be 68-65535)`);
  return mtu === 0 ? undefined : mtu;
}

function parsePortsPerBridge(value: string | undefined): number {
  if (value === undefined || value === "") return PORTS_PER_BRIDGE_DEFAULT;
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= PORTS_PER_BRIDGE_MAX)) {
    throw parseFailure(BridgeLabels.portsPerBridge, value, `must be an integer from 1 to ${PORTS_PER_BRIDGE_MAX}`);
  }
  return n;
}

function bridgeNameFor(id: string, value: string | undefined): string {
  const name = value === undefined || value === "" ? `br-${id.slice(0, 12)}` : value; // empty = default, as in Docker
  const problem = ifnameProblem(name) ??
    // The firewall names bridges in nft sets; refuse here what it would refuse after the bridge exists.
    (/^[A-Za-z0-9_.@-]+$/.test(name) ? undefined : "only letters, digits, '_', '.', '@' and '-' are allowed");
  if (problem !== undefined) throw parseFailure(BridgeLabels.name, name, problem);
  return name;
}

export function parseBridgeConfig(req: CreateNetworkRequest): BridgeNetworkConfig {
  const o = req.options;
  for (const key of o.keys()) {
    if ((key.startsWith("com.docker.network.bridge.") || key.startsWith("dnet.bridge.")) && !KNOWN.has(key)) {
      throw invalidArgument("ERR_INVALID_OPTION", `unknown bridge option ${key}`);
    }
  }
  const v4 = req.ipv4.filter((d) => !(d.pool.length === 0 && d.pool.address === 0n));
  if (v4.length === 0) throw invalidArgument("ERR_IPV4_POOL_EMPTY", "ipv4 pool is empty");
  if (v4.length > 1 || req.ipv6.length > 1) throw forbidden("ERR_MULTIPLE_SUBNETS", "bridge driver doesn't support multiple subnets");
  const v6data = req.enableIPv6 ? req.ipv6[0] : undefined;
  const first = v4[0];
  if (first === undefined) throw invalidArgument("ERR_IPV4_POOL_EMPTY", "ipv4 pool is empty");
  return Object.freeze({
    id: req.networkId,
    bridgeName: bridgeNameFor(req.networkId, o.get(BridgeLabels.name)),
    icc: parseBool(BridgeLabels.enableIcc, o.get(BridgeLabels.enableIcc), true),
    masquerade: parseBool(BridgeLabels.enableIpMasquerade, o.get(BridgeLabels.enableIpMasquerade), true),
    inhibitIpv4: parseBool(BridgeLabels.inhibitIpv4, o.get(BridgeLabels.inhibitIpv4), false),
    hostBindingIp: parseIpOption(BridgeLabels.hostBindingIpv4, o.get(BridgeLabels.hostBindingIpv4)),
    snatSource: parseIpOption(BridgeLabels.hostIpv4, o.get(BridgeLabels.hostIpv4), 4),
    mtu: parseMtu(o.get(BridgeLabels.mtu)),
    internal: req.internal,
    ipv6: req.enableIPv6,
    defaultBridge: parseBool(BridgeLabels.defaultBridge, o.get(BridgeLabels.defaultBridge), false),
    v4: { pool: first.pool, gateway: first.gateway },
    v6: v6data === undefined ? undefined : { pool: v6data.pool, gateway: v6data.gateway },
    pinPorts: parseBool(BridgeLabels.pinPorts, o.get(BridgeLabels.pinPorts), PIN_PORTS_DEFAULT),
    portsPerBridge: parsePortsPerBridge(o.get(BridgeLabels.portsPerBridge)),
  });
}

export function gatewayIp(p: IpPrefix | undefined): IpAddress | undefined {
  return p === undefined ? undefined : ipOf(p);
}
