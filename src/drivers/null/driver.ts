// The null driver: a network with no connectivity at all (a sandbox keeps only `lo`). Docker's "none".

import type {
  Capability, CreateEndpointResult, CreateNetworkRequest, JoinResult, NetworkDriver, Restorable, RestoreState,
} from "../../driver-api/index.js";
import { forbidden } from "../../errors/index.js";

export class NullDriver implements NetworkDriver, Restorable {
  readonly name = "null";
  #network: string | undefined;

  capability(): Capability {
    return { dataScope: "local", connectivityScope: "" };
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    if (this.#network !== undefined && this.#network !== req.networkId) {
      throw forbidden("ERR_SINGLE_INSTANCE", 'only one instance of "null" network is allowed');
    }
    this.#network = req.networkId;
  }

  async deleteNetwork(networkId: string): Promise<void> {
    if (networkId === this.#network) throw forbidden("ERR_UNDELETABLE", 'network of type "null" cannot be deleted');
  }

  async createEndpoint(): Promise<CreateEndpointResult> { return {}; }
  async deleteEndpoint(): Promise<void> {}

  async join(): Promise<JoinResult> {
    return { staticRoutes: [], disableGatewayService: true, controllerConfiguresAddresses: false };
  }

  async leave(): Promise<void> {}

  /** After a restart: remember the one network there is, so a second one is still refused. */
  async restore(state: RestoreState): Promise<void> {
    this.#network = state.networks[0]?.networkId;
  }
}
