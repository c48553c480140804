// Host port allocation for published ports: fixed, range and dynamic (from ip_local_port_range), with
// Docker's conflict error. A wildcard binding (0.0.0.0 / ::) conflicts with any address of its family.

import { readFileSync } from "node:fs";
import { conflict, unavailable } from "../../errors/index.js";
import { formatIp, type IpAddress, type IpFamily } from "../../types/index.js";

export type PortProto = "tcp" | "udp" | "sctp";

/** Docker's fallback when the sysctl cannot be read. */
const FALLBACK_RANGE: readonly [number, number] = [49153, 65535];

export function readLocalPortRange(path = "/proc/sys/net/ipv4/ip_local_port_range"): readonly [number, number] {
  try {
    const [lo, hi] = readFileSync(path, "utf8").trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi) return [lo, hi];
  } catch { /* fall through */ }
  return FALLBACK_RANGE;
}

/** A range mapped one to one, held as one interval (not a key per port: a 10,000-port range costs one). */
interface HeldRange {
  readonly proto: PortProto;
  readonly family: IpFamily;
  /** The host address as text; "" for every address of the family. */
  readonly ip: string;
  readonly lo: number;
  readonly hi: number;
}

export class PortAllocator {
  /** "proto|ip|port" of every reservation of a single port. */
  readonly #held = new Set<string>();
  readonly #ranges: HeldRange[] = [];
  /** Reservations per "proto|family|port", whatever the address: what a wildcard request collides with. */
  readonly #perPort = new Map<string, number>();
  readonly #range: readonly [number, number];
  /**
   * Dynamic search starts after the last port handed out (Docker's behaviour), per protocol and host
   * address: so `-p 80` on 0.0.0.0 and on :: gets the same port number while both are free.
   */
  readonly #last = new Map<string, number>();

  constructor(range: readonly [number, number] = readLocalPortRange()) {
    this.#range = range;
  }

  /**
   * Reserves one host port: `start` if start === end (0 = dynamic), else the first free port in
   * start..end. Returns the port.
   */
  allocate(proto: PortProto, hostIp: IpAddress, start: number, end: number): number {
    for (const port of this.candidates(proto, [hostIp], start, end)) {
      this.hold(proto, [hostIp], port, start === 0);
      return port;
    }
    throw unavailable("ERR_ALL_PORTS_ALLOCATED", "all ports are allocated"); // candidates() throws first
  }

  /**
   * The host ports a request may take, in Docker's search order, each free for every one of `hostIps`
   * (a port published on 0.0.0.0 and :: gets the same number on both): `start` alone for a fixed port
   * (taken: Docker's conflict error), else start..end or, for 0, the dynamic range from after the last port
   * handed out. The caller takes one with `hold`; ports it cannot bind are skipped (a host program holds
   * them). Exhausted: ERR_ALL_PORTS_ALLOCATED.
   */
  *candidates(proto: PortProto, hostIps: readonly IpAddress[], start: number, end: number): Generator<number> {
    if (start !== 0 && start === end) {
      const taken = hostIps.find((ip) => this.#taken(proto, ip, formatIp(ip), start));
      if (taken !== undefined) {
        const ip = formatIp(taken);
        throw conflict("ERR_PORT_ALLOCATED", `Bind for ${ip.includes(":") ? `[${ip}]` : ip}:${start} failed: port is already allocated`);
      }
      yield start;
      return;
    }
    const [lo, hi] = start === 0 ? this.#range : [start, end];
    const from = start === 0 ? (this.#last.get(this.#lastKey(proto, hostIps)) ?? lo - 1) + 1 : lo;
    for (let i = 0; i <= hi - lo; i++) {
      const port = lo + ((from - lo + i) % (hi - lo + 1));
      if (hostIps.every((ip) => !this.#taken(proto, ip, formatIp(ip), port))) yield port;
    }
    const where = hostIps.map((ip) => formatIp(ip)).join(", ");
    throw unavailable("ERR_ALL_PORTS_ALLOCATED", `all ports are allocated (${proto} ${lo}-${hi} on ${where})`);
  }

  /** Records `port` as taken on every one of `hostIps`; `dynamic`: the next dynamic search starts after it. */
  hold(proto: PortProto, hostIps: readonly IpAddress[], port: number, dynamic = false): void {
    for (const ip of hostIps) this.#hold(proto, ip, formatIp(ip), port);
    if (dynamic) this.#last.set(this.#lastKey(proto, hostIps), port);
  }

  /**
   * Holds every port of lo..hi on every one of `hostIps` (a range mapped one to one), or throws Docker's
   * conflict error for the first one taken and holds nothing.
   */
  holdRange(proto: PortProto, hostIps: readonly IpAddress[], lo: number, hi: number): void {
    for (const ip of hostIps) {
      const text = formatIp(ip);
      let port = this.#rangeClash(proto, ip, text, lo, hi);
      // Single ports are few next to a range, or none: check them only when there are some.
      for (let p = lo; port === undefined && this.#held.size > 0 && p <= hi; p++) if (this.#takenSingle(proto, ip, text, p)) port = p;
      if (port !== undefined) {
        throw conflict("ERR_PORT_ALLOCATED", `Bind for ${text.includes(":") ? `[${text}]` : text}:${port} failed: port is already allocated`);
      }
    }
    for (const ip of hostIps) this.#ranges.push({ proto, family: ip.family, ip: ip.value === 0n ? "" : formatIp(ip), lo, hi });
  }

  /** The first port of lo..hi a held range takes for `hostIp` (the wildcard collides with any address of its family). */
  #rangeClash(proto: PortProto, hostIp: IpAddress, ip: string, lo: number, hi: number): number | undefined {
    for (const r of this.#ranges) {
      if (r.proto !== proto || r.family !== hostIp.family || r.hi < lo || hi < r.lo) continue;
      if (hostIp.value === 0n || r.ip === "" || r.ip === ip) return Math.max(lo, r.lo);
    }
    return undefined;
  }

  #lastKey(proto: PortProto, hostIps: readonly IpAddress[]): string {
    return `${proto}|${formatIp(hostIps[0] ?? unspecified(4))}`;
  }

  /** Gives back `port` on `hostIp`, or the range port..end held by holdRange; what is not held is skipped. */
  release(proto: PortProto, hostIp: IpAddress, port: number, end = port): void {
    const text = formatIp(hostIp);
    if (end > port) {
      const ip = hostIp.value === 0n ? "" : text;
      const i = this.#ranges.findIndex((r) => r.proto === proto && r.family === hostIp.family && r.ip === ip && r.lo === port && r.hi === end);
      if (i >= 0) this.#ranges.splice(i, 1);
      return;
    }
    if (!this.#held.delete(`${proto}|${text}|${port}`)) return;
    const key = `${proto}|${hostIp.family}|${port}`;
    const n = (this.#perPort.get(key) ?? 1) - 1;
    if (n === 0) this.#perPort.delete(key); else this.#perPort.set(key, n);
  }

  /** Host ports held, a range counting each of its ports. */
  get size(): number {
    return this.#ranges.reduce((n, r) => n + r.hi - r.lo + 1, this.#held.size);
  }

  #taken(proto: PortProto, hostIp: IpAddress, ip: string, port: number): boolean {
    return this.#takenSingle(proto, hostIp, ip, port) || (this.#ranges.length > 0 && this.#rangeClash(proto, hostIp, ip, port, port) !== undefined);
  }

  #takenSingle(proto: PortProto, hostIp: IpAddress, ip: string, port: number): boolean {
    if (hostIp.value === 0n) return this.#perPort.has(`${proto}|${hostIp.family}|${port}`);
    return this.#held.has(`${proto}|${ip}|${port}`) || this.#held.has(`${proto}|${formatIp(unspecified(hostIp.family))}|${port}`);
  }

  #hold(proto: PortProto, hostIp: IpAddress, ip: string, port: number): void {
    this.#held.add(`${proto}|${ip}|${port}`);
    const key = `${proto}|${hostIp.family}|${port}`;
    this.#perPort.set(key, (this.#perPort.get(key) ?? 0) + 1);
  }
}

function unspecified(family: IpFamily): IpAddress {
  return { family, value: 0n };
}
