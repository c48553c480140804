// Docker's host and null drivers share one shape: exactly one network, never deleted, endpoints that
// create nothing. (A base for those two; other drivers implement NetworkDriver directly.)

import { forbidden } from "../errors/index.js";
import type {
  Capability, CreateEndpointResult, CreateNetworkRequest, DataScope, JoinResult, NetworkDriver, Restorable,
  RestoreState,
} from "./contract.js";

export class SingleInstanceDriver implements NetworkDriver, Restorable {
  readonly name: string;
  readonly #connectivity: DataScope | "";
  #network: string | undefined;

  constructor(name: string, connectivityScope: DataScope | "") {
    this.name = name;
    this.#connectivity = connectivityScope;
  }

  capability(): Capability {
    return { dataScope: "local", connectivityScope: this.#connectivity, endpointsInMemory: true };
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

  async join(): Promise<JoinResult> {
    return { staticRoutes: [], disableGatewayService: true, controllerConfiguresAddresses: false };
  }

  async leave(): Promise<void> {}

  /** After a restart: remember the one network there is, so a second one is still refused. */
  async restore(state: RestoreState): Promise<void> {
    this.#network = state.networks[0]?.networkId;
  }
}
