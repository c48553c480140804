// A Docker network plugin as a driver of the contract: every call is one request of the remote driver
// protocol. The plugin makes its interface in the host's namespace and names it (SrcName); the controller
// moves it into the sandbox under the name it chose (a plugin's DstPrefix is not used: docs/plugins.md).

import type {
  Capability, CreateEndpointRequest, CreateEndpointResult, CreateNetworkRequest, Discovery, DiscoveryType, EndpointInterface,
  ExternalConnectivity, ExternalConnectivityRequest, JoinInfo, JoinRequest, NetworkAllocation, NetworkDriver, NodeDiscovery, OperationalInfo, PortBinding,
  Restorable, RestoreState,
} from "../driver-api/index.js";
import { formatIp, formatPrefix, ipOf } from "../types/index.js";
import { PluginInterfaces, type PluginClient, type WireObject } from "./client.js";
import { PluginError, PluginErrorCodes, isPluginError } from "./errors.js";
import {
  decodeCapability, decodeInterface, decodeJoinResponse, encodeCreateEndpoint, encodeCreateNetwork, encodeDiscovery, encodeJoin, endpointOptions,
} from "./network-wire.js";
import { badAnswer, decodeOperInfo, object, optionalObject, optionsMap, type Json } from "./wire-values.js";

interface KnownEndpoint {
  readonly bindings: readonly PortBinding[];
  /** The endpoint's IPv4 address without its length ("" when it has none), for the port map's `IP`. */
  readonly containerIp: string;
  readonly operInfo: ReadonlyMap<string, unknown>;
}

/**
 * The call may have done its work at the plugin without our knowing (no answer in time, the connection
 * broke after the request went out): its undo is sent, so nothing is left half made.
 */
function outcomeUnknown(err: unknown): boolean {
  return isPluginError(err) && (err.code === PluginErrorCodes.timeout || err.code === PluginErrorCodes.unreachable);
}

/** A 404 answer: Docker's "this plugin does not implement that method". */
function notImplementedAnswer(err: unknown): boolean {
  return isPluginError(err) && err.code === PluginErrorCodes.httpStatus && err.kind === "not-implemented";
}

export class RemoteDriver implements NetworkDriver, ExternalConnectivity, OperationalInfo, Discovery, NetworkAllocation, Restorable {
  readonly name: string;
  readonly #client: PluginClient;
  readonly #capability: Capability;
  readonly #endpoints = new Map<string, KnownEndpoint>();

  private constructor(client: PluginClient, capability: Capability) {
    this.name = client.name;
    this.#client = client;
    this.#capability = Object.freeze(capability);
  }

  /** Activates the plugin (it must implement NetworkDriver) and asks its capabilities, as Docker registers it. */
  static async open(client: PluginClient): Promise<RemoteDriver> {
    await client.require(PluginInterfaces.network);
    const answer = await client.network("GetCapabilities");
    return new RemoteDriver(client, decodeCapability(answer, badAnswer(client.name, "NetworkDriver.GetCapabilities")));
  }

  capability(): Capability {
    return this.#capability;
  }

  async createNetwork(req: CreateNetworkRequest): Promise<void> {
    await this.#undoneOnFailure(this.#client.network("CreateNetwork", encodeCreateNetwork(req)), () => this.deleteNetwork(req.networkId));
  }

  async deleteNetwork(networkId: string): Promise<void> {
    await this.#client.network("DeleteNetwork", { NetworkID: networkId });
  }

  async allocateNetwork(req: CreateNetworkRequest): Promise<ReadonlyMap<string, string>> {
    const { Options: _o, ...rest } = encodeCreateNetwork(req);
    const answer = await this.#client.network("AllocateNetwork", { ...rest, Options: Object.fromEntries(req.options) });
    return optionsMap(answer.Options, "Options", badAnswer(this.name, "NetworkDriver.AllocateNetwork"));
  }

  async freeNetwork(networkId: string): Promise<void> {
    await this.#client.network("FreeNetwork", { NetworkID: networkId });
  }

  /** The plugin may fill in what the request left empty; changing what was given rolls the endpoint back (Docker). */
  async createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResult> {
    const undo = (): Promise<unknown> => this.#client.network("DeleteEndpoint", { NetworkID: req.networkId, EndpointID: req.endpointId });
    const answer = await this.#undoneOnFailure(this.#client.network("CreateEndpoint", encodeCreateEndpoint(req)), undo);
    let filled: EndpointInterface;
    try {
      filled = this.#filledIn(req.iface, decodeInterface(optionalObject(answer, "answer", badAnswer(this.name, "NetworkDriver.CreateEndpoint")).Interface,
        badAnswer(this.name, "NetworkDriver.CreateEndpoint")));
    } catch (err) {
      await undo().catch(() => {});
      throw err;
    }
    const address = req.iface.address ?? filled.address;
    this.#endpoints.set(req.endpointId, { bindings: req.portBindings, containerIp: address === undefined ? "" : formatIp(ipOf(address)), operInfo: new Map() });
    await this.#refreshOperInfo(req.networkId, req.endpointId);
    return Object.keys(filled).length === 0 ? {} : { iface: filled };
  }

  async deleteEndpoint(networkId: string, endpointId: string): Promise<void> {
    await this.#client.network("DeleteEndpoint", { NetworkID: networkId, EndpointID: endpointId });
    this.#endpoints.delete(endpointId);
  }

  /** The plugin's interface is in the host's namespace as SrcName; an answer that cannot be used is left again. */
  async join(req: JoinRequest): Promise<JoinInfo> {
    const answer = await this.#undoneOnFailure(this.#client.network("Join", encodeJoin(req)), () => this.leave(req.networkId, req.endpointId));
    try {
      return decodeJoinResponse(answer, badAnswer(this.name, "NetworkDriver.Join")).info;
    } catch (err) {
      await this.leave(req.networkId, req.endpointId).catch(() => {});
      throw err;
    }
  }

  async leave(networkId: string, endpointId: string): Promise<void> {
    await this.#client.network("Leave", { NetworkID: networkId, EndpointID: endpointId });
  }

  /** With the endpoint's ports, as Docker sends the sandbox's; a plugin without it (404) has nothing to do. */
  async programExternalConnectivity(networkId: string, endpointId: string, req: ExternalConnectivityRequest): Promise<void> {
    const ep = this.#endpoints.get(endpointId);
    // The sandbox's bindings (they follow its gateway), as dockerd sends them in the options.
    const Options = endpointOptions(new Map(), req.portBindings, ep?.containerIp ?? "");
    await this.#optional("ProgramExternalConnectivity", { NetworkID: networkId, EndpointID: endpointId, Options });
    await this.#refreshOperInfo(networkId, endpointId);
  }

  async revokeExternalConnectivity(networkId: string, endpointId: string): Promise<void> {
    await this.#optional("RevokeExternalConnectivity", { NetworkID: networkId, EndpointID: endpointId });
    await this.#refreshOperInfo(networkId, endpointId);
  }

  /** What the plugin last answered to EndpointOperInfo (asked after CreateEndpoint and after ports change; its failures are not the caller's). */
  endpointOperInfo(_networkId: string, endpointId: string): ReadonlyMap<string, unknown> {
    return this.#endpoints.get(endpointId)?.operInfo ?? new Map();
  }

  async discoverNew(type: DiscoveryType, data: NodeDiscovery): Promise<void> {
    if (type === "node") await this.#client.network("DiscoverNew", encodeDiscovery(data));
  }

  async discoverDelete(type: DiscoveryType, data: NodeDiscovery): Promise<void> {
    if (type === "node") await this.#client.network("DiscoverDelete", encodeDiscovery(data));
  }

  /** After a restart: remembers each endpoint's ports (for ProgramExternalConnectivity); asks the plugin nothing. */
  async restore(state: RestoreState): Promise<void> {
    for (const e of state.endpoints) {
      const ip = e.iface.address === undefined ? "" : formatIp(ipOf(e.iface.address));
      this.#endpoints.set(e.endpointId, { bindings: e.portBindings, containerIp: ip, operInfo: this.#endpoints.get(e.endpointId)?.operInfo ?? new Map() });
    }
  }

  /** Closes the plugin's connections (the controller is closing). */
  close(): void {
    this.#client.close();
  }

  #filledIn(given: EndpointInterface, answered: EndpointInterface): EndpointInterface {
    const changed = (["address", "addressIPv6", "macAddress"] as const).filter((k) => {
      const a = answered[k];
      const g = given[k];
      if (a === undefined || g === undefined) return false;
      return typeof a === "string" || typeof g === "string" ? a !== g : formatPrefix(a) !== formatPrefix(g);
    });
    if (changed.length > 0) {
      throw new PluginError("forbidden", PluginErrorCodes.modifiedInterface,
        `plugin ${this.name}: driver modified interface ${changed.join(", ")} that was already set; rolled back`, { plugin: this.name, method: "NetworkDriver.CreateEndpoint" });
    }
    return {
      ...(given.address === undefined && answered.address !== undefined ? { address: answered.address } : {}),
      ...(given.addressIPv6 === undefined && answered.addressIPv6 !== undefined ? { addressIPv6: answered.addressIPv6 } : {}),
      ...(given.macAddress === undefined && answered.macAddress !== undefined ? { macAddress: answered.macAddress } : {}),
    };
  }

  async #undoneOnFailure<T>(call: Promise<T>, undo: () => Promise<unknown>): Promise<T> {
    try {
      return await call;
    } catch (err) {
      if (outcomeUnknown(err)) await undo().catch(() => {});
      throw err;
    }
  }

  async #optional(method: string, body: Json): Promise<WireObject> {
    try {
      return await this.#client.network(method, body);
    } catch (err) {
      if (notImplementedAnswer(err)) return {};
      throw err;
    }
  }

  async #refreshOperInfo(networkId: string, endpointId: string): Promise<void> {
    const ep = this.#endpoints.get(endpointId);
    if (ep === undefined) return;
    let value: Json;
    try {
      const answer = await this.#client.network("EndpointOperInfo", { NetworkID: networkId, EndpointID: endpointId });
      value = optionalObject(answer.Value, "Value", badAnswer(this.name, "NetworkDriver.EndpointOperInfo"));
    } catch {
      return; // informational: a plugin without it (404) or failing now keeps what it answered last
    }
    const now = this.#endpoints.get(endpointId);
    if (now !== undefined) this.#endpoints.set(endpointId, { ...now, operInfo: decodeOperInfo(object(value, "Value", badAnswer(this.name, "EndpointOperInfo"))) });
  }
}
