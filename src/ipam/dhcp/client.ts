// The client's side of RFC 2131 §3 and §4.4, one step at a time: obtaining a lease (DISCOVER, OFFER,
// REQUEST, ACK), taking one back after a restart (INIT-REBOOT), renewing and rebinding it, releasing it.

import { randomInt } from "node:crypto";
import { ipEquals, ipOf, type IpAddress, type IpPrefix } from "../../types/index.js";
import { backoff, exchange, halfTheRest } from "./exchange.js";
import { INFINITE_LEASE, type DhcpLease, type DhcpRoute, type Granted } from "./lease-types.js";
import { DhcpMessageType, DhcpOption, type DhcpOptions } from "./options.js";
import { BOOTREPLY, FLAG_BROADCAST, encodeDhcpMessage, type DhcpMessage } from "./packet.js";
import type { Clock, DhcpTransport } from "./transport.js";

export const BROADCAST: IpAddress = Object.freeze({ family: 4, value: 0xffffffffn });

/** Who is asking: the interface's MAC (chaddr), the client identifier (option 61), the hostname (option 12). */
export interface ClientIdentity {
  readonly mac: string;
  readonly clientId: Uint8Array;
  readonly hostname?: string;
}

/** What one step needs: the socket, the clock, who asks, until when, and how to stop early. */
export interface Step {
  readonly transport: DhcpTransport;
  readonly clock: Clock;
  readonly id: ClientIdentity;
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

/** The answer to a REQUEST: a lease, or a refusal (NAK). */
export type Outcome = { readonly kind: "ack"; readonly granted: Granted } | { readonly kind: "nak"; readonly message: string | undefined };

const PARAMETERS = [
  DhcpOption.subnetMask, DhcpOption.classlessRoutes, DhcpOption.router, DhcpOption.dnsServer, DhcpOption.domainName,
  DhcpOption.domainSearch, DhcpOption.leaseTime, DhcpOption.renewalTime, DhcpOption.rebindingTime,
];
/** The first retransmission of DISCOVER and REQUEST: a join waits on them. */
const FIRST_RETRY_MS = 2000;

function request(id: ClientIdentity, xid: number, o: { type: number; flags?: number; ciaddr?: IpAddress; options?: DhcpOptions }) {
  return (secs: number): Buffer => encodeDhcpMessage({
    xid, secs, chaddr: id.mac, flags: o.flags ?? 0, ...(o.ciaddr === undefined ? {} : { ciaddr: o.ciaddr }),
    options: {
      messageType: o.type, clientId: id.clientId, ...(id.hostname === undefined || id.hostname === "" ? {} : { hostname: id.hostname }),
      ...o.options,
    },
  });
}

function ours(id: ClientIdentity, xid: number, m: DhcpMessage): boolean {
  if (m.op !== BOOTREPLY || m.xid !== xid || m.chaddr !== id.mac) return false;
  // RFC 6842: a server echoes option 61; clients sharing a MAC (ipvlan) tell their replies apart by it.
  const echoed = m.options.clientId;
  return echoed === undefined || Buffer.from(echoed).equals(Buffer.from(id.clientId));
}

function maskLength(mask: IpAddress): number | undefined {
  const bits = mask.value.toString(2).padStart(32, "0");
  return /^1*0*$/.test(bits) ? bits.indexOf("0") < 0 ? 32 : bits.indexOf("0") : undefined;
}

/** Without option 1, the class of the address decides (RFC 2131 §3.3 leaves it to the client). */
function classfulLength(ip: IpAddress): number {
  const first = Number(ip.value >> 24n);
  return first < 128 ? 8 : first < 192 ? 16 : 24;
}

function routesOf(o: DhcpOptions): { gateway?: IpAddress; routes: DhcpRoute[] } {
  // RFC 3442: with option 121, option 3 is ignored; its default route gives the gateway.
  if (o.classlessRoutes !== undefined) {
    const def = o.classlessRoutes.find((r) => r.length === 0 && r.router.value !== 0n);
    const routes = o.classlessRoutes.filter((r) => r.length > 0).map((r): DhcpRoute => ({
      destination: { family: 4, address: r.destination.value, length: r.length },
      ...(r.router.value === 0n ? { type: "connected" as const } : { type: "nexthop" as const, nextHop: r.router }),
    }));
    return { ...(def === undefined ? {} : { gateway: def.router }), routes };
  }
  const router = o.routers?.find((r) => r.value !== 0n);
  return { ...(router === undefined ? {} : { gateway: router }), routes: [] };
}

/** The lease an ACK grants, or undefined when the ACK lacks what a lease needs. */
export function grantedOf(ack: DhcpMessage, now: number): Granted | undefined {
  const o = ack.options;
  if (o.serverId === undefined || ack.yiaddr.value === 0n) return undefined;
  const length = o.subnetMask === undefined ? classfulLength(ack.yiaddr) : maskLength(o.subnetMask);
  if (length === undefined) return undefined;
  const leaseSeconds = o.leaseSeconds ?? INFINITE_LEASE;
  const lease: DhcpLease = {
    address: { family: 4, address: ack.yiaddr.value, length }, ...routesOf(o), dnsServers: o.dnsServers ?? [],
    searchDomains: (o.searchDomains ?? (o.domainName === undefined ? [] : [o.domainName])).filter((d) => DOMAIN.test(d) && d.length <= 253),
    server: o.serverId, leaseSeconds, renewedAt: now,
  };
  // RFC 2131 §4.4.5: T1 = 0.5 and T2 = 0.875 of the lease unless the server says otherwise; T1 ≤ T2 ≤ lease.
  const t2 = Math.min(o.rebindingSeconds ?? leaseSeconds * 0.875, leaseSeconds);
  const t1 = Math.min(o.renewalSeconds ?? leaseSeconds * 0.5, t2);
  return { lease, t1, t2 };
}

function answer(id: ClientIdentity, xid: number, clock: Clock, server?: IpAddress) {
  return (m: DhcpMessage): Outcome | undefined => {
    if (!ours(id, xid, m)) return undefined;
    const type = m.options.messageType;
    if (type === DhcpMessageType.nak) return { kind: "nak", message: m.options.message };
    if (type !== DhcpMessageType.ack) return undefined;
    if (server !== undefined && (m.options.serverId === undefined || !ipEquals(m.options.serverId, server))) return undefined;
    const granted = grantedOf(m, clock.now());
    return granted === undefined ? undefined : { kind: "ack", granted };
  };
}

/** A domain a resolv.conf can carry: labels of letters, digits, '_' and '-' (what a server sends is not trusted). */
const DOMAIN = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

const newXid = (): number => randomInt(0, 0x100000000);

/** DISCOVER until an OFFER comes (broadcast: the client has no address yet), then REQUEST it. */
export async function obtainLease(s: Step): Promise<Granted | undefined> {
  while (s.clock.now() < s.deadline && s.signal?.aborted !== true) {
    const xid = newXid();
    const offer = await exchange(s.transport, s.clock, {
      to: BROADCAST, deadline: s.deadline, retryDelay: backoff(FIRST_RETRY_MS),
      build: request(s.id, xid, { type: DhcpMessageType.discover, flags: FLAG_BROADCAST, options: { parameterRequest: PARAMETERS } }),
      accept: (m) => ours(s.id, xid, m) && m.options.messageType === DhcpMessageType.offer && m.options.serverId !== undefined &&
        m.yiaddr.value !== 0n ? m : undefined,
    }, s.signal);
    if (offer === undefined) return undefined;
    const server = offer.options.serverId as IpAddress;
    const outcome = await exchange(s.transport, s.clock, {
      to: BROADCAST, deadline: s.deadline, retryDelay: backoff(FIRST_RETRY_MS),
      build: request(s.id, xid, {
        type: DhcpMessageType.request, flags: FLAG_BROADCAST,
        options: { requestedAddress: offer.yiaddr, serverId: server, parameterRequest: PARAMETERS },
      }),
      accept: answer(s.id, xid, s.clock, server),
    }, s.signal);
    if (outcome?.kind === "ack") return outcome.granted;
    // A NAK (the offer was taken meanwhile) or silence: start over while time is left.
  }
  return undefined;
}

/** INIT-REBOOT (§4.4.2): a REQUEST for the address the client had, with no server named. */
export function rebootLease(s: Step, address: IpPrefix): Promise<Outcome | undefined> {
  const xid = newXid();
  return exchange(s.transport, s.clock, {
    to: BROADCAST, deadline: s.deadline, retryDelay: backoff(FIRST_RETRY_MS),
    build: request(s.id, xid, {
      type: DhcpMessageType.request, flags: FLAG_BROADCAST, options: { requestedAddress: ipOf(address), parameterRequest: PARAMETERS },
    }),
    accept: answer(s.id, xid, s.clock),
  }, s.signal);
}

/**
 * RENEWING (unicast to the server that granted it) or REBINDING (broadcast to any server): a REQUEST with the
 * address in ciaddr, retransmitted at half the time left (§4.4.5), at least `minRetryMs` apart.
 */
export function extendLease(s: Step, lease: DhcpLease, mode: "renew" | "rebind", minRetryMs: number): Promise<Outcome | undefined> {
  const xid = newXid();
  const renew = mode === "renew";
  return exchange(s.transport, s.clock, {
    to: renew ? lease.server : BROADCAST, deadline: s.deadline, retryDelay: halfTheRest(s.deadline, minRetryMs),
    build: request(s.id, xid, { type: DhcpMessageType.request, ciaddr: ipOf(lease.address), options: { parameterRequest: PARAMETERS } }),
    accept: answer(s.id, xid, s.clock, renew ? lease.server : undefined),
  }, s.signal);
}

/** DHCPRELEASE (§4.4.6): unicast to the server, from the address being given up; never answered. */
export async function releaseLease(transport: DhcpTransport, id: ClientIdentity, lease: DhcpLease): Promise<void> {
  const build = request(id, newXid(), { type: DhcpMessageType.release, ciaddr: ipOf(lease.address), options: { serverId: lease.server } });
  await transport.send(build(0), lease.server);
}
