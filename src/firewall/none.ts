// The `--firewall none` backend: validates like the others, keeps the state, programs nothing.

import { forbidden, notFound, unavailable } from "../errors/index.js";
import type { DriftReport, FirewallBackend, FirewallNetwork, PortMapping } from "./contract.js";
import { validateId, validateMapping, validateNetwork } from "./validate.js";

export class NoneBackend implements FirewallBackend {
  readonly name = "none";
  readonly #nets = new Map<string, FirewallNetwork>();
  #closed = false;

  #open(): void {
    if (this.#closed) throw unavailable("ERR_FIREWALL_CLOSED", "the firewall backend is closed");
  }

  async addNetwork(net: FirewallNetwork): Promise<void> {
    this.#open();
    const checked = validateNetwork(net);
    this.#nets.set(checked.id, checked);
  }

  async removeNetwork(networkId: string): Promise<void> {
    this.#open();
    this.#nets.delete(validateId(networkId, "network"));
  }

  async addPortMappings(networkId: string, endpointId: string, mappings: readonly PortMapping[]): Promise<void> {
    this.#open();
    validateId(endpointId, "endpoint");
    const net = this.#nets.get(validateId(networkId, "network"));
    if (net === undefined) throw notFound("ERR_FIREWALL_NETWORK_NOT_FOUND", `network ${networkId} is not programmed in the firewall`);
    for (const m of mappings) validateMapping(net, m);
    if (mappings.length > 0 && net.internal) {
      throw forbidden("ERR_FIREWALL_INTERNAL_PORTS", `network ${networkId} is internal: ports cannot be published`);
    }
  }

  async removePortMappings(networkId: string, endpointId: string): Promise<void> {
    this.#open();
    validateId(networkId, "network");
    validateId(endpointId, "endpoint");
  }

  async check(): Promise<DriftReport> {
    this.#open();
    return { drifted: false, problems: [] };
  }

  async restore(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
