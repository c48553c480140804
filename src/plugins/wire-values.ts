// Values of the plugin protocol's JSON, both ways: checked field readers (a typed error names the field),
// option maps, addresses, and port bindings as Docker's types.PortBinding (protocol numbers).

import type { PortBinding, PortProtocol } from "../driver-api/index.js";
import { isLibnetworkError } from "../errors/index.js";
import { formatIp, formatPrefix, parseIp, parsePrefix, type IpAddress, type IpPrefix } from "../types/index.js";
import { PluginError, PluginErrorCodes } from "./errors.js";

/** Builds the error of a bad field: a bad request on the server side, a bad answer on the client side. */
export type Fail = (message: string) => Error;

export const badRequest: Fail = (message) =>
  new PluginError("invalid-argument", PluginErrorCodes.badRequest, message, { plugin: "" });

export function badAnswer(plugin: string, method: string): Fail {
  return (message) => new PluginError("internal", PluginErrorCodes.badResponse, `plugin ${plugin}: ${method} answered ${message}`, { plugin, method });
}

export type Json = Readonly<Record<string, unknown>>;

export function object(v: unknown, what: string, fail: Fail): Json {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw fail(`${what} is not a JSON object`);
  return v as Json;
}

/** An object, or {} for absent/null. */
export function optionalObject(v: unknown, what: string, fail: Fail): Json {
  return v === undefined || v === null ? {} : object(v, what, fail);
}

export function string(o: Json, key: string, fail: Fail): string {
  const v = o[key];
  if (typeof v !== "string") throw fail(`${key} is not a string`);
  return v;
}

export function optionalString(o: Json, key: string, fail: Fail): string {
  const v = o[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw fail(`${key} is not a string`);
  return v;
}

export function boolean(o: Json, key: string, fail: Fail): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw fail(`${key} is not a boolean`);
  return v;
}

/** Docker IDs: what reaches a bridge name, an nft comment or a store key, so nothing else. */
export function id(o: Json, key: string, fail: Fail): string {
  const v = string(o, key, fail);
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(v)) throw fail(`${key} ${JSON.stringify(v.slice(0, 80))} is not an ID`);
  return v;
}

function parsed<T>(text: string, key: string, fail: Fail, parse: (t: string) => T): T {
  try {
    return parse(text);
  } catch (err) {
    throw fail(`${key} ${JSON.stringify(text.slice(0, 80))}: ${isLibnetworkError(err) ? err.message : String(err)}`);
  }
}

/** "" or absent → undefined. */
export function optionalPrefix(o: Json, key: string, fail: Fail): IpPrefix | undefined {
  const t = optionalString(o, key, fail);
  return t === "" ? undefined : parsed(t, key, fail, (x) => parsePrefix(x, key));
}

export function optionalIp(o: Json, key: string, fail: Fail): IpAddress | undefined {
  const t = optionalString(o, key, fail);
  return t === "" ? undefined : parsed(t, key, fail, (x) => parseIp(x, key));
}

export const prefixText = (p: IpPrefix | undefined): string => (p === undefined ? "" : formatPrefix(p));
export const ipText = (ip: IpAddress | undefined): string => (ip === undefined ? "" : formatIp(ip));

/** A JSON options object as the contract's string map: strings as they are, other values as JSON text. */
export function optionsMap(v: unknown, what: string, fail: Fail, skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, x] of Object.entries(optionalObject(v, what, fail))) {
    if (skip.includes(k) || x === undefined || x === null) continue;
    out.set(k, typeof x === "string" ? x : JSON.stringify(x));
  }
  return out;
}

export const PORTMAP_KEY = "com.docker.network.portmap";
export const EXPOSED_PORTS_KEY = "com.docker.network.endpoint.exposedports";

const PROTO_NUMBER: Readonly<Record<PortProtocol, number>> = Object.freeze({ tcp: 6, udp: 17, sctp: 132 });

export function protoNumber(p: PortProtocol): number {
  return PROTO_NUMBER[p];
}

/** Docker sends protocol numbers; dnet's own views use names. Either is read. */
export function protoName(v: unknown): PortProtocol | undefined {
  if (typeof v === "string") return (Object.keys(PROTO_NUMBER) as PortProtocol[]).find((p) => p === v.toLowerCase());
  return (Object.keys(PROTO_NUMBER) as PortProtocol[]).find((p) => PROTO_NUMBER[p] === v);
}

/** Port bindings as Docker's `com.docker.network.portmap` (IP: the container's address, when known). */
export function encodePortmap(bindings: readonly PortBinding[], containerIp: string): Json[] {
  return bindings.map((b) => ({
    Proto: protoNumber(b.proto), IP: containerIp, Port: b.port, HostIP: ipText(b.hostIp), HostPort: b.hostPort, HostPortEnd: b.hostPortEnd,
  }));
}

export function encodeExposedPorts(bindings: readonly PortBinding[]): Json[] {
  const seen = new Set<string>();
  return bindings.filter((b) => !seen.has(`${b.proto}/${b.port}`) && seen.add(`${b.proto}/${b.port}`) !== undefined)
    .map((b) => ({ Proto: protoNumber(b.proto), Port: b.port }));
}

function port(o: Json, key: string, fail: Fail, min: number): number {
  const v = o[key] ?? 0;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > 65535) throw fail(`${key} ${JSON.stringify(v)} is not a port`);
  return v;
}

/** `com.docker.network.portmap` back into bindings (HostPortEnd 0 means a single port). */
export function decodePortmap(v: unknown, fail: Fail): PortBinding[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw fail(`${PORTMAP_KEY} is not a list`);
  return v.map((entry, i) => {
    const o = object(entry, `${PORTMAP_KEY}[${i}]`, fail);
    const proto = protoName(o.Proto);
    if (proto === undefined) throw fail(`${PORTMAP_KEY}[${i}].Proto ${JSON.stringify(o.Proto)} is not tcp, udp or sctp`);
    const hostPort = port(o, "HostPort", fail, 0);
    const end = port(o, "HostPortEnd", fail, 0);
    const hostIp = optionalIp(o, "HostIP", fail);
    const unspecified = hostIp !== undefined && hostIp.value === 0n;
    return {
      proto, port: port(o, "Port", fail, 1), hostPort, hostPortEnd: end === 0 ? hostPort : end,
      ...(hostIp === undefined || unspecified ? {} : { hostIp }),
    };
  });
}

/** Operational data on the wire: a portmap's protocols as numbers (Docker's types.PortBinding). */
export function encodeOperInfo(info: ReadonlyMap<string, unknown>): Json {
  const out: Record<string, unknown> = {};
  for (const [k, v] of info) {
    out[k] = k === PORTMAP_KEY && Array.isArray(v)
      ? v.map((m: Record<string, unknown>) => ({ ...m, Proto: protoName(m.Proto) === undefined ? m.Proto : protoNumber(protoName(m.Proto) as PortProtocol) }))
      : v;
  }
  return out;
}

/** Operational data from the wire: a portmap's protocols as names, as dnet's drivers report them. */
export function decodeOperInfo(value: Json): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(value)) {
    out.set(k, k === PORTMAP_KEY && Array.isArray(v)
      ? v.map((m: unknown) => (m !== null && typeof m === "object" ? { ...m, Proto: protoName((m as Json).Proto) ?? (m as Json).Proto } : m))
      : v);
  }
  return out;
}
