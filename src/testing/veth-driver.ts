// A network driver written for tests against nothing but the driver contract (and osl for the kernel):
// each join creates a veth pair whose sandbox end is either born inside the sandbox under its final name
// or, like a remote plugin's, left in the host's netns for the controller to move; the gateway is the
// network's IPAM gateway. No bridge, no firewall.

import type {
  Capability, CreateEndpointResult, CreateNetworkRequest, JoinInfo, JoinRequest, NetworkDriver,
} from "../driver-api/index.js";
import { createVeth, deleteLink, findLink, type HandleCache } from "../osl/index.js";
import type { IpAddress } from "../types/index.js";

export interface TestVethDriverOptions {
  readonly name?: string;
  /** Where the sandbox end is created: in the sandbox (default) or in the host's netns, to be moved. */
  readonly placement?: "sandbox" | "host";
}

export class TestVethDriver implements NetworkDriver {
  readonly name: string;
  readonly calls: string[] = [];
  /** Every join request as received (options included). */
  readonly joins: JoinRequest[] = [];
  readonly #handles: HandleCache;
  readonly #placement: "sandbox" | "host";
  readonly #gateways = new Map<string, IpAddress | undefined>();

  constructor(handles: HandleCache, options: TestVethDriverOptions = {}) {
    this.#handles = handles;
    this.name = options.name ?? "testveth";
    this.#placement = options.placement ?? "sandbox";
  }

  capability(): Capability {
    return { dataScope: "local", connectivityScope: "local" };
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

  async join(req: JoinRequest): Promise<JoinInfo> {
    this.calls.push(`join ${req.endpointId} ${req.ifname}`);
    this.joins.push(req);
    const host = this.#handles.host();
    const { hostEnd, srcName } = names(req.endpointId);
    const inSandbox = this.#placement === "sandbox";
    const peer = inSandbox ? { name: req.ifname, netns: this.#handles.get(req.sandboxKey) } : { name: srcName };
    await createVeth(host, { name: hostEnd, up: true, peer });
    const gateway = this.#gateways.get(req.networkId);
    return {
      interface: inSandbox ? { placement: "sandbox" } : { placement: "host", srcName },
      staticRoutes: [], disableGatewayService: false, ...(gateway === undefined ? {} : { gateway }),
    };
  }

  async leave(_networkId: string, endpointId: string): Promise<void> {
    this.calls.push(`leave ${endpointId}`);
    const host = this.#handles.host();
    const { hostEnd } = names(endpointId);
    if ((await findLink(host, hostEnd)) !== undefined) await deleteLink(host, hostEnd);
  }
}

function names(endpointId: string): { hostEnd: string; srcName: string } {
  return { hostEnd: `tv${endpointId.slice(0, 10)}`, srcName: `ts${endpointId.slice(0, 10)}` };
}
