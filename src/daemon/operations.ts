// What the routes do, in terms of the controller: Docker's connect (create an endpoint named after the
// sandbox, then join), disconnect, prune, and sandbox creation with its networks — each with undo on
// failure, an event and an operation metric.

import { API_VERSION, type DockerNetworkCreateRequest, type PortBindingDto, type SandboxCreateRequest, type SandboxNetworkRequest } from "../api/dto.js";
import {
  DEFAULT_BRIDGE_NETWORK, type Endpoint, type Network, type NetworkController, type NetworkRecord, type PortBindingInput, type Sandbox,
} from "../controller/index.js";
import { forbidden, invalidArgument, isLibnetworkError, notFound, notImplemented } from "../errors/index.js";
import { parseIp, parsePrefix, prefixContainsIp } from "../types/index.js";
import { findNetwork, type LookupStyle } from "./docker-lookup.js";
import { apiVersionAtLeast } from "./server.js";
import { errorFields } from "./error-info.js";
import type { EventBus } from "./events.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";
import { PendingUndos } from "./pending-undo.js";

export interface ConnectOptions {
  readonly ip?: string;
  readonly ip6?: string;
  readonly aliases?: readonly string[];
  readonly macAddress?: string;
  readonly portBindings?: readonly PortBindingDto[];
  /** Legacy links, `NAME[:ALIAS]`. */
  readonly links?: readonly string[];
  /** Endpoint driver options: recorded with the endpoint, handed to the driver's join. */
  readonly driverOpts?: Readonly<Record<string, string>>;
  readonly linkLocalIps?: readonly string[];
  /** The Engine API version of the request: Docker's behaviour changed at 1.44. */
  readonly apiVersion?: string;
}

/** Names dockerd keeps for its own networks (runconfig.IsPreDefinedNetwork). */
const PREDEFINED_NAMES: ReadonlySet<string> = new Set(["bridge", "host", "none", "default", "ingress"]);

/** Docker's runconfig errors for the default bridge network (validationError: 400). */
const ERR_IP_ON_DEFAULT = "user specified IP address is supported on user defined networks only";
const ERR_ALIAS_ON_DEFAULT = "network-scoped alias is supported only for containers in user defined networks";
const ERR_NO_SUBNET = "user specified IP address is supported only when connecting to networks with user configured subnets";

/** Docker's default network: the predefined bridge network (no names in the resolver, no static IPs, no aliases). */
export function isDefaultBridge(n: NetworkRecord): boolean {
  return n.predefined && n.name === DEFAULT_BRIDGE_NETWORK;
}

export class Operations {
  readonly #undos: PendingUndos;

  constructor(
    readonly controller: NetworkController,
    readonly events: EventBus,
    readonly metrics: Metrics,
    readonly logger: Logger,
  ) {
    this.#undos = new PendingUndos(logger);
  }

  /** Times a change, after the undo steps earlier failed requests left (see PendingUndos). */
  #change<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return this.metrics.time(op, async () => {
      await this.#undos.settle();
      return fn();
    });
  }

  /** A network by Docker's rules (ID, then name — ambiguous when shared — then ID prefix). */
  network(ref: string, style: LookupStyle = "find"): Network {
    return findNetwork(this.controller, ref, style);
  }

  /** Docker's "No such container" for a sandbox that does not exist. */
  sandbox(ref: string): Sandbox {
    try {
      return this.controller.sandbox(ref);
    } catch (err) {
      if (isLibnetworkError(err) && err.kind === "not-found") throw notFound("ERR_SANDBOX_NOT_FOUND", `No such container: ${ref}`);
      throw err;
    }
  }

  /**
   * Docker's create: the predefined names are refused; a name in use is refused when the request says
   * CheckDuplicate, and from API 1.44 always; otherwise created anyway with Docker's warning.
   */
  createNetwork(req: DockerNetworkCreateRequest, apiVersion = API_VERSION): Promise<{ net: Network; warning: string }> {
    return this.#change("network_create", async () => {
      if (PREDEFINED_NAMES.has(req.Name)) throw forbidden("ERR_NETWORK_PREDEFINED", `operation is not permitted on predefined ${req.Name} network `);
      const checkDuplicate = req.CheckDuplicate === true || apiVersionAtLeast(apiVersion, "1.44");
      const same = this.controller.networks().find((n) => n.name === req.Name);
      if (req.Ingress === true) throw forbidden("ERR_INGRESS", "ingress networks need swarm mode, which dnet does not run");
      if (req.ConfigOnly === true) throw notImplemented("ERR_CONFIG_ONLY", "config-only networks are not supported");
      if (req.Scope !== undefined && req.Scope !== null && req.Scope !== "" && req.Scope !== "local") {
        throw invalidArgument("ERR_INVALID_SCOPE", `scope ${JSON.stringify(req.Scope)} is not supported: use local`);
      }
      const ipamDriver = req.IPAM?.Driver ?? "";
      const net = await this.controller.createNetwork({
        name: req.Name, driver: req.Driver === undefined || req.Driver === null || req.Driver === "" ? "bridge" : req.Driver,
        ipam: {
          ...(ipamDriver === "" ? {} : { driver: ipamDriver }),
          config: (req.IPAM?.Config ?? []).map((c) => ({
            ...(c.Subnet === undefined || c.Subnet === "" ? {} : { subnet: c.Subnet }),
            ...(c.IPRange === undefined || c.IPRange === "" ? {} : { ipRange: c.IPRange }),
            ...(c.Gateway === undefined || c.Gateway === "" ? {} : { gateway: c.Gateway }),
            auxAddresses: c.AuxiliaryAddresses ?? {},
          })),
          ...(req.IPAM?.Options === undefined || req.IPAM.Options === null ? {} : { options: req.IPAM.Options }),
        },
        options: req.Options ?? {}, labels: req.Labels ?? {}, checkDuplicate,
        internal: req.Internal === true, ipv6: req.EnableIPv6 === true, attachable: req.Attachable === true,
      });
      this.events.emit("network", "create", net.id, { name: net.name, type: net.type });
      this.logger.info("network created", { network: net.name, id: net.id, driver: net.type });
      const unused = unusedIPv6(req);
      if (unused !== "") this.logger.warn(unused, { network: net.name });
      const warnings = [same === undefined ? "" : `Network with name ${same.name} (id : ${same.id}) already exists`, unused];
      return { net, warning: warnings.filter((w) => w !== "").join("; ") };
    });
  }

  removeNetwork(ref: string): Promise<void> {
    return this.#change("network_remove", async () => {
      const net = this.network(ref, "unique");
      const { name, driver } = net.info();
      await net.delete();
      this.events.emit("network", "destroy", net.id, { name, type: driver });
      this.logger.info("network removed", { network: name, id: net.id });
    });
  }

  /** Creates the sandbox's endpoint on the network (named after the sandbox) and joins it. */
  connect(netRef: string, sbRef: string, o: ConnectOptions = {}): Promise<Endpoint> {
    return this.#change("connect", async () => {
      const net = this.network(netRef);
      const sb = this.sandbox(sbRef);
      const info = net.info();
      const ip6 = staticIPv6(info, o);
      const defaultBridge = isDefaultBridge(info);
      await leftoverOf(net, sb.name)?.delete(true);
      const ep = await net.createEndpoint({
        name: sb.name,
        ...(o.ip === undefined ? {} : { ip: o.ip }), ...(ip6 === undefined ? {} : { ip6 }),
        ...(o.macAddress === undefined ? {} : { macAddress: o.macAddress }),
        aliases: [...(o.aliases ?? [])], links: [...(o.links ?? [])], linkLocalIps: [...(o.linkLocalIps ?? [])], options: { ...(o.driverOpts ?? {}) },
        // dockerd's endpoints on the default bridge: no names, and no embedded DNS for them.
        ...(defaultBridge ? { anonymous: true, disableResolution: true } : {}),
        portBindings: portInputs(o.portBindings),
      });
      try {
        await ep.join(sb);
      } catch (err) {
        await this.#undos.run(`endpoint:${ep.id}`, `undo of the endpoint ${ep.name} a failed connect created`, () => ep.delete(true));
        throw err;
      }
      this.events.emit("network", "connect", net.id, { name: info.name, container: sb.id, sandbox: sb.name, endpoint: ep.id });
      this.logger.info("sandbox connected", { network: info.name, sandbox: sb.name, endpoint: ep.id, address: ep.info().address });
      return ep;
    });
  }

  disconnect(netRef: string, sbRef: string, force: boolean): Promise<void> {
    return this.#change("disconnect", async () => {
      const net = this.network(netRef);
      let sb: Sandbox | undefined;
      try {
        sb = this.sandbox(sbRef);
      } catch (err) {
        if (!force) throw err;
      }
      // Not joined, but a connect that failed half way (the store refused its undo) left its endpoint: remove it.
      const ep = net.endpoints().find((e) => (sb === undefined ? e.name === sbRef : e.sandboxId === sb.id)) ??
        (sb === undefined ? undefined : leftoverOf(net, sb.name));
      if (ep === undefined) {
        throw notFound("ERR_NOT_CONNECTED", `container ${sb?.name ?? sbRef} is not connected to network ${net.name}`);
      }
      if (sb !== undefined && ep.sandboxId === sb.id) await ep.leave(sb);
      await ep.delete(force);
      this.events.emit("network", "disconnect", net.id, { name: net.name, container: sb?.id ?? "", sandbox: sb?.name ?? sbRef, endpoint: ep.id });
      this.logger.info("sandbox disconnected", { network: net.name, sandbox: sb?.name ?? sbRef, endpoint: ep.id, force: force || undefined });
    });
  }

  /** Deletes every custom network without endpoints that matches the labels; returns their names. */
  prune(labels: readonly string[]): Promise<string[]> {
    return this.#change("network_prune", async () => {
      const deleted: string[] = [];
      for (const net of this.controller.networks()) {
        const info = net.info();
        if (info.predefined || net.endpoints().length > 0 || !labels.every((l) => labelMatches(info.labels, l))) continue;
        try {
          await net.delete();
          deleted.push(info.name);
          this.events.emit("network", "destroy", info.id, { name: info.name, type: info.driver });
        } catch (err) {
          this.logger.debug("prune skipped a network", { network: info.name, ...errorFields(err) });
        }
      }
      this.logger.info("networks pruned", { count: deleted.length, networks: deleted.join(",") || undefined });
      return deleted;
    });
  }

  createSandbox(req: SandboxCreateRequest): Promise<Sandbox> {
    return this.#change("sandbox_create", async () => {
      if ((req.PortBindings ?? []).length > 0 && (req.Networks ?? []).length === 0) {
        throw invalidArgument("ERR_PUBLISH_WITHOUT_NETWORK", "published ports need a network (--network)");
      }
      const networks = (req.Networks ?? []).map((n) => ({ req: n, net: this.network(n.Network) }));
      const sb = await this.controller.createSandbox({
        containerId: req.ContainerID ?? req.Name, name: req.Name,
        ...(req.Hostname === undefined ? {} : { hostname: req.Hostname }),
        ...(req.Domainname === undefined ? {} : { domainname: req.Domainname }),
        dns: req.Dns ?? [], dnsSearch: req.DnsSearch ?? [], dnsOptions: req.DnsOptions ?? [], extraHosts: req.ExtraHosts ?? [],
        portBindings: portInputs(req.PortBindings),
      });
      this.events.emit("sandbox", "create", sb.id, { name: sb.name });
      this.logger.info("sandbox created", { sandbox: sb.name, id: sb.id, netns: sb.info().key });
      try {
        for (const { req: n, net } of networks) await this.connect(net.id, sb.id, connectOptionsOf(n));
      } catch (err) {
        await this.#undos.run(`sandbox:${sb.id}`, `undo of the sandbox ${sb.name} a failed create made`, async () => {
          await this.controller.sandbox(sb.id).delete();
          this.events.emit("sandbox", "destroy", sb.id, { name: sb.name });
        });
        throw err;
      }
      return sb;
    });
  }

  removeSandbox(ref: string, force = true): Promise<void> {
    return this.#change("sandbox_remove", async () => {
      const sb = this.sandbox(ref);
      const info = sb.info();
      if (!force && info.endpoints.length > 0) {
        throw forbidden("ERR_SANDBOX_CONNECTED", `sandbox ${info.name} is connected to ${info.endpoints.length} network(s): disconnect it first or use force`);
      }
      await sb.delete();
      this.events.emit("sandbox", "destroy", sb.id, { name: info.name });
      this.logger.info("sandbox removed", { sandbox: info.name, id: sb.id, endpoints: info.endpoints.length });
    });
  }
}

/**
 * An endpoint named after the sandbox that is not joined: through this API endpoints exist only joined
 * (connect = create + join), so it is what a connect left when its undo could not be written.
 */
function leftoverOf(net: Network, sandboxName: string): Endpoint | undefined {
  // Names are unique in a network; the snapshot (info()) is built for that one only: on every connect,
  // building it for each endpoint made a connect to a network of 1,000 endpoints ~4 ms slower.
  const ep = net.endpoints().find((e) => e.name === sandboxName);
  const i = ep?.info();
  return i !== undefined && i.sandboxId === undefined && i.pending === undefined ? ep : undefined;
}

export function portInputs(dtos: readonly PortBindingDto[] | undefined): PortBindingInput[] {
  return (dtos ?? []).map((p) => ({
    proto: p.Proto, port: p.Port, ...(p.PortEnd === undefined ? {} : { portEnd: p.PortEnd }),
    ...(p.HostIP === undefined || p.HostIP === "" ? {} : { hostIp: p.HostIP }),
    ...(p.HostPort === undefined ? {} : { hostPort: p.HostPort }),
    ...(p.HostPortEnd === undefined ? {} : { hostPortEnd: p.HostPortEnd }),
  }));
}

function connectOptionsOf(n: SandboxNetworkRequest): ConnectOptions {
  return {
    ...(n.IPv4Address === undefined || n.IPv4Address === "" ? {} : { ip: n.IPv4Address }),
    ...(n.IPv6Address === undefined || n.IPv6Address === "" ? {} : { ip6: n.IPv6Address }),
    aliases: n.Aliases ?? [],
  };
}

/**
 * Docker's checks of static addresses and aliases (validateNetworkingConfig), and what becomes of an IPv6
 * address on a network without IPv6: it needs a configured IPv6 subnet (from API 1.44 it must lie in one),
 * then is not assigned, as dockerd does (the endpoint gets no IPv6 address). Returns the IPv6 address to ask for.
 */
function staticIPv6(n: NetworkRecord, o: ConnectOptions): string | undefined {
  if (isDefaultBridge(n) && (o.ip !== undefined || o.ip6 !== undefined)) throw invalidArgument("ERR_STATIC_IP", ERR_IP_ON_DEFAULT);
  if (isDefaultBridge(n) && (o.aliases ?? []).length > 0) throw invalidArgument("ERR_ALIAS", ERR_ALIAS_ON_DEFAULT);
  for (const [ip, pools] of [[o.ip, n.ipam.v4], [o.ip6, n.ipam.v6]] as const) {
    if (ip === undefined) continue;
    const subnets = pools.flatMap((p) => (p.subnet === undefined ? [] : [parsePrefix(p.subnet)]));
    if (subnets.length === 0) throw invalidArgument("ERR_STATIC_IP", ERR_NO_SUBNET);
    if (apiVersionAtLeast(o.apiVersion ?? API_VERSION, "1.44") && !subnets.some((s) => prefixContainsIp(s, parseIp(ip)))) {
      throw invalidArgument("ERR_STATIC_IP", `no configured subnet or ip-range contain the IP address ${ip}`);
    }
  }
  return n.ipv6 ? o.ip6 : undefined;
}

/**
 * Docker (20.10) keeps the IPv6 subnet of a network created without EnableIPv6 in its IPAM config and
 * uses it for nothing: dnet does the same, and says so in the create's Warning rather than silently.
 */
function unusedIPv6(req: DockerNetworkCreateRequest): string {
  if (req.EnableIPv6 === true) return "";
  const v6 = (req.IPAM?.Config ?? []).map((c) => c.Subnet ?? "").filter((s) => s.includes(":"));
  return v6.length === 0 ? "" : `IPv6 subnet ${v6.join(", ")} is not used: IPv6 is not enabled on this network (--ipv6)`;
}

/** Docker's label filter: "key" (present) or "key=value". */
export function labelMatches(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf("=");
  if (eq < 0) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
