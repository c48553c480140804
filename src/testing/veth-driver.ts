// A minimal network driver for controller tests: each join creates a veth whose peer is born inside the
// sandbox under the requested name; the gateway is the network's IPAM gateway. No bridge, no firewall.

import type {
  Capability, CreateEndpointResult, CreateNetworkRequest, JoinRequest, JoinResult, NetworkDriver,
} from "../driver-api/index.js";
import { HandleCache, createVeth, deleteLink, findLink } from "../osl/index.js";
import type { IpAddress } from "../types/index.js";

export class TestVethDriver implements NetworkDriver {
  readonly name: string;
  readonly calls: string[] = [];
  readonly #handles: HandleCache;
  readonly #gateways = new Map<string, IpAddress | undefined>();
  readonly #hostSide = new Map<string, string>();

  readonly #endpointsInMemory: boolean;

  /** `endpointsInMemory`: declare that capability (its endpoints are in memory either way), as bridge does. */
  constructor(handles: HandleCache, name = "testveth", endpointsInMemory = false) {
    this.#handles = handles;
    this.name = name;
    this.#endpointsInMemory = endpointsInMemory;
  }

  capability(): Capability {
    return { dataScope: "local", connectivityScope: "local", endpointsInMemory: this.#endpointsInMemory };
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    this.calls.push(`createNetwork ${req.networkId}`);
    const gw = req.ipv4[0]?.gateway;
    this.#gateways.set(req.networkId, gw === undefined ? undefined : { family: gw.family, value: gw.address });
  }

  async deleteNetwork(networkId: string): Promise<void> {
    this.calls.push(`deleteNetwork ${networkId}`);
    this.#gateways.delete(networkId);
  }

  async createEndpoint(): Promise<CreateEndpointResult> { return {}; }
  async deleteEndpoint(): Promise<void> {}

  async join(req: JoinRequest): Promise<JoinResult> {
    this.calls.push(`join ${req.endpointId} ${req.ifname}`);
    const host = `tv${req.endpointId.slice(0, 10)}`;
    await createVeth(this.#handles.host(), { name: host, up: true, peer: { name: req.ifname, netns: this.#handles.get(req.sandboxKey) } });
    this.#hostSide.set(req.endpointId, host);
    const gateway = this.#gateways.get(req.networkId);
    return { staticRoutes: [], disableGatewayService: false, controllerConfiguresAddresses: true, ...(gateway === undefined ? {} : { gateway }) };
  }

  async leave(_networkId: string, endpointId: string): Promise<void> {
    this.calls.push(`leave ${endpointId}`);
    const host = this.#hostSide.get(endpointId) ?? `tv${endpointId.slice(0, 10)}`;
    if ((await findLink(this.#handles.host(), host)) !== undefined) await deleteLink(this.#handles.host(), host);
    this.#hostSide.delete(endpointId);
  }
}
