// The host driver: endpoints share the host's own network namespace; nothing is created or configured.

import type {
  Capability, CreateEndpointResult, CreateNetworkRequest, JoinResult, NetworkDriver, Restorable, RestoreState,
} from "../../driver-api/index.js";
import { forbidden } from "../../errors/index.js";

export class HostDriver implements NetworkDriver, Restorable {
  readonly name = "host";
  #network: string | undefined;

  capability(): Capability {
    return { dataScope: "local", connectivityScope: "local" };
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    if (this.#network !== undefined && this.#network !== req.networkId) {
      throw forbidden("ERR_SINGLE_INSTANCE", 'only one instance of "host" network is allowed');
    }
    this.#network = req.networkId;
  }

  async deleteNetwork(networkId: string): Promise<void> {
    if (networkId === this.#network) throw forbidden("ERR_UNDELETABLE", 'network of type "host" cannot be deleted');
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
