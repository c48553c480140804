// The steps of a macvlan or ipvlan join: the child link born in the sandbox on the network's parent, and
// what the sandbox gets: the subnet's gateway (or, in layer 3, a default route on the link), or a lease.

import type { DhcpLease, DhcpLeaser, JoinInfo, StaticRoute } from "../../driver-api/index.js";
import { notImplemented, unavailable } from "../../errors/index.js";
import { deleteLinkOffThread, getLink, linkIndex, setLink, type NetnsHandle } from "../../osl/index.js";
import { ipOf, parseMac, prefixContainsIp, type IpAddress, type IpPrefix } from "../../types/index.js";
import type { LanNetworkConfig, Subnet } from "./config.js";
import type { ChildSpec, LanKind } from "./kind.js";

/** The endpoint as the driver knows it. */
export interface LanEndpoint {
  readonly networkId: string;
  readonly endpointId: string;
  /** Its own MAC (macvlan); undefined for kinds whose children share the parent's (ipvlan). */
  readonly mac: string | undefined;
  readonly address: IpPrefix | undefined;
  readonly addressIPv6: IpPrefix | undefined;
  /** Where it is joined: the sandbox's handle and the child's name there. */
  readonly joined?: { readonly sandboxKey: string; readonly sandbox: NetnsHandle; readonly ifname: string };
  /** The address the join answered (a lease), while joined. */
  readonly joinedAddress?: IpPrefix;
}

const code = (err: unknown): string | undefined => (err as { code?: string }).code;

/** The child, down, in the sandbox under its final name; one RTM_NEWLINK sent in the host's netns. */
export async function createChild<M>(host: NetnsHandle, kind: LanKind<M>, net: LanNetworkConfig<M>, spec: ChildSpec): Promise<void> {
  const parentIndex = await linkIndex(host, net.parent.name).catch((err: unknown) => {
    if (code(err) !== "ENODEV") throw err;
    throw unavailable("ERR_PARENT_GONE", `parent interface ${net.parent.name} of ${kind.name} network ${net.id} is gone`, err);
  });
  await host.route.request(kind.childRequest(host, spec, parentIndex, net.mode)).catch((err: unknown) => {
    if (code(err) !== "EOPNOTSUPP") throw err;
    throw notImplemented("ERR_KERNEL_LINK_KIND", `cannot create the ${kind.name} interface ${spec.name}: this kernel has no ${kind.name} links (${kind.kernelConfig})`, err);
  });
}

function gatewayOf(subnets: readonly Subnet[], address: IpPrefix | undefined): IpAddress | undefined {
  if (address === undefined) return undefined;
  const gw = subnets.find((s) => prefixContainsIp(s.pool, ipOf(address)))?.gateway;
  return gw === undefined ? undefined : ipOf(gw);
}

const DEFAULT4: IpPrefix = Object.freeze({ family: 4, address: 0n, length: 0 });
const DEFAULT6: IpPrefix = Object.freeze({ family: 6, address: 0n, length: 0 });

/**
 * Static addressing: the gateway of the subnet holding the endpoint's address (the LAN's router; none on an
 * internal network). Layer 3: no gateway and no gateway network, a default route on the link (Docker's
 * `default dev eth0`).
 */
export function staticJoinInfo<M>(kind: LanKind<M>, net: LanNetworkConfig<M>, ep: LanEndpoint): JoinInfo {
  if (kind.routedOnLink(net.mode)) {
    const routes: StaticRoute[] = [{ destination: DEFAULT4, type: "connected" }];
    if (ep.addressIPv6 !== undefined) routes.push({ destination: DEFAULT6, type: "connected" });
    return { interface: { placement: "sandbox" }, staticRoutes: routes, disableGatewayService: true };
  }
  const gw4 = net.internal ? undefined : gatewayOf(net.v4, ep.address);
  const gw6 = net.internal ? undefined : gatewayOf(net.v6, ep.addressIPv6);
  return {
    interface: { placement: "sandbox" }, staticRoutes: [], disableGatewayService: false,
    ...(gw4 === undefined ? {} : { gateway: gw4 }), ...(gw6 === undefined ? {} : { gatewayIPv6: gw6 }),
  };
}

/** Option 61: the MAC (type 1) for a child with its own; the endpoint ID (type 0) where children share the parent's. */
export function clientIdOf(ep: LanEndpoint): Uint8Array {
  if (ep.mac !== undefined) return Uint8Array.from([1, ...parseMac(ep.mac)]);
  return Uint8Array.from([0, ...Buffer.from(`dnet-${ep.endpointId.slice(0, 24)}`, "latin1")]);
}

export interface LeaseJoin {
  readonly leaser: DhcpLeaser;
  readonly sandbox: NetnsHandle;
  readonly ifname: string;
  readonly sandboxKey: string;
  readonly hostname: string | undefined;
  readonly options: ReadonlyMap<string, string>;
}

/**
 * DHCP: the child goes up for the exchange (its MAC is final), and the lease becomes the join's answer. A
 * failed exchange deletes the child (the join leaves nothing behind).
 */
export async function leaseJoinInfo(ep: LanEndpoint, j: LeaseJoin): Promise<JoinInfo> {
  let lease: DhcpLease;
  try {
    await setLink(j.sandbox, j.ifname, { up: true });
    const mac = ep.mac ?? (await getLink(j.sandbox, j.ifname)).mac ?? "";
    lease = await j.leaser.acquire({
      endpointId: ep.endpointId, sandboxKey: j.sandboxKey, ifname: j.ifname, mac, clientId: clientIdOf(ep), options: j.options,
      ...(j.hostname === undefined || j.hostname === "" ? {} : { hostname: j.hostname }),
    });
  } catch (err) {
    await deleteLinkOffThread(j.sandbox, j.ifname).catch(() => undefined);
    throw err;
  }
  return {
    interface: { placement: "sandbox" }, address: lease.address, staticRoutes: lease.routes, disableGatewayService: false,
    ...(lease.gateway === undefined ? {} : { gateway: lease.gateway }),
    dns: { servers: lease.dnsServers, search: lease.searchDomains },
  };
}
