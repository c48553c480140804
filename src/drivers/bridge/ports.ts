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

export class PortAllocator {
  /** "proto|ip|port" of every reservation. */
  readonly #held = new Set<string>();
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

  #lastKey(proto: PortProto, hostIps: readonly IpAddress[]): string {
    return `${proto}|${formatIp(hostIps[0] ?? unspecified(4))}`;
  }

  release(proto: PortProto, hostIp: IpAddress, port: number): void {
    if (!this.#held.delete(`${proto}|${formatIp(hostIp)}|${port}`)) return;
    const key = `${proto}|${hostIp.family}|${port}`;
    const n = (this.#perPort.get(key) ?? 1) - 1;
    if (n === 0) this.#perPort.delete(key); else this.#perPort.set(key, n);
  }

  get size(): number {
    return this.#held.size;
  }

  #taken(proto: PortProto, hostIp: IpAddress, ip: string, port: number): boolean {
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
