// A Docker IPAM plugin as an Ipam of the contract: every call is one request of the remote IPAM protocol.

import { errNoIpReturned, type AddressGrant, type AddressSpaces, type Ipam, type IpamCapabilities, type IpamOptions, type PoolGrant, type PoolRequest } from "../ipam-api/index.js";
import type { IpAddress } from "../types/index.js";
import { PluginInterfaces, type PluginClient } from "./client.js";
import {
  decodeAddressGrant, decodeAddressSpaces, decodeCapabilities, decodePoolGrant, encodeReleaseAddress, encodeRequestAddress, encodeRequestPool,
} from "./ipam-wire.js";
import { badAnswer } from "./wire-values.js";

const NO_CAPABILITIES: IpamCapabilities = Object.freeze({ requiresMacAddress: false, requiresRequestReplay: false });

export class RemoteIpam implements Ipam {
  readonly name: string;
  readonly #client: PluginClient;
  readonly #capabilities: IpamCapabilities;
  readonly #spaces: AddressSpaces;

  private constructor(client: PluginClient, capabilities: IpamCapabilities, spaces: AddressSpaces) {
    this.name = client.name;
    this.#client = client;
    this.#capabilities = Object.freeze(capabilities);
    this.#spaces = Object.freeze(spaces);
  }

  /**
   * Activates the plugin (it must implement IpamDriver) and asks, once, what Docker asks at registration:
   * its capabilities (optional: a failure means none) and its default address spaces.
   */
  static async open(client: PluginClient): Promise<RemoteIpam> {
    await client.require(PluginInterfaces.ipam);
    const capabilities = await client.ipam("GetCapabilities")
      .then((a) => decodeCapabilities(a, badAnswer(client.name, "IpamDriver.GetCapabilities")), () => NO_CAPABILITIES);
    const spaces = decodeAddressSpaces(await client.ipam("GetDefaultAddressSpaces"), badAnswer(client.name, "IpamDriver.GetDefaultAddressSpaces"));
    return new RemoteIpam(client, capabilities, spaces);
  }

  async getDefaultAddressSpaces(): Promise<AddressSpaces> {
    return this.#spaces;
  }

  async capabilities(): Promise<IpamCapabilities> {
    return this.#capabilities;
  }

  async requestPool(request: PoolRequest): Promise<PoolGrant> {
    const answer = await this.#client.ipam("RequestPool", encodeRequestPool(request));
    return decodePoolGrant(answer, badAnswer(this.name, "IpamDriver.RequestPool"));
  }

  async releasePool(poolId: string): Promise<void> {
    await this.#client.ipam("ReleasePool", { PoolID: poolId });
  }

  /** An answer without an address is Docker's ErrNoIPReturned. */
  async requestAddress(poolId: string, preferred?: IpAddress, options?: IpamOptions): Promise<AddressGrant> {
    const answer = await this.#client.ipam("RequestAddress", encodeRequestAddress(poolId, preferred, options));
    const grant = decodeAddressGrant(answer, badAnswer(this.name, "IpamDriver.RequestAddress"));
    if (grant.address === undefined) throw errNoIpReturned();
    return grant;
  }

  async releaseAddress(poolId: string, address: IpAddress): Promise<void> {
    await this.#client.ipam("ReleaseAddress", encodeReleaseAddress(poolId, address));
  }

  close(): void {
    this.#client.close();
  }
}
