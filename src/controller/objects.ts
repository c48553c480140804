// The CNM objects users hold: Network, Endpoint, Sandbox. Thin views over the controller's records,
// with both the modern API and the original libnetwork README's (PascalCase) names.

import { hasOperationalInfo } from "../driver-api/index.js";
import { linkStatistics, type InterfaceStatistics } from "../osl/index.js";
import type { ControllerContext } from "./context.js";
import { createEndpoint } from "./endpoint-create.js";
import { joinedEndpoints } from "./endpoint-join.js";
import { operationalEndpoint } from "./gateway-network.js";
import { deleteWithGatewayService, joinWithGatewayService, leaveWithGatewayService } from "./gateway-service.js";
import { renameEndpoint } from "./endpoint-rename.js";
import type { CreateEndpointOptions, PortBindingInput } from "./endpoint-options.js";
import { endpointInfo, portMapEntry, type EndpointDriverInfo, type EndpointInfo, type PortMapEntry } from "./endpoint-info.js";
import { errEndpointNotFound, errNetworkNotFound, errSandboxNotFound } from "./errors.js";
import { resolveRef } from "./ids.js";
import { deleteNetwork } from "./network-delete.js";
import { sandboxPortBindings, withAddedPorts } from "./gateway.js";
import type { EndpointRecord, NetworkRecord, PortBindingRecord, SandboxRecord } from "./records.js";
import { deleteSandbox } from "./sandbox-delete.js";
import { sandboxHandle } from "./sandbox-interface.js";
import type { CreateSandboxOptions, SandboxConfigOptions } from "./sandbox-create.js";
import { refreshSandbox } from "./sandbox-refresh.js";
import { addSandboxPorts, removeSandboxPorts, type AddedPorts, type PortSelector } from "./sandbox-ports.js";

/** Finds or creates the sandbox of a container (the README's `ep.Join("container1", …)`). */
export type SandboxResolver = (containerIdOrSandbox: string | Sandbox, options: Partial<CreateSandboxOptions>) => Promise<Sandbox>;

export const PORTMAP_KEY = "com.docker.network.portmap";

export const MAC_KEY = "com.docker.network.endpoint.macaddress";

export class Network {
  readonly id: string;
  readonly #ctx: ControllerContext;
  readonly #sandboxes: SandboxResolver;

  constructor(ctx: ControllerContext, id: string, sandboxes: SandboxResolver) {
    this.#ctx = ctx;
    this.id = id;
    this.#sandboxes = sandboxes;
  }

  info(): NetworkRecord {
    const r = this.#ctx.state.network(this.id);
    if (r === undefined) throw errNetworkNotFound(this.id);
    return r;
  }

  get name(): string { return this.info().name; }
  get type(): string { return this.info().driver; }

  async createEndpoint(options: CreateEndpointOptions): Promise<Endpoint> {
    const r = await createEndpoint(this.#ctx, this.id, options);
    return new Endpoint(this.#ctx, r.id, this.#sandboxes);
  }

  /** Ready endpoints, and those whose delete failed half way (deleting them again finishes it). */
  endpoints(): Endpoint[] {
    return this.#ctx.state.endpointsOf(this.id).filter((e) => e.state !== "creating").map((e) => new Endpoint(this.#ctx, e.id, this.#sandboxes));
  }

  /** By name, ID or unique ID prefix. */
  endpoint(ref: string): Endpoint {
    const r = resolveRef("endpoint", ref, this.#ctx.state.endpointsOf(this.id).filter((e) => e.state !== "creating"));
    return new Endpoint(this.#ctx, r.id, this.#sandboxes);
  }

  async delete(): Promise<void> {
    await deleteNetwork(this.#ctx, this.id);
  }

  // The original README's names.
  Name(): string { return this.name; }
  ID(): string { return this.id; }
  Type(): string { return this.type; }
  CreateEndpoint(name: string, options: Omit<CreateEndpointOptions, "name"> = {}): Promise<Endpoint> {
    return this.createEndpoint({ ...options, name });
  }
  Delete(): Promise<void> { return this.delete(); }
}

export class Endpoint {
  readonly id: string;
  readonly #ctx: ControllerContext;
  readonly #sandboxes: SandboxResolver;

  constructor(ctx: ControllerContext, id: string, sandboxes: SandboxResolver) {
    this.#ctx = ctx;
    this.id = id;
    this.#sandboxes = sandboxes;
  }

  /** A snapshot of the endpoint: addresses, gateway, ports, and where it is joined. */
  info(): EndpointInfo {
    const r = this.#record();
    return endpointInfo(r, r.sandboxId === undefined ? undefined : this.#ctx.state.sandbox(r.sandboxId)?.name);
  }

  #record(): EndpointRecord {
    const r = this.#ctx.state.endpoint(this.id);
    if (r === undefined) throw errEndpointNotFound(this.id);
    return r;
  }

  get name(): string { return this.#record().name; }
  /** The sandbox it is joined to, if it is: `info().sandboxId` without building the whole snapshot. */
  get sandboxId(): string | undefined { return this.#record().sandboxId; }
  /** The network's name (libnetwork's Endpoint.Network()). */
  get network(): string { return this.#ctx.state.network(this.#record().networkId)?.name ?? ""; }

  /**
   * Operational data: the driver's, plus the port map and MAC under Docker's keys. For an endpoint whose
   * sandbox reaches out through the gateway service, its gateway endpoint's (as Docker's DriverInfo does):
   * that is where the sandbox's ports are published.
   */
  driverInfo(): EndpointDriverInfo {
    const r = operationalEndpoint(this.#ctx, this.#record());
    const network = this.#ctx.state.network(r.networkId);
    const ip = r.address?.split("/")[0] ?? "";
    const out: Record<string, unknown> = { [PORTMAP_KEY]: r.portBindings.map((b) => portMapEntry(b, ip)), [MAC_KEY]: r.macAddress ?? "" };
    const driver = network === undefined ? undefined : this.#driverSync(network.driver);
    if (driver !== undefined && hasOperationalInfo(driver)) {
      for (const [k, v] of driver.endpointOperInfo(r.networkId, r.id)) out[k] = v;
    }
    return out as EndpointDriverInfo;
  }

  /**
   * The ports this endpoint publishes now, as its driver reports them (host ports resolved; one entry per
   * family): non-empty only on a sandbox's gateway endpoint, which publishes the whole sandbox's ports.
   */
  publishedPorts(): readonly PortMapEntry[] {
    const r = operationalEndpoint(this.#ctx, this.#record());
    const network = this.#ctx.state.network(r.networkId);
    const driver = network === undefined ? undefined : this.#driverSync(network.driver);
    if (driver === undefined || !hasOperationalInfo(driver)) return [];
    const portmap = driver.endpointOperInfo(r.networkId, r.id).get(PORTMAP_KEY);
    return Array.isArray(portmap) ? (portmap as PortMapEntry[]) : [];
  }

  /** Joins a sandbox (a string: the container ID, whose sandbox is created on first use, as in the README). */
  async join(sandbox: Sandbox | string, options: Partial<CreateSandboxOptions> & { readonly priority?: number } = {}): Promise<void> {
    const { priority, ...sandboxOptions } = options;
    const sb = await this.#sandboxes(sandbox, sandboxOptions);
    await joinWithGatewayService(this.#ctx, this.id, sb.id, priority ?? 0);
  }

  async leave(sandbox: Sandbox | string): Promise<void> {
    // A string names the sandbox to leave (container ID, sandbox ID, name or prefix): it must be the one joined.
    await leaveWithGatewayService(this.#ctx, this.id, typeof sandbox === "string" ? sandboxIdOf(this.#ctx, sandbox) : sandbox.id);
  }

  async delete(force = false): Promise<void> {
    await deleteWithGatewayService(this.#ctx, this.id, force);
  }

  /** A new name, unique in the network; DNS answers to it at once. */
  async rename(name: string): Promise<void> {
    await renameEndpoint(this.#ctx, this.id, name);
  }

  #driverSync(name: string): ReturnType<ControllerContext["drivers"]["peek"]> {
    return this.#ctx.drivers.peek(name);
  }

  // The original README's names.
  Name(): string { return this.name; }
  ID(): string { return this.id; }
  Network(): string { return this.network; }
  Join(sandbox: Sandbox | string, ...options: ReadonlyArray<Partial<CreateSandboxOptions> & { readonly priority?: number }>): Promise<void> {
    return this.join(sandbox, Object.assign({}, ...options) as Partial<CreateSandboxOptions> & { priority?: number });
  }
  Leave(sandbox: Sandbox | string): Promise<void> { return this.leave(sandbox); }
  DriverInfo(): EndpointDriverInfo { return this.driverInfo(); }
  Delete(force = false): Promise<void> { return this.delete(force); }
}

/** The ID of a ready sandbox named by container ID, sandbox ID, name or unique ID prefix. */
function sandboxIdOf(ctx: ControllerContext, ref: string): string {
  const ready = [...ctx.state.sandboxes.values()].map((v) => v.record).filter((s) => s.state === "ready");
  return (ready.find((s) => s.containerId === ref) ?? resolveRef("sandbox", ref, ready)).id;
}

export class Sandbox {
  readonly id: string;
  readonly #ctx: ControllerContext;

  constructor(ctx: ControllerContext, id: string) {
    this.#ctx = ctx;
    this.id = id;
  }

  info(): SandboxRecord {
    const r = this.#ctx.state.sandbox(this.id);
    if (r === undefined) throw errSandboxNotFound(this.id);
    return r;
  }

  get containerId(): string { return this.info().containerId; }
  get name(): string { return this.info().name; }
  /** Path of the sandbox's network namespace. */
  get key(): string { return this.info().key; }
  /** Path of its UTS namespace (its hostname), for `nsenter --uts=`; undefined when it has none. */
  get utsPath(): string | undefined {
    const r = this.info();
    return r.uts === true && this.#ctx.uts !== undefined ? this.#ctx.uts.pathOf(r.name) : undefined;
  }

  async delete(): Promise<void> {
    await deleteSandbox(this.#ctx, this.id);
  }

  /** Counters of the sandbox's endpoint interfaces, keyed by their in-sandbox names (Docker's Statistics). */
  async statistics(): Promise<Map<string, InterfaceStatistics>> {
    const sb = this.info();
    const names = joinedEndpoints(this.#ctx, sb).map((e) => e.ifname ?? "").filter((n) => n !== "");
    if (names.length === 0 || sb.hostNetns) return new Map();
    const all = await linkStatistics(sandboxHandle(this.#ctx, sb));
    return new Map(names.flatMap((n): Array<[string, InterfaceStatistics]> => {
      const s = all.get(n);
      return s === undefined ? [] : [[n, s]];
    }));
  }

  /**
   * Docker's Refresh: the hostname, domain name, DNS options and extra hosts are reset to their defaults
   * and `options` applied; hosts, resolv.conf and the embedded resolver's view follow. Endpoints stay joined.
   */
  async refresh(options: SandboxConfigOptions = {}): Promise<void> {
    await refreshSandbox(this.#ctx, this.id, options);
  }

  /** Every port binding the sandbox has: given at its creation, added since, and given with its endpoints. */
  portBindings(): PortBindingRecord[] {
    const sb = this.info();
    return sandboxPortBindings(withAddedPorts(this.#ctx, sb), joinedEndpoints(this.#ctx, sb));
  }

  /**
   * Publishes more ports while the sandbox runs, on whichever endpoint is its gateway (they follow it
   * as ports given at creation do): all of them or, on an error, none. Answers where, per family.
   */
  async addPorts(bindings: readonly PortBindingInput[]): Promise<AddedPorts> {
    return addSandboxPorts(this.#ctx, this.id, bindings);
  }

  /** Unpublishes and forgets the bindings `selector` names (their open connections end too); answers them. */
  async removePorts(selector: PortSelector): Promise<PortBindingRecord[]> {
    return removeSandboxPorts(this.#ctx, this.id, selector);
  }

  ID(): string { return this.id; }
  Statistics(): Promise<Map<string, InterfaceStatistics>> { return this.statistics(); }
  Refresh(options: SandboxConfigOptions = {}): Promise<void> { return this.refresh(options); }
  ContainerID(): string { return this.containerId; }
  Key(): string { return this.key; }
  Delete(): Promise<void> { return this.delete(); }
}
