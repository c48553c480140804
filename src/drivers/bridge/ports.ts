// Host port allocation for published ports: fixed, range and dynamic (from ip_local_port_range), with
// Docker's conflict error. A wildcard binding (0.0.0.0 / ::) conflicts with any address of its family.

import { readFileSync } from "node:fs";
import { conflict, unavailable } from "../../errors/index.js";
import { formatIp, type IpAddress, type IpFamily } from "../../types/index.js";

export type PortProto = "tcp" | "udp" | "sctp";

interface Holder { readonly proto: PortProto; readonly family: IpFamily; readonly ip: string; readonly port: number }

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
  readonly #held: Holder[] = [];
  readonly #range: readonly [number, number];
  /** Dynamic search starts after the last port handed out (Docker's behaviour), per protocol. */
  readonly #last = new Map<PortProto, number>();

  constructor(range: readonly [number, number] = readLocalPortRange()) {
    this.#range = range;
  }

  /**
   * Reserves one host port: `start` if start === end (0 = dynamic), else the first free port in
   * start..end. Returns the port.
   */
  allocate(proto: PortProto, hostIp: IpAddress, start: number, end: number): number {
    const ip = formatIp(hostIp);
    if (start !== 0 && start === end) {
      if (this.#taken(proto, hostIp, ip, start)) {
        throw conflict("ERR_PORT_ALLOCATED", `Bind for ${ip.includes(":") ? `[${ip}]` : ip}:${start} failed: port is already allocated`);
      }
      return this.#hold(proto, hostIp, ip, start);
    }
    const [lo, hi] = start === 0 ? this.#range : [start, end];
    const from = start === 0 ? (this.#last.get(proto) ?? lo - 1) + 1 : lo;
    for (let i = 0; i <= hi - lo; i++) {
      const port = lo + ((from - lo + i) % (hi - lo + 1));
      if (!this.#taken(proto, hostIp, ip, port)) {
        if (start === 0) this.#last.set(proto, port);
        return this.#hold(proto, hostIp, ip, port);
      }
    }
    throw unavailable("ERR_ALL_PORTS_ALLOCATED", `all ports are allocated (${proto} ${lo}-${hi} on ${ip})`);
  }

  release(proto: PortProto, hostIp: IpAddress, port: number): void {
    const ip = formatIp(hostIp);
    const i = this.#held.findIndex((h) => h.proto === proto && h.ip === ip && h.port === port);
    if (i >= 0) this.#held.splice(i, 1);
  }

  get size(): number {
    return this.#held.length;
  }

  #taken(proto: PortProto, hostIp: IpAddress, ip: string, port: number): boolean {
    const wildcard = hostIp.value === 0n;
    return this.#held.some((h) => h.proto === proto && h.port === port && h.family === hostIp.family &&
      (h.ip === ip || wildcard || h.ip === "0.0.0.0" || h.ip === "::"));
  }

  #hold(proto: PortProto, hostIp: IpAddress, ip: string, port: number): number {
    this.#held.push({ proto, family: hostIp.family, ip, port });
    return port;
  }
}
