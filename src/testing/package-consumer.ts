// For the package test: what a user's project holds besides the README example: a strict tsconfig, and a
// network driver of its own written against `libnetwork/driver-api` and `libnetwork/osl` only, run once.

/** A user's tsconfig, as strict as TypeScript gets, checking the package's declaration files too. */
export function TSCONFIG(typeRoots: string): unknown {
  return {
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true, skipLibCheck: false, types: ["node"], typeRoots: [typeRoots], outDir: ".",
    },
    files: ["readme.ts", "driver.ts"],
  };
}

/**
 * A veth driver (each join: a pair whose peer is born in the sandbox under its final name), then a
 * network, an endpoint and a sandbox on it; prints the endpoint's address and what the sandbox's
 * interface holds, read through the osl handles, and removes everything.
 */
export function CUSTOM_DRIVER_SOURCE(scratch: string, resolvConf: string, subnet: string): string {
  const options = JSON.stringify({
    dataDir: `${scratch}/data`, netnsDir: `${scratch}/netns`, etcNetnsDir: `${scratch}/netns-etc`, hostResolvConf: resolvConf,
    firewall: "none",
  });
  return `import {
  Controller, formatPrefix, isLibnetworkError, type AddressPoolConfig, type DriverDeps, type EndpointInfo, type ErrorCode,
  type HandleCache, type KVStore,
} from "libnetwork";
import type {
  Capability, CreateEndpointResult, CreateNetworkRequest, IpAddress, JoinInfo, JoinRequest, NetworkDriver,
} from "libnetwork/driver-api";
import { createVeth, deleteLink, findLink, listAddresses } from "libnetwork/osl";

class PairDriver implements NetworkDriver {
  readonly name = "pair";
  readonly #handles: HandleCache;
  readonly #gateways = new Map<string, IpAddress>();

  constructor(handles: HandleCache) {
    this.#handles = handles;
  }

  capability(): Capability {
    return { dataScope: "local", connectivityScope: "local" };
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    const gw = req.ipv4[0]?.gateway;
    if (gw !== undefined) this.#gateways.set(req.networkId, { family: gw.family, value: gw.address });
  }

  async deleteNetwork(networkId: string): Promise<void> {
    this.#gateways.delete(networkId);
  }

  async createEndpoint(): Promise<CreateEndpointResult> { return {}; }
  async deleteEndpoint(): Promise<void> {}

  async join(req: JoinRequest): Promise<JoinInfo> {
    const peer = { name: req.ifname, netns: this.#handles.get(req.sandboxKey) };
    await createVeth(this.#handles.host(), { name: hostEnd(req.endpointId), up: true, peer });
    const gateway = this.#gateways.get(req.networkId);
    return { interface: { placement: "sandbox" }, staticRoutes: [], disableGatewayService: false, ...(gateway === undefined ? {} : { gateway }) };
  }

  async leave(_networkId: string, endpointId: string): Promise<void> {
    const host = this.#handles.host();
    if ((await findLink(host, hostEnd(endpointId))) !== undefined) await deleteLink(host, hostEnd(endpointId));
  }
}

/** The names users reach for in options and error handling resolve from the package's root. */
export type Named = [KVStore, AddressPoolConfig, EndpointInfo];
export function codeOf(err: unknown): ErrorCode | undefined {
  return isLibnetworkError(err) ? err.code : undefined;
}

const hostEnd = (endpointId: string): string => \`pr\${endpointId.slice(0, 10)}\`;

let handles: HandleCache | undefined;
const controller = await Controller.create({ ...${options} as const, drivers: (deps: DriverDeps) => {
  handles = deps.handles;
  return [new PairDriver(deps.handles)];
} });
const net = await controller.createNetwork({ name: "pairs", driver: "pair", ipam: { config: [{ subnet: "${subnet}.0/24" }] } });
const ep = await net.createEndpoint({ name: "ep1" });
const sb = await controller.createSandbox({ containerId: "c1" });
await ep.join(sb);
const info = ep.info();
const inSandbox = handles === undefined || info.ifname === undefined ? []
  : (await listAddresses(handles.get(sb.key), { link: info.ifname, family: 4 })).map((a) => formatPrefix(a.address));
console.log(JSON.stringify({ address: info.address, ifname: info.ifname, inSandbox, hostEnd: hostEnd(ep.id) }));
await ep.leave(sb); await ep.delete(); await sb.delete(); await net.delete(); await controller.close();
`;
}
