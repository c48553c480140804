// DHCP options (RFC 2132 and the later ones a client uses): codes, and the typed view of a message's options
// with their wire encodings (addresses, lists, DNS-encoded search domains, classless static routes).

import { ipFromBytes, ipToBytes, type IpAddress } from "../../types/index.js";

export const DhcpOption = Object.freeze({
  pad: 0,
  subnetMask: 1,
  router: 3,
  dnsServer: 6,
  hostname: 12,
  domainName: 15,
  requestedAddress: 50,
  leaseTime: 51,
  overload: 52,
  messageType: 53,
  serverId: 54,
  parameterRequest: 55,
  message: 56,
  maxMessageSize: 57,
  renewalTime: 58,
  rebindingTime: 59,
  clientId: 61,
  domainSearch: 119,
  classlessRoutes: 121,
  end: 255,
} as const);

export const DhcpMessageType = Object.freeze({
  discover: 1, offer: 2, request: 3, decline: 4, ack: 5, nak: 6, release: 7, inform: 8,
} as const);

/** An RFC 3442 route: destination prefix and router (0.0.0.0: on the link). */
export interface ClasslessRoute {
  readonly destination: IpAddress;
  readonly length: number;
  readonly router: IpAddress;
}

/** The options this client reads or writes; anything else is kept raw by code. */
export interface DhcpOptions {
  readonly messageType?: number;
  readonly subnetMask?: IpAddress;
  readonly routers?: readonly IpAddress[];
  readonly dnsServers?: readonly IpAddress[];
  readonly hostname?: string;
  readonly domainName?: string;
  readonly requestedAddress?: IpAddress;
  readonly leaseSeconds?: number;
  readonly serverId?: IpAddress;
  readonly parameterRequest?: readonly number[];
  readonly message?: string;
  readonly maxMessageSize?: number;
  readonly renewalSeconds?: number;
  readonly rebindingSeconds?: number;
  readonly clientId?: Uint8Array;
  readonly searchDomains?: readonly string[];
  readonly classlessRoutes?: readonly ClasslessRoute[];
  readonly unknown?: ReadonlyMap<number, Uint8Array>;
}

export class DhcpDecodeError extends Error {
  constructor(message: string) {
    super(`malformed DHCP message: ${message}`);
    this.name = "DhcpDecodeError";
  }
}

// ---- value codecs ----------------------------------------------------------------------------------

const ipv4 = (b: Uint8Array, at = 0): IpAddress => ipFromBytes(b.subarray(at, at + 4));

function ipList(code: number, b: Uint8Array): IpAddress[] {
  if (b.length === 0 || b.length % 4 !== 0) throw new DhcpDecodeError(`option ${code}: ${b.length} bytes is no list of IPv4 addresses`);
  const out: IpAddress[] = [];
  for (let at = 0; at < b.length; at += 4) out.push(ipv4(b, at));
  return out;
}

function u32(code: number, b: Uint8Array): number {
  if (b.length !== 4) throw new DhcpDecodeError(`option ${code}: ${b.length} bytes, want 4`);
  return Buffer.from(b).readUInt32BE(0);
}

function oneIp(code: number, b: Uint8Array): IpAddress {
  if (b.length !== 4) throw new DhcpDecodeError(`option ${code}: ${b.length} bytes, want an IPv4 address`);
  return ipv4(b);
}

/** A domain name as DNS labels (RFC 1035 §3.1), following compression pointers inside the option (RFC 3397). */
function readName(data: Uint8Array, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = start;
  let next = -1;
  for (let hops = 0; ; hops++) {
    if (hops > 64 || at >= data.length) throw new DhcpDecodeError("option 119: bad name");
    const len = data[at] as number;
    if (len === 0) {
      if (next < 0) next = at + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= data.length) throw new DhcpDecodeError("option 119: truncated pointer");
      if (next < 0) next = at + 2;
      at = ((len & 0x3f) << 8) | (data[at + 1] as number);
      continue;
    }
    if (at + 1 + len > data.length) throw new DhcpDecodeError("option 119: truncated label");
    labels.push(Buffer.from(data.subarray(at + 1, at + 1 + len)).toString("latin1"));
    at += 1 + len;
  }
  return { name: labels.join("."), next };
}

export function decodeSearchList(data: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at < data.length;) {
    const { name, next } = readName(data, at);
    if (name !== "") out.push(name);
    at = next;
  }
  return out;
}

/** Without compression: servers must accept it, and a client's list is short. */
export function encodeSearchList(domains: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const d of domains) {
    for (const label of d.split(".").filter((l) => l !== "")) {
      const bytes = Buffer.from(label, "latin1");
      if (bytes.length > 63) throw new RangeError(`DNS label too long: ${label}`);
      parts.push(Buffer.from([bytes.length]), bytes);
    }
    parts.push(Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

export function decodeClasslessRoutes(data: Uint8Array): ClasslessRoute[] {
  const out: ClasslessRoute[] = [];
  for (let at = 0; at < data.length;) {
    const length = data[at] as number;
    if (length > 32) throw new DhcpDecodeError(`option 121: prefix length ${length}`);
    const significant = Math.ceil(length / 8);
    if (at + 1 + significant + 4 > data.length) throw new DhcpDecodeError("option 121: truncated route");
    const dest = new Uint8Array(4);
    dest.set(data.subarray(at + 1, at + 1 + significant));
    out.push({ destination: ipFromBytes(dest), length, router: ipv4(data, at + 1 + significant) });
    at += 1 + significant + 4;
  }
  return out;
}

export function encodeClasslessRoutes(routes: readonly ClasslessRoute[]): Buffer {
  return Buffer.concat(routes.map((r) => {
    const significant = Math.ceil(r.length / 8);
    return Buffer.concat([Buffer.from([r.length]), ipToBytes(r.destination).subarray(0, significant), ipToBytes(r.router)]);
  }));
}

const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8").replace(/\0+$/, "");

/** Fills `out` from one (RFC 3396-concatenated) option. */
export function readOption(out: Record<string, unknown>, code: number, b: Uint8Array, unknown: Map<number, Uint8Array>): void {
  switch (code) {
    case DhcpOption.messageType:
      if (b.length !== 1) throw new DhcpDecodeError("option 53: want 1 byte");
      out["messageType"] = b[0];
      return;
    case DhcpOption.subnetMask: out["subnetMask"] = oneIp(code, b); return;
    case DhcpOption.router: out["routers"] = ipList(code, b); return;
    case DhcpOption.dnsServer: out["dnsServers"] = ipList(code, b); return;
    case DhcpOption.hostname: out["hostname"] = text(b); return;
    case DhcpOption.domainName: out["domainName"] = text(b); return;
    case DhcpOption.requestedAddress: out["requestedAddress"] = oneIp(code, b); return;
    case DhcpOption.leaseTime: out["leaseSeconds"] = u32(code, b); return;
    case DhcpOption.serverId: out["serverId"] = oneIp(code, b); return;
    case DhcpOption.parameterRequest: out["parameterRequest"] = [...b]; return;
    case DhcpOption.message: out["message"] = text(b); return;
    case DhcpOption.maxMessageSize:
      if (b.length !== 2) throw new DhcpDecodeError("option 57: want 2 bytes");
      out["maxMessageSize"] = Buffer.from(b).readUInt16BE(0);
      return;
    case DhcpOption.renewalTime: out["renewalSeconds"] = u32(code, b); return;
    case DhcpOption.rebindingTime: out["rebindingSeconds"] = u32(code, b); return;
    case DhcpOption.clientId: out["clientId"] = Uint8Array.from(b); return;
    case DhcpOption.domainSearch: out["searchDomains"] = decodeSearchList(b); return;
    case DhcpOption.classlessRoutes: out["classlessRoutes"] = decodeClasslessRoutes(b); return;
    default: unknown.set(code, Uint8Array.from(b));
  }
}

const u32Bytes = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
};
const ips = (list: readonly IpAddress[]): Buffer => Buffer.concat(list.map((ip) => ipToBytes(ip)));

/** The options in wire order (message type first, as RFC 2131 §4.1 asks of clients); end and padding not included. */
export function optionEntries(o: DhcpOptions): Array<[number, Buffer]> {
  const e: Array<[number, Buffer | undefined]> = [
    [DhcpOption.messageType, o.messageType === undefined ? undefined : Buffer.from([o.messageType])],
    [DhcpOption.clientId, o.clientId === undefined ? undefined : Buffer.from(o.clientId)],
    [DhcpOption.requestedAddress, o.requestedAddress === undefined ? undefined : ipToBytes(o.requestedAddress)],
    [DhcpOption.serverId, o.serverId === undefined ? undefined : ipToBytes(o.serverId)],
    [DhcpOption.hostname, o.hostname === undefined ? undefined : Buffer.from(o.hostname, "utf8")],
    [DhcpOption.parameterRequest, o.parameterRequest === undefined ? undefined : Buffer.from(o.parameterRequest)],
    [DhcpOption.maxMessageSize, o.maxMessageSize === undefined ? undefined : Buffer.from([o.maxMessageSize >> 8, o.maxMessageSize & 0xff])],
    [DhcpOption.leaseTime, o.leaseSeconds === undefined ? undefined : u32Bytes(o.leaseSeconds)],
    [DhcpOption.renewalTime, o.renewalSeconds === undefined ? undefined : u32Bytes(o.renewalSeconds)],
    [DhcpOption.rebindingTime, o.rebindingSeconds === undefined ? undefined : u32Bytes(o.rebindingSeconds)],
    [DhcpOption.subnetMask, o.subnetMask === undefined ? undefined : ipToBytes(o.subnetMask)],
    [DhcpOption.router, o.routers === undefined ? undefined : ips(o.routers)],
    [DhcpOption.dnsServer, o.dnsServers === undefined ? undefined : ips(o.dnsServers)],
    [DhcpOption.domainName, o.domainName === undefined ? undefined : Buffer.from(o.domainName, "utf8")],
    [DhcpOption.domainSearch, o.searchDomains === undefined ? undefined : encodeSearchList(o.searchDomains)],
    [DhcpOption.classlessRoutes, o.classlessRoutes === undefined ? undefined : encodeClasslessRoutes(o.classlessRoutes)],
    [DhcpOption.message, o.message === undefined ? undefined : Buffer.from(o.message, "utf8")],
  ];
  const out = e.filter((x): x is [number, Buffer] => x[1] !== undefined);
  for (const [code, raw] of o.unknown ?? []) out.push([code, Buffer.from(raw)]);
  return out;
}
