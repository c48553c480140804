// Docker's host and null drivers share one shape: exactly one network, never deleted, endpoints that
// create nothing and give the sandbox no interface. (A base for those two; other drivers implement
// NetworkDriver directly.)

import { forbidden } from "../errors/index.js";
import type { Restorable, RestoreState } from "./capabilities.js";
import type { Capability, CreateEndpointResult, CreateNetworkRequest, JoinInfo, NetworkDriver } from "./contract.js";

export class SingleInstanceDriver implements NetworkDriver, Restorable {
  readonly name: string;
  readonly #capability: Capability;
  #network: string | undefined;

  /** `capability`: the scopes, and whether joins are for sandboxes in the host's netns; `noInterface` is implied. */
  constructor(name: string, capability: Omit<Capability, "noInterface">) {
    this.name = name;
    this.#capability = Object.freeze({ ...capability, noInterface: true });
  }

  capability(): Capability {
    return this.#capability;
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    if (this.#network !== undefined && this.#network !== req.networkId) {
      throw forbidden("ERR_SINGLE_INSTANCE", `only one instance of "${this.name}" network is allowed`);
    }
    this.#network = req.networkId;
  }

  async deleteNetwork(networkId: string): Promise<void> {
    if (networkId === this.#network) throw forbidden("ERR_UNDELETABLE", `network of type "${this.name}" cannot be deleted`);
  }

  async createEndpoint(): Promise<CreateEndpointResult> { return {}; }
  async deleteEndpoint(): Promise<void> {}

  async join(): Promise<JoinInfo> {
    return { staticRoutes: [], disableGatewayService: true };
  }

  async leave(): Promise<void> {}

  /** After a restart: remember the one network there is, so a second one is still refused. */
  async restore(state: RestoreState): Promise<void> {
    this.#network = state.networks[0]?.networkId;
  }
}
